/**
 * The pure core of `backopper status`: one row per scheduled app from its schedule, its newest dumps
 * and its newest command, with the flags an operator acts on.
 */
import type { DbEngine } from '../../common/app-spec';
import type { NewestBackups } from '../../control/backup-objects';
import { type Assessment, assessBackups, assessMedia } from '../../control/freshness/assess';
import { describeProblem } from '../../control/recorded-backups';
import type { RunFacts } from '../../control/run-facts';
import { appKey, type CommandRun } from './command-history';
import type { ScheduleFacts } from './schedule-facts';
import { intervalSeconds, nextRuns, UnsupportedExpressionError } from './schedule-expression';

/**
 * `stale`/`missing`/`shrunk`: see the freshness monitor; `failed`: the newest command failed, timed out
 * or was cancelled on a server; `absent`: the newest command found the app on no server (every server
 * skipped it); `disabled`: the schedule is disabled; `error`: the bucket could not be listed;
 * `check-failed`: the newest restore check failed.
 */
export type StatusFlag =
  | 'stale'
  | 'missing'
  | 'shrunk'
  | 'media-stale'
  | 'media-missing'
  | 'media-shrunk'
  | 'failed'
  | 'absent'
  | 'disabled'
  | 'error'
  | 'check-failed'
  | 'drill-failed'
  | 'drill-overdue';

/** Why the newest run failed: from its run record, else from the command history's output. */
export interface RunFailure {
  /** `transfer: ssh: connect to host media.example port 22: Connection refused`. */
  reason: string;
  /** ISO instant of the run (record) or the command (history). */
  at: string;
  /** The server (record: its host name; history: the instance id). */
  where: string;
  source: 'run record' | 'command history';
}

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
  backups:
    | (Assessment & { newest: NewestBackups['newest']; previous: NewestBackups['previous']; count: number })
    | { error: string };
  lastRun: (Omit<CommandRun, 'requestedAt'> & { requestedAt: string; ran: number; skipped: number }) | undefined;
  /** Media archives, from the run records (`not-checked`: no records, or media not configured). */
  media: (Assessment & { newest: NewestBackups['newest']; previous: NewestBackups['previous'] }) | { error: string };
  /** Why the newest run failed, when it did. */
  failure: RunFailure | undefined;
  /** The newest restore check (verify document) when the stack has it on: how it went and why it failed. */
  restoreCheck?:
    { commandId: string; requestedAt: string; status: string; result: string; reason?: string } | undefined;
  /** The app's drills (control/drill-records.ts): the last proven restore and the newest drill, when read. */
  proof?: {
    lastPassed?: { time: string; key?: string; restoreSeconds?: number };
    newest?: { time: string; status: string; error?: string };
    /** The newest drill that passed or failed (skipped ones passed over), when it failed. */
    failed?: { time: string; key?: string; error?: string };
  };
  flags: StatusFlag[];
}

/** A run record this close before a command (seconds) belongs to it: the agent stamps its run after SSM sends it. */
const SAME_RUN_SLACK_MS = 60_000;

const FAILED = new Set([
  'Failed',
  'TimedOut',
  'Cancelled',
  'Cancelling',
  'DeliveryTimedOut',
  'Undeliverable',
  'Terminated',
  'InvalidPlatform',
  'AccessDenied',
]);

/** Builds the rows, sorted by environment then app. */
export function buildStatusRows(input: {
  schedules: readonly ScheduleFacts[];
  backups: ReadonlyMap<string, NewestBackups | Error>;
  commands: ReadonlyMap<string, CommandRun>;
  /** The run records' facts per app; an Error when they could not be read. */
  runs?: ReadonlyMap<string, RunFacts | Error>;
  /** The restore checks, when the stack has them on. */
  checks?: ReadonlyMap<string, CommandRun>;
  now: Date;
}): StatusRow[] {
  return input.schedules
    .map((schedule) => {
      const key = appKey(schedule.environment, schedule.app);
      const row = buildRow(schedule, input.backups.get(key), input.commands.get(key), input.runs?.get(key), input.now);
      if (!input.checks) return row;
      const restoreCheck = describeCheck(input.checks.get(key));
      return {
        ...row,
        restoreCheck,
        flags: restoreCheck?.result === 'failed' ? [...row.flags, 'check-failed' as const] : row.flags,
      };
    })
    .sort((a, b) => a.environment.localeCompare(b.environment) || a.app.localeCompare(b.app));
}

