/**
 * The run record: every agent run's JSON report, written to S3 at `<app>/<environment>/runs/<ts>_<host id>.json`
 * (whenever S3 is reachable, success or failure). It is the durable ledger that `backopper status`,
 * `backopper backups`, restore and the freshness monitor read; SSM keeps command output for 30 days only.
 *
 * This module is the contract between the writer (the agent) and the readers (ops, the Lambdas): the key,
 * the tier tag, and a tolerant reader that keeps only the facts readers rely on.
 */

/** The object tag that picks an S3 lifecycle rule: the largest calendar boundary crossed since the previous success. */
export const TIER_TAG = 'backopper:tier';
export const RETENTION_TIERS = ['daily', 'weekly', 'monthly', 'yearly'] as const;
export type RetentionTier = (typeof RETENTION_TIERS)[number];

/** S3 key of a run record. The host id keeps two servers holding the same app apart, as media archive names do. */
export function runRecordKey(input: { app: string; environment: string; timestamp: number; hostId: string }): string {
  return `${input.app}/${input.environment}/runs/${input.timestamp}_${input.hostId}.json`;
}

/** The prefix under which an app's run records live. */
export function runRecordPrefix(app: string, environment: string): string {
  return `${app}/${environment}/runs/`;
}

/** Matches run record keys: app, environment, timestamp, host id. */
export const RUN_RECORD_PATTERN = /^([^/]+)\/([^/]+)\/runs\/(\d{9,11})_([0-9a-f]{8})\.json$/;

/** What one step of a recorded run says; every field but `status` is optional. */
export interface RecordedStep {
  status: 'succeeded' | 'failed' | 'skipped';
  durationMs?: number;
  bytes?: number;
  /** Local path, or `host:path` on the media server for the transfer step. */
  path?: string;
  bucket?: string;
  key?: string;
  sha256?: string;
  error?: string;
  reason?: string;
  /** Media snapshot mode: what the snapshot holds (file count and bytes), for drills and monitoring. */
  manifest?: { files: number; bytes: number };
  /** Media archive mode: the archive's members and its files' bytes as tar wrote them (runs since these were recorded). */
  entries?: number;
  fileBytes?: number;
}

/** The facts of a run that readers rely on. The agent writes its whole report; readers ignore the rest. */
export interface RunRecord {
  app: string;
  environment: string;
  host: string;
  runId?: string;
  timestamp: number;
  status: 'succeeded' | 'failed' | 'invalid' | 'skipped';
  steps: Partial<Record<'database' | 'retention' | 'upload' | 'media' | 'transfer' | string, RecordedStep>>;
  error?: string;
  /** The agent's package version and the sha256 of its bundle, when it knows them. */
  agentVersion?: string;
  bundleSha256?: string;
}

const RUN_STATUSES = new Set(['succeeded', 'failed', 'invalid', 'skipped']);
const STEP_STATUSES = new Set(['succeeded', 'failed', 'skipped']);

/** Reads a run record's JSON text; throws an Error naming what is wrong (readers skip such records loudly). */
export function parseRunRecord(text: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  const record = value as Record<string, unknown>;
  for (const field of ['app', 'environment', 'host'] as const) {
    if (typeof record[field] !== 'string') throw new Error(`${field} is not a string`);
  }
  if (typeof record.timestamp !== 'number' || !Number.isInteger(record.timestamp))
    throw new Error('timestamp is not an integer');
  if (typeof record.status !== 'string' || !RUN_STATUSES.has(record.status))
    throw new Error(`status ${JSON.stringify(record.status)} is unknown`);
  const steps = record.steps;
  if (!steps || typeof steps !== 'object' || Array.isArray(steps)) throw new Error('steps is not an object');
  for (const [name, step] of Object.entries(steps as Record<string, unknown>)) {
    const status = (step as { status?: unknown } | null)?.status;
    if (typeof status !== 'string' || !STEP_STATUSES.has(status)) throw new Error(`step ${name} has no known status`);
  }
  return record as unknown as RunRecord;
}
