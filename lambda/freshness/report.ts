/**
 * The freshness check's outcome as data, the one alert message that sums it up, and the Embedded
 * Metric Format line the dashboard graphs. Pure.
 */
import type { DbEngine, Frequency } from '../../common/app-spec';
import { formatBytes } from '../../common/format';
import type { BackupObject } from '../../control/backup-objects';
import { describeProblem, type RunProblem } from '../../control/recorded-backups';
import { type Assessment, formatAge, FREQUENCY_SECONDS, STALE_AFTER_INTERVALS } from '../../control/freshness/assess';
import { FRESHNESS_METRICS, FRESHNESS_NAMESPACE } from '../../common/names';
import { DRILL_METRICS } from '../../common/drill-record';
import type { DrillAssessment } from '../../control/freshness/assess-drills';
import { drillSections, summarizeDrillProblems } from './drill-alert';

/** One app's verdict. */
export interface AppFreshness extends Assessment {
  environment: string;
  app: string;
  frequency: Frequency;
  engine: DbEngine;
  newest: BackupObject | undefined;
  previous: BackupObject | undefined;
  /** Set when the bucket could not be listed for this app (then nothing else is known of its dumps). */
  error?: string;
  /** The media archives' verdict, from the run records (absent when they could not be read). */
  media?: Assessment & {
    newest: BackupObject | undefined;
    previous: BackupObject | undefined;
    runsRead: number;
    problem: RunProblem | undefined;
  };
  /** Run records that could not be listed or read (each named): an error of the check. */
  recordErrors?: string[];
  /** From the run records: the last day's runs, and the newest good run's time and duration (servers that skipped are no runs). */
  runs?: RunSummary;
  /** The restore drills' verdict (absent when drills are off, the app has no database, or they could not be read). */
  drills?: DrillAssessment;
}

/** What the run records say for the dashboard. */
export interface RunSummary {
  succeeded24h: number;
  failed24h: number;
  newestGood?: { timestamp: number; seconds: number };
}

/** One environment's part of the check. */
export interface EnvironmentFreshness {
  environment: string;
  /** `unknown`: the app list could not be had, so none of its apps was checked. */
  status: 'ok' | 'unknown';
  /** Apps with a schedule (frequency hourly..monthly). */
  apps: number;
  /** Apps with frequency none/disabled: not checked (no schedule, so no backup is expected). */
  disabled: number;
  /** App list entries the sync also skips (invalid): not checked. */
  skipped: number;
  /** From the servers' inventory: apps on no server, apps on several (undefined when not read). */
  placement?: {
    onNoServer: string[];
    onSeveralServers: string[];
    /** Per app on several servers: who holds it and the one its backup runs on. */
    several?: { app: string; instanceId: string; holders: string[] }[];
  };
  error?: string;
}

/** The whole check. */
export interface FreshnessReport {
  /** No stale, missing or shrunk backup, no failed or overdue drill, no error. */
  ok: boolean;
  checkedAt: string;
  bucket: string;
  environments: EnvironmentFreshness[];
  apps: AppFreshness[];
  counts: {
    checked: number;
    fresh: number;
    stale: number;
    missing: number;
    shrunk: number;
    notChecked: number;
    errors: number;
    /** Apps whose media archives are stale, missing, shrunk (apps without media are not counted). */
    mediaStale: number;
    mediaMissing: number;
    mediaShrunk: number;
    /** Apps the servers' inventory puts on several servers: an alert on its own (a stale copy may be backed up). */
    onSeveralServers: number;
    /** Apps on no inventoried server of an inventoried environment. */
    onNoServer: number;
    /** Runs in the last 24 hours that succeeded / failed, from the run records (a skipping server is no run). */
    runsSucceeded: number;
    runsFailed: number;
    /** Apps whose newest restore drill failed (skipped drills passed over). */
    drillsFailed: number;
    /** Apps with no passed drill in the last two drill periods (apps too new to be drilled are not). */
    drillsOverdue: number;
  };
}

