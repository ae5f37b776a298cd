/**
 * The pure core of `backopper status`: one row per scheduled app from its schedule, its newest dumps
 * and its newest command, with the flags an operator acts on.
 */
import type { DbEngine } from '../../common/app-spec';
import type { NewestBackups } from '../../lambda/shared/backup-objects';
import { type Assessment, assessBackups } from '../../lambda/freshness/assess';
import { appKey, type CommandRun } from './command-history';
import type { ScheduleFacts } from './schedule-facts';
import { intervalSeconds, nextRuns, UnsupportedExpressionError } from './schedule-expression';

/**
 * `stale`/`missing`/`shrunk`: see the freshness monitor; `failed`: the newest command failed, timed out
 * or was cancelled on a server; `absent`: the newest command found the app on no server (every server
 * skipped it); `disabled`: the schedule is disabled; `error`: the bucket could not be listed;
 * `check-failed`: the newest restore check failed.
 */
export type StatusFlag = 'stale' | 'missing' | 'shrunk' | 'failed' | 'absent' | 'disabled' | 'error' | 'check-failed';

/** One app × environment. */
export interface StatusRow {
  environment: string;
  app: string;
  engine: DbEngine;
  schedule: {
    name: string;
    expression: string;
    timeZone: string;
    state: string;
    /** ISO instant, undefined when it cannot be known (a rate without a start, an unreadable expression). */
    nextRun: string | undefined;
    intervalSeconds: number | undefined;
  };
  backups: (Assessment & { newest: NewestBackups['newest']; previous: NewestBackups['previous']; count: number }) | { error: string };
  lastRun: (Omit<CommandRun, 'requestedAt'> & { requestedAt: string; ran: number; skipped: number }) | undefined;
  /** The newest restore check (verify document) when the stack has it on: how it went and why it failed. */
  restoreCheck?: { commandId: string; requestedAt: string; status: string; result: string; reason?: string } | undefined;
  flags: StatusFlag[];
}

const FAILED = new Set(['Failed', 'TimedOut', 'Cancelled', 'Cancelling', 'DeliveryTimedOut', 'Undeliverable', 'Terminated', 'InvalidPlatform', 'AccessDenied']);

/** Builds the rows, sorted by environment then app. */
export function buildStatusRows(input: {
  schedules: readonly ScheduleFacts[];
  backups: ReadonlyMap<string, NewestBackups | Error>;
  commands: ReadonlyMap<string, CommandRun>;
  /** The restore checks, when the stack has them on. */
  checks?: ReadonlyMap<string, CommandRun>;
  now: Date;
}): StatusRow[] {
  return input.schedules
    .map((schedule) => {
      const key = appKey(schedule.environment, schedule.app);
      const row = buildRow(schedule, input.backups.get(key), input.commands.get(key), input.now);
      if (!input.checks) return row;
      const restoreCheck = describeCheck(input.checks.get(key));
      return { ...row, restoreCheck, flags: restoreCheck?.result === 'failed' ? [...row.flags, 'check-failed' as const] : row.flags };
    })
    .sort((a, b) => a.environment.localeCompare(b.environment) || a.app.localeCompare(b.app));
}

function buildRow(schedule: ScheduleFacts, found: NewestBackups | Error | undefined, command: CommandRun | undefined, now: Date): StatusRow {
  const engine = (schedule.request.Parameters.engine?.[0] ?? 'none') as DbEngine;
  const timing = { expression: schedule.expression, timeZone: schedule.timeZone, after: now, anchor: schedule.startDate };
  let nextRun: string | undefined;
  let interval: number | undefined;
  try {
    // A disabled schedule does not run.
    nextRun = schedule.state === 'ENABLED' ? nextRuns(timing)[0]?.toISOString() : undefined;
    interval = intervalSeconds(timing);
  } catch (error) {
    if (!(error instanceof UnsupportedExpressionError)) throw error;
  }
  const flags: StatusFlag[] = [];
  let backups: StatusRow['backups'];
  if (found instanceof Error || found === undefined) {
    backups = { error: found?.message ?? 'not listed' };
    flags.push('error');
  } else {
    const assessment = assessBackups({ engine, intervalSeconds: interval, backups: found, now });
    backups = { ...assessment, newest: found.newest, previous: found.previous, count: found.count };
    if (assessment.freshness === 'stale' || assessment.freshness === 'missing') flags.push(assessment.freshness);
    if (assessment.shrunk) flags.push('shrunk');
  }
  let lastRun: StatusRow['lastRun'];
  if (command) {
    const skipped = command.instances.filter((instance) => instance.reportStatus === 'skipped').length;
    const ran = command.instances.length - skipped;
    lastRun = { ...command, requestedAt: command.requestedAt.toISOString(), ran, skipped };
    if (FAILED.has(command.status) || command.instances.some((instance) => FAILED.has(instance.status))) flags.push('failed');
    else if (command.status === 'Success' && ran === 0) flags.push('absent');
  }
  if (schedule.state !== 'ENABLED') flags.push('disabled');
  return {
    environment: schedule.environment,
    app: schedule.app,
    engine,
    schedule: { name: schedule.name, expression: schedule.expression, timeZone: schedule.timeZone, state: schedule.state, nextRun, intervalSeconds: interval },
    backups,
    lastRun,
    flags,
  };
}

/** The restore check's outcome: the server that restored (the others skip an app they do not have). */
function describeCheck(command: CommandRun | undefined): StatusRow['restoreCheck'] {
  if (!command) return undefined;
  const ran = command.instances.filter((instance) => instance.reportStatus !== 'skipped');
  const failed = ran.find((instance) => FAILED.has(instance.status) || instance.reportStatus === 'failed');
  const result = failed ? 'failed' : ran.find((instance) => instance.reportStatus)?.reportStatus ?? command.status;
  return {
    commandId: command.commandId,
    requestedAt: command.requestedAt.toISOString(),
    status: command.status,
    result,
    ...(failed?.reason ? { reason: `${failed.instanceId}: ${failed.reason}` } : {}),
  };
}
