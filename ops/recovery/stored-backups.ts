import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { DUMP_OBJECT_PATTERN } from '../../common/app-spec';

/** A dump stored in S3, with its `.sha256` companion when there is one. */
export interface StoredBackup {
  key: string;
  timestamp: number;
  engine: 'mysql' | 'postgres';
  size: number;
  checksumKey?: string;
  /** S3's storage class from the listing, when not STANDARD (GLACIER, DEEP_ARCHIVE...: must be thawed first). */
  storageClass?: string;
}

/**
 * The dumps of one app in one environment, newest first: `<app>/<environment>/backup_<ts>.sql.gz|.tar`.
 * Pure: pairs each dump with its `.sha256` object from a listing.
 */
export function toStoredBackups(objects: { key: string; size: number; storageClass?: string }[]): StoredBackup[] {
  const keys = new Set(objects.map((object) => object.key));
  return objects
    .map((object) => ({ object, match: DUMP_OBJECT_PATTERN.exec(object.key) }))
    .filter((entry): entry is { object: { key: string; size: number; storageClass?: string }; match: RegExpExecArray } => entry.match !== null)
    .map(({ object, match }) => ({
      key: object.key,
      timestamp: Number(match[3]),
      engine: match[4] === 'tar' ? ('postgres' as const) : ('mysql' as const),
      size: object.size,
      ...(keys.has(`${object.key}.sha256`) ? { checksumKey: `${object.key}.sha256` } : {}),
      ...(object.storageClass && object.storageClass !== 'STANDARD' ? { storageClass: object.storageClass } : {}),
    }))
    .sort((a, b) => b.timestamp - a.timestamp);
}

/** Lists an app's dumps in `bucket` (all pages). */
export async function listStoredBackups(s3: S3Client, bucket: string, app: string, environment: string): Promise<StoredBackup[]> {
  const objects: { key: string; size: number; storageClass?: string }[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: `${app}/${environment}/backup_` })) {
    for (const item of page.Contents ?? []) if (item.Key) objects.push({ key: item.Key, size: item.Size ?? 0, storageClass: item.StorageClass });
  }
  return toStoredBackups(objects);
}

/** Reads the hex sha256 from a `sha256sum`-format companion object; throws if it holds none. */
export async function readStoredChecksum(s3: S3Client, bucket: string, checksumKey: string): Promise<string> {
  const result = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: checksumKey }));
  const text = (await result.Body?.transformToString()) ?? '';
  const hash = /^([0-9a-f]{64})\b/.exec(text.trim())?.[1];
  if (!hash) throw new Error(`s3://${bucket}/${checksumKey} holds no sha256`);
  return hash;
}

/**
 * Picks the backup to restore: the newest, or with `at` (unix seconds) the newest taken at or before
 * it. Throws naming what exists when nothing fits.
 */
export function chooseBackup(backups: StoredBackup[], at?: number): StoredBackup {
  if (backups.length === 0) throw new Error('there are no backups');
  const chosen = at === undefined ? backups[0] : backups.find((backup) => backup.timestamp <= at);
  if (!chosen) {
    const oldest = backups[backups.length - 1];
    throw new Error(`no backup at or before ${new Date(at! * 1000).toISOString()}; the oldest is ${new Date(oldest.timestamp * 1000).toISOString()}`);
  }
  return chosen;
}

/** `--at`: unix seconds, or an ISO 8601 date/time (a date alone means the end of that day, UTC). */
export function parseAt(text: string): number {
  if (/^\d{9,11}$/.test(text)) return Number(text);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59Z`) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`--at ${JSON.stringify(text)} is not unix seconds or an ISO 8601 date/time`);
  return Math.floor(date.getTime() / 1000);
}