/** Builds the report from the per-environment and per-app results. */
export function buildFreshnessReport(input: {
  checkedAt: Date;
  bucket: string;
  environments: EnvironmentFreshness[];
  apps: AppFreshness[];
}): FreshnessReport {
  const count = (test: (app: AppFreshness) => boolean) => input.apps.filter(test).length;
  const errors =
    count((app) => app.error !== undefined) +
    input.environments.filter((env) => env.status === 'unknown').length +
    input.apps.reduce((sum, app) => sum + (app.recordErrors?.length ?? 0), 0);
  const counts = {
    checked: count((app) => app.error === undefined && app.freshness !== 'not-checked'),
    fresh: count((app) => app.error === undefined && app.freshness === 'fresh'),
    stale: count((app) => app.error === undefined && app.freshness === 'stale'),
    missing: count((app) => app.error === undefined && app.freshness === 'missing'),
    shrunk: count((app) => app.error === undefined && app.shrunk),
    notChecked: count((app) => app.freshness === 'not-checked'),
    errors,
    mediaStale: count((app) => app.media?.freshness === 'stale'),
    mediaMissing: count((app) => app.media?.freshness === 'missing'),
    mediaShrunk: count((app) => app.media?.shrunk === true),
    onSeveralServers: input.environments.reduce((sum, env) => sum + (env.placement?.onSeveralServers.length ?? 0), 0),
    onNoServer: input.environments.reduce((sum, env) => sum + (env.placement?.onNoServer.length ?? 0), 0),
    runsSucceeded: input.apps.reduce((sum, app) => sum + (app.runs?.succeeded24h ?? 0), 0),
    runsFailed: input.apps.reduce((sum, app) => sum + (app.runs?.failed24h ?? 0), 0),
    drillsFailed: count((app) => app.drills?.failed !== undefined),
    drillsOverdue: count((app) => app.drills?.overdue === true),
  };
  return {
    ok:
      counts.stale +
        counts.missing +
        counts.shrunk +
        counts.errors +
        counts.mediaStale +
        counts.mediaMissing +
        counts.mediaShrunk +
        counts.onSeveralServers +
        counts.onNoServer +
        counts.drillsFailed +
        counts.drillsOverdue ===
      0,
    checkedAt: input.checkedAt.toISOString(),
    bucket: input.bucket,
    environments: input.environments,
    apps: input.apps,
    counts,
  };
}

/** SNS subjects are at most 100 characters. */
const SUBJECT_LIMIT = 100;
/** SNS messages are at most 256 KB; stay well below. */
const MESSAGE_LIMIT = 200_000;

