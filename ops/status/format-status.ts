/**
 * Renders `backopper status` as a table: one line per app × environment. Pure.
 */
import { formatBytes } from '../../common/format';
import { formatAge } from '../../control/freshness/assess';
import type { StatusRow } from './build-status';

/** The whole report: header, table, problems. */
export interface StatusReport {
  generatedAt: string;
  backend: string;
  bucket: string;
  rows: StatusRow[];
  /** Environments or calls that could not be read (`live: AccessDeniedException: ...`). */
  errors: string[];
  /** How far back the command history was read, in days. */
  historyDays: number;
  /** Placement flags from the servers' inventory: `live/shop: on no server (...)`. */
  placement?: string[];
}

/** The lines of the table (no trailing newline). */
export function formatStatus(report: StatusReport): string[] {
  const now = Date.parse(report.generatedAt);
  const flagged = report.rows.filter((row) => row.flags.length > 0).length;
  const lines = [
    `backopper status · backend ${report.backend} · bucket ${report.bucket} · ${report.rows.length} app(s), ${flagged} flagged · ${report.generatedAt.replace(/\.\d+Z$/, 'Z')}`,
    '',
  ];
  const agents = describeAgents(report.rows);
  if (agents) lines.splice(1, 0, agents);
  const withChecks = report.rows.some((row) => 'restoreCheck' in row);
  // Shown when the stack runs drills (the restore-check document is configured) or once any app has been drilled.
  const withProof = withChecks || report.rows.some((row) => row.proof?.newest !== undefined);
  const header = [
    'ENVIRONMENT',
    'APP',
    'SCHEDULE',
    'NEXT RUN',
    'NEWEST BACKUP',
    'SIZE (VS PREVIOUS)',
    'LAST RUN',
    ...(withChecks ? ['RESTORE CHECK'] : []),
    ...(withProof ? ['LAST PROVEN RESTORE'] : []),
    'FLAGS',
  ];
  const rows = report.rows.map((row) => [
    row.environment,
    row.app,
    row.schedule.state === 'ENABLED'
      ? row.schedule.expression
      : `${row.schedule.expression} (${row.schedule.state.toLowerCase()})`,
    row.schedule.nextRun ? formatLocal(new Date(row.schedule.nextRun), row.schedule.timeZone) : '-',
    describeNewest(row, now),
    describeSize(row),
    describeLastRun(row, now, report.historyDays),
    ...(withChecks ? [describeCheck(row, now, report.historyDays)] : []),
    ...(withProof ? [describeProof(row, now)] : []),
    row.flags.length ? row.flags.join(',') : 'ok',
  ]);
  if (rows.length === 0) lines.push('  no managed schedules found');
  else {
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
    );
    const render = (cells: string[]) =>
      cells
        .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
        .join('  ');
    lines.push(render(header));
    report.rows.forEach((row, index) => lines.push(render(rows[index] as string[]), ...describeReasons(row)));
  }
  for (const row of report.rows) lines.push(...describeProblems(row, now));
  for (const line of report.placement ?? []) lines.push(`placement: ${line}`);
  for (const error of report.errors) lines.push(`error: ${error}`);
  lines.push(
    '',
    flagged === 0 && report.errors.length === 0
      ? 'ok'
      : `ATTENTION: ${flagged} app(s) flagged${report.errors.length ? `, ${report.errors.length} error(s)` : ''}`,
  );
  return lines;
}

/** The reasons behind a row's flags that the table cannot show: why the run failed, what is wrong with media. */
export function describeProblems(row: StatusRow, now: number): string[] {
  const at = `${row.environment}/${row.app}`;
  const lines: string[] = [];
  if (row.failure) {
    const age = `${formatAge(Math.max(0, Math.round((now - Date.parse(row.failure.at)) / 1000)))} ago`;
    lines.push(
      `why ${at} failed: ${row.failure.reason} (${age} on ${row.failure.where}, from the ${row.failure.source})`,
    );
  }
  const media = row.media;
  if (!('error' in media)) {
    const newest = media.newest;
    if (media.freshness === 'stale' && newest)
      lines.push(`media of ${at}: the newest archive is ${formatAge(media.ageSeconds ?? 0)} old: ${newest.key}`);
    if (media.freshness === 'missing')
      lines.push(
        `media of ${at}: runs tried to copy media but none of the newest run records has a successful transfer`,
      );
    if (media.shrunk && newest && media.previous)
      lines.push(
        `media of ${at}: the newest archive is ${formatBytes(newest.size)}, the previous ${formatBytes(media.previous.size)} (${Math.round((media.sizeRatio ?? 0) * 100)}%): ${newest.key}`,
      );
  }
  return lines;
}

