/**
 * Dumps in an archive storage class (S3 Glacier Flexible Retrieval `GLACIER`, Deep Archive
 * `DEEP_ARCHIVE`) cannot be downloaded until a temporary copy is thawed with RestoreObject. This module
 * reads an object's state (HeadObject: StorageClass and the `x-amz-restore` header), says what it means
 * and how long a thaw takes (pure), and requests the thaw.
 */
import { HeadObjectCommand, RestoreObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Storage classes whose objects must be thawed before GetObject works. */
export const ARCHIVE_STORAGE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);
/** The retrieval tiers RestoreObject takes. */
export const THAW_TIERS = ['Expedited', 'Standard', 'Bulk'] as const;
export type ThawTier = (typeof THAW_TIERS)[number];

/** An object's archive state. */
export interface ArchiveState {
  key: string;
  storageClass: string;
  /** `frozen`: archived, no thaw asked; `thawing`: a thaw runs; `thawed`: a temporary copy is readable until `expiry`; `active`: not archived. */
  state: 'active' | 'frozen' | 'thawing' | 'thawed';
  /** When the thawed copy is deleted again (RFC 1123 as S3 gives it). */
  expiry?: string;
}

/** Reads `x-amz-restore`: `ongoing-request="true"`, or `ongoing-request="false", expiry-date="..."`. Pure. */
export function parseRestoreHeader(value: string | undefined): { ongoing: boolean; expiry?: string } | undefined {
  if (!value) return undefined;
  const ongoing = /ongoing-request="(true|false)"/.exec(value)?.[1];
  if (ongoing === undefined) throw new Error(`unexpected x-amz-restore header ${JSON.stringify(value)}`);
  const expiry = /expiry-date="([^"]+)"/.exec(value)?.[1];
  return { ongoing: ongoing === 'true', ...(expiry ? { expiry } : {}) };
}

/** The state, from HeadObject's StorageClass (absent means STANDARD) and Restore. Pure. */
export function archiveState(key: string, head: { StorageClass?: string; Restore?: string }): ArchiveState {
  const storageClass = head.StorageClass ?? 'STANDARD';
  if (!ARCHIVE_STORAGE_CLASSES.has(storageClass)) return { key, storageClass, state: 'active' };
  const restore = parseRestoreHeader(head.Restore);
  if (!restore) return { key, storageClass, state: 'frozen' };
  if (restore.ongoing) return { key, storageClass, state: 'thawing' };
  return { key, storageClass, state: 'thawed', ...(restore.expiry ? { expiry: restore.expiry } : {}) };
}

/**
 * How long a thaw takes, as AWS documents it (S3 User Guide, "Understanding archive retrieval
 * options"); undefined when the tier is not offered for the class (Deep Archive has no Expedited). Pure.
 */
export function thawDuration(storageClass: string, tier: ThawTier): string | undefined {
  if (storageClass === 'DEEP_ARCHIVE')
    return { Expedited: undefined, Standard: 'up to 12 hours', Bulk: 'up to 48 hours' }[tier];
  return { Expedited: '1-5 minutes (if capacity allows)', Standard: '3-5 hours', Bulk: '5-12 hours' }[tier];
}

/** HeadObject of `key`. */
export async function readArchiveState(s3: S3Client, bucket: string, key: string): Promise<ArchiveState> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return archiveState(key, { StorageClass: head.StorageClass, Restore: head.Restore });
}

/** Asks S3 to thaw `key` for `days` at `tier`. A thaw already running counts as asked (S3's 409). */
export async function requestThaw(
  s3: S3Client,
  bucket: string,
  key: string,
  options: { days: number; tier: ThawTier },
): Promise<'requested' | 'already-running'> {
  try {
    await s3.send(
      new RestoreObjectCommand({
        Bucket: bucket,
        Key: key,
        RestoreRequest: { Days: options.days, GlacierJobParameters: { Tier: options.tier } },
      }),
    );
    return 'requested';
  } catch (error) {
    if (error instanceof Error && error.name === 'RestoreAlreadyInProgress') return 'already-running';
    throw error;
  }
}

/** What the operator reads about archived objects that are not readable yet; empty when every one is. Pure. */
export function describeFrozen(bucket: string, states: readonly ArchiveState[]): string[] {
  return states
    .filter((state) => state.state === 'frozen' || state.state === 'thawing')
    .map((state) =>
      state.state === 'thawing'
        ? `s3://${bucket}/${state.key} is in ${state.storageClass}: its thaw is still running; run this restore again once it is done`
        : `s3://${bucket}/${state.key} is in ${state.storageClass} (archived): it cannot be downloaded until it is thawed; pass --thaw [--thaw-days <n>] [--thaw-tier Standard|Bulk${state.storageClass === 'GLACIER' ? '|Expedited' : ''}] to request that`,
    );
}

/**
 * Makes sure the archived objects among `keys` are readable: reads each one's state; with `thaw`,
 * requests the thaw of the frozen ones. Returns the lines to print and whether everything is readable
 * now (an archived object that is frozen or thawing is not).
 */
export async function prepareArchived(input: {
  s3: S3Client;
  bucket: string;
  keys: string[];
  thaw: { days: number; tier: ThawTier } | undefined;
}): Promise<{ readable: boolean; lines: string[]; errors: string[] }> {
  const states = await Promise.all(input.keys.map((key) => readArchiveState(input.s3, input.bucket, key)));
  const lines: string[] = [];
  for (const state of states.filter((entry) => entry.state === 'thawed')) {
    lines.push(
      `archive   s3://${input.bucket}/${state.key} is in ${state.storageClass}; its thawed copy is readable${state.expiry ? ` until ${state.expiry}` : ''}`,
    );
  }
  const frozen = states.filter((state) => state.state === 'frozen' || state.state === 'thawing');
  if (frozen.length === 0) return { readable: true, lines, errors: [] };
  if (!input.thaw) return { readable: false, lines, errors: describeFrozen(input.bucket, frozen) };
  const errors: string[] = [];
  for (const state of frozen) {
    const took = thawDuration(state.storageClass, input.thaw.tier);
    if (!took) {
      errors.push(
        `s3://${input.bucket}/${state.key} is in ${state.storageClass}, which has no ${input.thaw.tier} retrieval: use --thaw-tier Standard or Bulk`,
      );
      continue;
    }
    const outcome =
      state.state === 'thawing' ? 'already-running' : await requestThaw(input.s3, input.bucket, state.key, input.thaw);
    errors.push(
      outcome === 'requested'
        ? `thaw requested for s3://${input.bucket}/${state.key} (${state.storageClass}, ${input.thaw.tier} tier): ready in ${took}, then readable for ${input.thaw.days} day(s); run this restore again then`
        : `s3://${input.bucket}/${state.key} (${state.storageClass}): a thaw is already running; run this restore again once it is done (${input.thaw.tier} takes ${took})`,
    );
  }
  return { readable: false, lines, errors };
}