/** The one alert that sums up every problem; undefined when there is none. */
export function formatFreshnessAlert(report: FreshnessReport): { subject: string; message: string } | undefined {
  if (report.ok) return undefined;
  const { counts } = report;
  const parts = [
    counts.stale && `${counts.stale} stale`,
    counts.missing && `${counts.missing} missing`,
    counts.shrunk && `${counts.shrunk} shrunk`,
    counts.errors && `${counts.errors} not checked (errors)`,
  ].filter(Boolean);
  const mediaParts = [
    counts.mediaStale && `${counts.mediaStale} stale`,
    counts.mediaMissing && `${counts.mediaMissing} missing`,
    counts.mediaShrunk && `${counts.mediaShrunk} shrunk`,
  ].filter(Boolean);
  const placementParts = [
    counts.onSeveralServers && `${counts.onSeveralServers} app(s) on several servers`,
    counts.onNoServer && `${counts.onNoServer} app(s) on no server`,
  ].filter(Boolean);
  const summary = [
    parts.length ? `${parts.join(', ')} backup(s)` : '',
    mediaParts.length ? `${mediaParts.join(', ')} media archive(s)` : '',
    placementParts.join(', '),
    summarizeDrillProblems(counts),
  ]
    .filter(Boolean)
    .join('; ');
  const subject = `Backopper: ${summary}`.slice(0, SUBJECT_LIMIT);
  const at = (app: AppFreshness) => `${app.app} (${app.environment})`;
  const where = (object: BackupObject) => `s3://${report.bucket}/${object.key}`;
  const ok = (app: AppFreshness) => app.error === undefined;
  const section = (title: string, lines: string[]) =>
    lines.length ? ['', title, ...lines.map((line) => `  ${line}`)] : [];
  const lines = [
    `Backopper freshness check at ${report.checkedAt}: ${summary}; ${counts.fresh} of ${counts.checked} checked app(s) are fresh.`,
    ...section(
      `STALE: the newest backup is older than ${STALE_AFTER_INTERVALS} intervals (a server may have stopped running backups):`,
      report.apps
        .filter((app) => ok(app) && app.freshness === 'stale' && app.newest)
        .map((app) => {
          const limit = formatAge(FREQUENCY_SECONDS[app.frequency] * STALE_AFTER_INTERVALS);
          return `${at(app)}: newest backup ${formatAge(app.ageSeconds ?? 0)} old (${app.frequency}: stale after ${limit}), ${where(app.newest as BackupObject)}`;
        }),
    ),
    ...section(
      'MISSING: no backup in S3 at all (new apps alert until their first backup):',
      report.apps
        .filter((app) => ok(app) && app.freshness === 'missing')
        .map(
          (app) =>
            `${at(app)}: ${app.frequency}, ${app.engine}, nothing under s3://${report.bucket}/${app.app}/${app.environment}/`,
        ),
    ),
    ...section(
      'SHRUNK: the newest backup is less than half the size of the previous one (a partial or empty database?):',
      report.apps
        .filter((app) => ok(app) && app.shrunk && app.newest && app.previous)
        .map((app) => {
          const newest = app.newest as BackupObject;
          const previous = app.previous as BackupObject;
          return `${at(app)}: ${formatBytes(newest.size)}, previous ${formatBytes(previous.size)} (${Math.round((app.sizeRatio ?? 0) * 100)}%), ${where(newest)}`;
        }),
    ),
    ...section(
      `MEDIA STALE: the newest media archive on the media server is older than ${STALE_AFTER_INTERVALS} intervals (from the run records):`,
      report.apps
        .filter((app) => app.media?.freshness === 'stale' && app.media.newest)
        .map(
          (app) =>
            `${at(app)}: newest archive ${formatAge(app.media?.ageSeconds ?? 0)} old, ${app.media?.newest?.key}${lastFailure(app)}`,
        ),
    ),
    ...section(
      'MEDIA MISSING: runs tried to copy media but no successful transfer is recorded:',
      report.apps
        .filter((app) => app.media?.freshness === 'missing')
        .map((app) => `${at(app)}: none in the newest ${app.media?.runsRead} run record(s)${lastFailure(app)}`),
    ),
    ...section(
      'MEDIA SHRUNK: the newest media archive is less than half the size of the previous one:',
      report.apps
        .filter((app) => app.media?.shrunk && app.media.newest && app.media.previous)
        .map(
          (app) =>
            `${at(app)}: ${formatBytes(app.media?.newest?.size ?? 0)}, previous ${formatBytes(app.media?.previous?.size ?? 0)} (${Math.round((app.media?.sizeRatio ?? 0) * 100)}%), ${app.media?.newest?.key}`,
        ),
    ),
    ...section(
      "PLACEMENT: per the servers' inventory (Custom:BackopperApps), these apps are on no server, or on several (backed up on one):",
      report.environments.flatMap((env) => [
        ...(env.placement?.onNoServer ?? []).map((app) => `${app} (${env.environment}): on no server`),
        ...(env.placement?.onSeveralServers ?? []).map((app) => {
          const found = env.placement?.several?.find((entry) => entry.app === app);
          return found
            ? `${app} (${env.environment}): on ${found.holders.join(', ')}; backed up on ${found.instanceId} only (the others may hold a stale copy: remove it, or its .env, there)`
            : `${app} (${env.environment}): on several servers`;
        }),
      ]),
    ),
    ...drillSections(report.bucket, report.apps, new Date(report.checkedAt)).flatMap(({ title, lines: found }) =>
      section(title, found),
    ),
    ...section('NOT CHECKED: errors (these apps may be stale too):', [
      ...report.environments
        .filter((env) => env.status === 'unknown')
        .map((env) => `${env.environment}: ${env.error ?? 'unknown error'}; none of its apps was checked`),
      ...report.apps.filter((app) => app.error !== undefined).map((app) => `${at(app)}: ${app.error}`),
      ...report.apps.flatMap((app) => (app.recordErrors ?? []).map((error) => `${at(app)}: ${error}`)),
    ]),
  ];
  let message = lines.join('\n');
  if (message.length > MESSAGE_LIMIT)
    message = `${message.slice(0, MESSAGE_LIMIT)}\n... (cut; the full list is in the freshness function's log)`;
  return { subject, message };
}

/** `; the last run failed at transfer: <error>` when the newest run failed. */
function lastFailure(app: AppFreshness): string {
  const problem = app.media?.problem;
  return problem
    ? `; the last run (${new Date(problem.timestamp * 1000).toISOString()} on ${problem.host}) failed: ${describeProblem(problem)}`
    : '';
}

/** One CloudWatch Embedded Metric Format log line: CloudWatch Logs turns it into the metrics above. */
export function freshnessMetricLine(report: FreshnessReport): string {
  const entries = [
    ...(Object.entries(FRESHNESS_METRICS) as [keyof typeof FRESHNESS_METRICS, string][]),
    ['drillsFailed', DRILL_METRICS.failed],
    ['drillsOverdue', DRILL_METRICS.overdue],
  ] as [keyof FreshnessReport['counts'], string][];
  return JSON.stringify({
    _aws: {
      Timestamp: Date.parse(report.checkedAt),
      CloudWatchMetrics: [
        {
          Namespace: FRESHNESS_NAMESPACE,
          Dimensions: [[]],
          Metrics: entries.map(([, name]) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    ...Object.fromEntries(entries.map(([key, name]) => [name, report.counts[key]])),
  });
}
