import { GetObjectCommand, ListObjectsV2Command, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
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
    .filter(
      (entry): entry is { object: { key: string; size: number; storageClass?: string }; match: RegExpExecArray } =>
        entry.match !== null,
    )
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
export async function listStoredBackups(
  s3: S3Client,
  bucket: string,
  app: string,
  environment: string,
): Promise<StoredBackup[]> {
  const objects: { key: string; size: number; storageClass?: string }[] = [];
  try {
    for await (const page of paginateListObjectsV2(
      { client: s3 },
      { Bucket: bucket, Prefix: `${app}/${environment}/backup_` },
    )) {
      for (const item of page.Contents ?? [])
        if (item.Key) objects.push({ key: item.Key, size: item.Size ?? 0, storageClass: item.StorageClass });
    }
  } catch (error) {
    // S3 does not say which bucket is missing; the CLI's error line does (ops/commands/explain-error.ts).
    if (error instanceof Error && error.name === 'NoSuchBucket') Object.assign(error, { BucketName: bucket });
    throw error;
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
    throw new Error(
      `no backup at or before ${new Date(at! * 1000).toISOString()}; the oldest is ${new Date(oldest.timestamp * 1000).toISOString()}`,
    );
  }
  return chosen;
}

/**
 * `--at`, as unix seconds: unix seconds; what `backopper backups` prints (`2026-12-02 04:15:35`, UTC);
 * ISO 8601 (UTC unless it carries an offset or Z); a date alone (the end of that day, UTC); a relative
 * time (`90m`, `24h`, `7d`, `2w` ago); `yesterday` (the end of yesterday, UTC) or `now`. Pure.
 */
export function parseAt(text: string, now: Date = new Date()): number {
  const trimmed = text.trim();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (/^\d{9,11}$/.test(trimmed)) return Number(trimmed);
  const relative = /^(\d{1,5})\s*(m|min|h|d|w)$/i.exec(trimmed);
  if (relative) {
    const unit = { m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 }[
      relative[2]!.toLowerCase() as 'm' | 'min' | 'h' | 'd' | 'w'
    ];
    return nowSeconds - Number(relative[1]) * unit;
  }
  if (/^now$/i.test(trimmed)) return nowSeconds;
  if (/^yesterday$/i.test(trimmed))
    return Math.floor(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) / 1000) - 1;
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return checked(new Date(`${trimmed}T23:59:59Z`), text);
  const dateTime = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    trimmed,
  );
  if (!dateTime)
    throw new Error(
      `--at ${JSON.stringify(text)}: expected unix seconds, "2026-12-02 04:15:35" (UTC, as \`backopper backups\` prints), an ISO 8601 time, a date, 24h / 7d, or yesterday`,
    );
  const offset = (dateTime[3] ?? 'Z').toUpperCase().replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  return checked(new Date(`${dateTime[1]}T${dateTime[2]}${offset}`), text);
}

function checked(date: Date, text: string): number {
  // Date rolls 2025-02-30 over to March 2: a day that does not exist is refused, not moved.
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  const real =
    day &&
    new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]))).toISOString().slice(0, 10) ===
      day.slice(1).join('-');
  if (Number.isNaN(date.getTime()) || !real) throw new Error(`--at ${JSON.stringify(text)} is not a valid date/time`);
  return Math.floor(date.getTime() / 1000);
}

/**
 * The environments `app` has anything stored under (`<app>/<environment>/`): none tells an unknown app
 * (a typo) from one without backups in the environment asked for. One listing call (an app has a few
 * environments).
 */
export async function listAppEnvironments(s3: S3Client, bucket: string, app: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${app}/`, Delimiter: '/' }));
  return (listed.CommonPrefixes ?? [])
    .map((prefix) => (prefix.Prefix ?? '').slice(app.length + 1).replace(/\/$/, ''))
    .filter(Boolean);
}
