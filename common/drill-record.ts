/**
 * The drill record: what one restore drill found (`backopper-agent drill`), written to S3 at
 * `<app>/<environment>/drills/<ts>_<host id>.json` whether it passed or failed, with `If-None-Match: *`.
 * `backopper status`, `backopper backups` and the freshness monitor read the newest ones.
 */
import type { Frequency } from './app-spec';
import type { RetentionTier } from './run-record';

/** S3 key of a drill record. */
export function drillRecordKey(input: { app: string; environment: string; timestamp: number; hostId: string }): string {
  return `${drillRecordPrefix(input.app, input.environment)}${input.timestamp}_${input.hostId}.json`;
}

/** The prefix under which an app's drill records live. */
export function drillRecordPrefix(app: string, environment: string): string {
  return `${app}/${environment}/drills/`;
}

/** Matches drill record keys: app, environment, timestamp, host id. */
export const DRILL_RECORD_PATTERN = /^([^/]+)\/([^/]+)\/drills\/(\d{9,11})_([0-9a-f]{8})\.json$/;

/** A drill's outcome: `skipped` when the copy is in an archive storage class (reported, not thawed). */
export type DrillStatus = 'passed' | 'failed' | 'skipped';

/** The facts of a drill that readers rely on (the agent writes its whole report). */
export interface DrillRecord {
  app: string;
  environment: string;
  host: string;
  /** Unix seconds the drill started. */
  timestamp: number;
  kind: 'database' | 'media';
  status: DrillStatus;
  /** The backup drilled: its S3 key (database) or `host:path` (media), and when it was taken. */
  backup?: { key: string; timestamp: number; sha256?: string; storageClass?: string; tier?: RetentionTier };
  bytes?: number;
  /** Seconds the restore into the scratch database took: the app's measured recovery time. */
  restoreSeconds?: number;
  /** What differed from the manifest (empty when it passed). */
  differences: string[];
  error?: string;
  reason?: string;
}

/** Reads a drill record's JSON text; throws naming what is wrong. */
export function parseDrillRecord(text: string): DrillRecord {
  const value = JSON.parse(text) as Partial<DrillRecord> | null;
  if (!value || typeof value !== 'object') throw new Error('not a JSON object');
  for (const field of ['app', 'environment', 'host'] as const)
    if (typeof value[field] !== 'string') throw new Error(`${field} is not a string`);
  if (typeof value.timestamp !== 'number') throw new Error('timestamp is not a number');
  if (value.status !== 'passed' && value.status !== 'failed' && value.status !== 'skipped')
    throw new Error(`status ${JSON.stringify(value.status)} is unknown`);
  return { ...value, differences: Array.isArray(value.differences) ? value.differences : [] } as DrillRecord;
}

/**
 * How often each app is drilled: the weekly Backopper-Verify schedule the sync keeps per app
 * (control/sync/desired-schedules.ts). The freshness monitor calls a drill overdue after two of these.
 */
export const DRILL_FREQUENCY = 'weekly' satisfies Frequency;

/** Seconds of one {@link DRILL_FREQUENCY} period (the freshness check's FREQUENCY_SECONDS agrees; a test holds them equal). */
export const DRILL_PERIOD_SECONDS = 7 * 86_400;

/** A last passed drill older than this many drill periods is overdue. */
export const DRILL_OVERDUE_AFTER_PERIODS = 2;

/** The counts the freshness monitor emits about drills (namespace Backopper, no dimensions). */
export const DRILL_METRICS = {
  /** Apps whose newest drill (skipped ones aside) failed. */
  failed: 'DrillsFailed',
  /** Apps whose last passed drill is older than two drill periods (or that have none while their backups are). */
  overdue: 'DrillsOverdue',
} as const;

/** The per-app drill numbers the dashboard graphs (dimensions Environment and App). */
export const DRILL_APP_METRICS = {
  /** Hours since the last passed drill. */
  ageHours: 'DrillAgeHours',
  /** 1 when the newest drill (skipped ones aside) failed, else 0. */
  failed: 'DrillFailed',
  /** Restore seconds of the last passed drill: the app's measured recovery time. */
  restoreSeconds: 'DrillRestoreSeconds',
} as const;
