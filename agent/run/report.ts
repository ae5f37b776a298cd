/** The run report: the last line on stdout, POSTed to the report URL, read by ops and by `backopper run`, stored in S3 as the run record. */
import type { RetentionTier } from '../../common/run-record';
import type { DumpManifest } from '../../common/dump-manifest';
import { formatBytes } from '../../common/format';
import { collectWarnings } from '../process/run-command';

export type StepStatus = 'succeeded' | 'failed' | 'skipped';
export type StepName = 'database' | 'upload' | 'catchUp' | 'retention' | 'media' | 'transfer' | 'mediaRetention';

export interface StepReport {
  status: StepStatus;
  durationMs: number;
  bytes?: number;
  /** Local or remote file path. */
  path?: string;
  /** S3 bucket and key of an uploaded dump, and of its `.sha256` companion. */
  bucket?: string;
  key?: string;
  checksumKey?: string;
  sha256?: string;
  /** Why a step was skipped. */
  reason?: string;
  /** What went wrong (failed) or what was odd but survivable (warning). */
  error?: string;
  warning?: string;
  /** What child processes of this step wrote to stderr while succeeding (`<command>: <line>`, redacted). */
  warnings?: string[];
  /** Local dumps deleted by retention; for mediaRetention, `host:path` of archives deleted on the media server. */
  deleted?: string[];
  /** Expired local dumps kept because they are not in S3 yet. */
  keptPending?: string[];
  /** catchUp: S3 keys of earlier dumps this run uploaded, oldest first; and those found already there. */
  caughtUp?: string[];
  found?: string[];
  /** The folder really archived when the media path goes through a symlink. */
  source?: string;
  /** Connections it took (transfer: transient SSH failures are retried). */
  attempts?: number;
  /** What dead runs left that this step removed (transfer: `host:path` of `.part` files). */
  cleaned?: string[];
  /** Parts of the database the dump could not include, each with why and the grant that would include it. */
  notIncluded?: string[];
  /** Snapshot mode (media): regular files in the snapshot; (transfer) bytes rsync sent; the snapshot linked from. */
  files?: number;
  /** Archive mode (media): the archive's members and its files' bytes, as tar wrote them. */
  entries?: number;
  fileBytes?: number;
  bytesSent?: number;
  linkedFrom?: string;
  /**
   * database: what the dump holds, objects and rows per table, read as it was written. Snapshot mode
   * (media, transfer): the files and bytes the snapshot holds, for drills and the freshness monitor.
   */
  manifest?: DumpManifest | SnapshotManifest;
}

export interface RunReport {
  app: string;
  environment: string;
  engine: string;
  projectType: string;
  host: string;
  /** Unique per run; the dump's S3 object and its `.sha256` carry it as `run-id` metadata. */
  runId?: string;
  timestamp: number;
  /** `skipped`: the app has no folder on this server and --skip-absent was given. */
  status: 'succeeded' | 'failed' | 'invalid' | 'skipped';
  durationMs: number;
  steps: Partial<Record<StepName, StepReport>>;
  error?: string;
  warnings?: string[];
  /** The retention tier its S3 objects are tagged with (the largest calendar boundary since the previous backup). */
  tier?: RetentionTier;
  /**
   * The media archive's tier: the largest boundary crossed since the previous successful transfer. The
   * run record, which holds the archive's sha256, is tagged with the longer of the two, so it lives as
   * long as the media server keeps the archive (the first of each week and month, prune-media.ts).
   */
  mediaTier?: RetentionTier;
  /** Where the run record went (added after it was written, so the record itself does not say). */
  runRecord?: { bucket: string; key?: string; error?: string };
  /** What runs killed before (SIGKILL) left that this run removed: partial dumps, temporary folders, a dead lock. */
  cleaned?: string[];
  /** The agent's version and its bundle's sha256 (agent/run/identity.ts), as common/run-record.ts names them. */
  agentVersion?: string;
  bundleSha256?: string;
}

/** Whether every step that ran succeeded (skipped steps do not fail a run). */
export function overallStatus(steps: RunReport['steps']): 'succeeded' | 'failed' {
  return Object.values(steps).some((step) => step?.status === 'failed') ? 'failed' : 'succeeded';
}

/** One readable line for a step: what, how big, how long, where. */
export function formatStepLine(name: StepName, step: StepReport): string {
  const parts = [`${name.padEnd(9)} ${step.status.padEnd(9)}`];
  if (step.bytes !== undefined) parts.push(formatBytes(step.bytes));
  parts.push(`${(step.durationMs / 1000).toFixed(1)} s`);
  if (step.path) parts.push(step.path);
  if (step.key) parts.push(`s3://${step.bucket}/${step.key}`);
  if (step.sha256) parts.push(`sha256 ${step.sha256.slice(0, 12)}`);
  if (step.deleted) parts.push(step.deleted.length ? `deleted ${step.deleted.join(', ')}` : 'nothing to delete');
  if (step.keptPending?.length) parts.push(`kept until in S3: ${step.keptPending.join(', ')}`);
  if (step.caughtUp) parts.push(step.caughtUp.length ? `uploaded ${step.caughtUp.join(', ')}` : 'nothing missed');
  if (step.found?.length) parts.push(`already in S3: ${step.found.join(', ')}`);
  if (step.reason) parts.push(`(${step.reason})`);
  if (step.attempts !== undefined && step.attempts > 1) parts.push(`${step.attempts} attempts`);
  if (step.cleaned?.length) parts.push(`cleaned ${step.cleaned.join(', ')}`);
  if (step.warning) parts.push(`warning: ${step.warning}`);
  if (step.warnings?.length) parts.push(`warnings: ${step.warnings.join('; ')}`);
  if (step.error) parts.push(`error: ${step.error}`);
  return parts.join('  ');
}

/**
 * Times `work` and turns its outcome into a step report; a thrown error becomes `failed`. What the
 * step's child processes wrote to stderr while succeeding becomes its `warnings`.
 */
export async function timeStep(work: () => Promise<Omit<StepReport, 'durationMs'>>): Promise<StepReport> {
  const started = performance.now();
  const warnings: string[] = [];
  let step: StepReport;
  try {
    const result = await collectWarnings(warnings, work);
    step = { ...result, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    step = {
      status: 'failed',
      error: error instanceof Error ? error.message : String(error),
      durationMs: Math.round(performance.now() - started),
    };
  }
  if (warnings.length > 0) step.warnings = [...(step.warnings ?? []), ...warnings];
  return step;
}

export function skipped(reason: string): StepReport {
  return { status: 'skipped', reason, durationMs: 0 };
}

/** What a media snapshot holds. */
export interface SnapshotManifest {
  files: number;
  bytes: number;
}