function buildRow(
  schedule: ScheduleFacts,
  found: NewestBackups | Error | undefined,
  command: CommandRun | undefined,
  runs: RunFacts | Error | undefined,
  now: Date,
): StatusRow {
  const engine = (schedule.request.Parameters.engine?.[0] ?? 'none') as DbEngine;
  const timing = {
    expression: schedule.expression,
    timeZone: schedule.timeZone,
    after: now,
    anchor: schedule.startDate,
  };
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
  let media: StatusRow['media'];
  if (runs instanceof Error) {
    media = { error: runs.message };
    if (!flags.includes('error')) flags.push('error');
  } else {
    const facts = runs ?? { mediaExpected: false, media: { newest: undefined, previous: undefined, count: 0 } };
    const verdict = assessMedia({
      engine,
      expected: facts.mediaExpected,
      intervalSeconds: interval,
      media: facts.media,
      now,
    });
    media = { ...verdict, newest: facts.media.newest, previous: facts.media.previous };
    if (verdict.freshness === 'stale' || verdict.freshness === 'missing') flags.push(`media-${verdict.freshness}`);
    if (verdict.shrunk) flags.push('media-shrunk');
    if (runs && runs.unreadable.length > 0 && !flags.includes('error')) flags.push('error');
  }
  const failure = findFailure(runs instanceof Error ? undefined : runs, command);
  let lastRun: StatusRow['lastRun'];
  if (command) {
    const skipped = command.instances.filter((instance) => instance.reportStatus === 'skipped').length;
    const ran = command.instances.length - skipped;
    lastRun = { ...command, requestedAt: command.requestedAt.toISOString(), ran, skipped };
    if (FAILED.has(command.status) || command.instances.some((instance) => FAILED.has(instance.status)))
      flags.push('failed');
    else if (command.status === 'Success' && ran === 0) flags.push('absent');
  }
  // A failed run whose record is newer than the command history shows (or than the history window).
  if (failure?.source === 'run record' && !flags.includes('failed')) flags.push('failed');
  if (schedule.state !== 'ENABLED') flags.push('disabled');
  return {
    environment: schedule.environment,
    app: schedule.app,
    engine,
    schedule: {
      name: schedule.name,
      expression: schedule.expression,
      timeZone: schedule.timeZone,
      state: schedule.state,
      nextRun,
      intervalSeconds: interval,
    },
    backups,
    lastRun,
    media,
    failure,
    flags,
  };
}

/**
 * Why the newest run failed: its run record when that is the newest run known (as new as the newest
 * command, or there is no command in the history window), else the failed report in the command's output.
 */
function findFailure(runs: RunFacts | undefined, command: CommandRun | undefined): RunFailure | undefined {
  const recordIsNewest =
    runs?.newestRun &&
    (!command || runs.newestRun.timestamp * 1000 >= command.requestedAt.getTime() - SAME_RUN_SLACK_MS);
  if (recordIsNewest) {
    const problem = runs?.problem;
    return problem
      ? {
          reason: describeProblem(problem),
          at: new Date(problem.timestamp * 1000).toISOString(),
          where: problem.host,
          source: 'run record',
        }
      : undefined;
  }
  if (!command) return undefined;
  const failed = command.instances.find(
    (instance) =>
      FAILED.has(instance.status) ||
      (instance.reportStatus !== undefined && !['succeeded', 'skipped'].includes(instance.reportStatus)),
  );
  if (!failed && !FAILED.has(command.status)) return undefined;
  const reason =
    failed?.reason ??
    `${failed?.status ?? command.status} without a readable run report (SSM shows the first 2,500 characters of the output)`;
  return {
    reason,
    at: command.requestedAt.toISOString(),
    where: failed?.instanceId ?? 'unknown',
    source: 'command history',
  };
}

/** The restore check's outcome: the server that restored (the others skip an app they do not have). */
function describeCheck(command: CommandRun | undefined): StatusRow['restoreCheck'] {
  if (!command) return undefined;
  const ran = command.instances.filter((instance) => instance.reportStatus !== 'skipped');
  const failed = ran.find((instance) => FAILED.has(instance.status) || instance.reportStatus === 'failed');
  const result = failed ? 'failed' : (ran.find((instance) => instance.reportStatus)?.reportStatus ?? command.status);
  return {
    commandId: command.commandId,
    requestedAt: command.requestedAt.toISOString(),
    status: command.status,
    result,
    ...(failed?.reason ? { reason: `${failed.instanceId}: ${failed.reason}` } : {}),
  };
}