/** `    why: i-web1: database: mysqldump exited ...` under a row whose last run, restore check or drill failed. */
function describeReasons(row: StatusRow): string[] {
  // A failure the run records explain is said once, below the table ({@link describeProblems}).
  const reasons = row.failure
    ? []
    : (row.lastRun?.instances ?? [])
        .filter((instance) => instance.reason)
        .map((instance) => `    why: ${instance.instanceId}: ${instance.reason}`);
  if (row.restoreCheck?.reason) reasons.push(`    restore check: ${row.restoreCheck.reason}`);
  const failed = row.proof?.failed;
  if (failed)
    reasons.push(`    drill failed: ${failed.key ?? 'no backup picked'}: ${cut(failed.error ?? 'no reason recorded')}`);
  return reasons;
}

/**
 * `2d ago, 4.2 s` (the newest drill that passed, its restore time), `never`; `; drill failed 1h ago` after
 * when the newest drill that passed or failed failed; `-` for a media-only app (no scheduled drill).
 */
function describeProof(row: StatusRow, now: number): string {
  if (row.engine === 'none') return '-';
  const age = (time: string) => formatAge(Math.max(0, Math.round((now - Date.parse(time)) / 1000)));
  const passed = row.proof?.lastPassed;
  const text = passed ? `${age(passed.time)} ago, ${passed.restoreSeconds ?? '?'} s` : 'never';
  const failed = row.proof?.failed;
  return failed ? `${text}; drill failed ${age(failed.time)} ago` : text;
}

function cut(text: string, limit = 300): string {
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}

function describeCheck(row: StatusRow, now: number, historyDays: number): string {
  const check = row.restoreCheck;
  if (!check) return `none in ${historyDays}d`;
  return `${check.result} ${formatAge(Math.max(0, Math.round((now - Date.parse(check.requestedAt)) / 1000)))} ago`;
}

/** `agents: 0.1.0 (bundle 1a2b3c4d5e6f) on 3 server(s)`: which agent builds ran the last runs. */
function describeAgents(rows: readonly StatusRow[]): string | undefined {
  const builds = new Map<string, Set<string>>();
  for (const instance of rows.flatMap((row) => row.lastRun?.instances ?? [])) {
    if (!instance.agentVersion) continue;
    const build = `${instance.agentVersion}${instance.bundleSha256 ? ` (bundle ${instance.bundleSha256.slice(0, 12)})` : ''}`;
    builds.set(build, (builds.get(build) ?? new Set()).add(instance.instanceId));
  }
  if (builds.size === 0) return undefined;
  return `agents: ${[...builds].map(([build, servers]) => `${build} on ${servers.size} server(s)`).join(', ')}`;
}

function describeNewest(row: StatusRow, now: number): string {
  if ('error' in row.backups) return 'error';
  if (row.backups.freshness === 'not-checked') return 'media only';
  const newest = row.backups.newest;
  if (!newest) return 'none';
  return `${formatAge(Math.max(0, Math.round(now / 1000 - newest.timestamp)))} ago`;
}

function describeSize(row: StatusRow): string {
  if ('error' in row.backups || !row.backups.newest) return '-';
  const size = formatBytes(row.backups.newest.size);
  if (row.backups.sizeRatio === undefined) return size;
  const change = Math.round((row.backups.sizeRatio - 1) * 100);
  return `${size} (${change >= 0 ? '+' : ''}${change}%)`;
}

function describeLastRun(row: StatusRow, now: number, historyDays: number): string {
  const run = row.lastRun;
  if (!run) return `none in ${historyDays}d`;
  const age = `${formatAge(Math.max(0, Math.round((now - Date.parse(run.requestedAt)) / 1000)))} ago`;
  const failed = run.instances.filter(
    (instance) => instance.status !== 'Success' && instance.status !== 'InProgress' && instance.status !== 'Pending',
  );
  if (failed.length > 0)
    return `${run.status} ${age} (${failed.map((instance) => `${instance.instanceId} ${instance.status}`).join(', ')})`;
  if (run.targetCount === 0) return `${run.status} ${age} (no server matched)`;
  return `${run.status} ${age} (${run.ran} ran${run.skipped ? `, ${run.skipped} skipped` : ''})`;
}

/** `2025-01-16 02:17 CET` in the schedule's zone. */
export function formatLocal(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).formatToParts(date);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}
