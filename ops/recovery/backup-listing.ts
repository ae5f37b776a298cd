/**
 * What `backopper backups` lists: the app's database dumps (the S3 listing, so dumps older than run
 * records still show, with the sha256 from the `.sha256` companion or else the run record) and its media
 * archives (from the run records' transfer steps: `host:path` on the media server). The rows are
 * built by a pure function; {@link collectBackupListing} is the I/O shell.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { formatBytes } from '../../common/format';
import { settleConcurrently } from '../../control/concurrency';
import { recordedDumps, recordedMedia } from '../../control/recorded-backups';
import { describeUnreadable, readRunRecords, type RunRecords } from '../../control/run-records';
import { listStoredBackups, readStoredChecksum, type StoredBackup } from './stored-backups';

/** One row: a dump in S3 or a media archive on the media server. */
export interface BackupRow {
  kind: 'database' | 'media';
  /** ISO 8601, UTC. */
  time: string;
  timestamp: number;
  /** Bytes; undefined when the record does not say. */
  size: number | undefined;
  /** Hex, `missing` (no `.sha256` and no record) or `unreadable`. */
  sha256: string;
  /** `s3://bucket/key` or `host:path`. */
  where: string;
  /** Dumps: the S3 key (as `backopper backups` has always printed it). */
  key?: string;
  /** Dumps in an archive storage class (GLACIER, DEEP_ARCHIVE): restore must thaw them first. */
  storageClass?: string;
  /** Media: the server whose run made it. */
  host?: string;
}

/** Pure: the rows, dumps then media archives, each newest first. */
export function buildBackupRows(input: {
  bucket: string;
  stored: StoredBackup[];
  /** sha256 read from each stored dump's `.sha256`, in the order of `stored` (`missing`/`unreadable` otherwise). */
  checksums: string[];
  records: RunRecords['records'];
}): BackupRow[] {
  const fromRecords = new Map(recordedDumps(input.records).map((dump) => [dump.key, dump]));
  const time = (timestamp: number) => new Date(timestamp * 1000).toISOString();
  const dumps: BackupRow[] = input.stored.map((backup, index) => {
    const listed = input.checksums[index] ?? 'missing';
    const recorded = fromRecords.get(backup.key)?.sha256;
    return {
      kind: 'database',
      time: time(backup.timestamp),
      timestamp: backup.timestamp,
      size: backup.size,
      sha256: /^[0-9a-f]{64}$/.test(listed) ? listed : (recorded ?? listed),
      where: `s3://${input.bucket}/${backup.key}`,
      key: backup.key,
      ...(backup.storageClass ? { storageClass: backup.storageClass } : {}),
    };
  });
  const media: BackupRow[] = recordedMedia(input.records).map((archive) => ({
    kind: 'media',
    time: time(archive.timestamp),
    timestamp: archive.timestamp,
    size: archive.bytes,
    // A snapshot has no sha256: its manifest (file count) is what a restore checks.
    sha256: archive.sha256 ?? (archive.manifest ? `${archive.manifest.files} files` : 'missing'),
    where: archive.where,
    host: archive.host,
  }));
  return [...dumps, ...media];
}

/** Lists the dumps, reads their `.sha256` and the newest `runs` run records, builds the rows. */
export async function collectBackupListing(input: {
  s3: S3Client;
  bucket: string;
  app: string;
  environment: string;
  runs: number;
}): Promise<{ rows: BackupRow[]; warnings: string[]; records: RunRecords }> {
  const { s3, bucket } = input;
  const [stored, records] = await Promise.all([
    listStoredBackups(s3, bucket, input.app, input.environment),
    readRunRecords({ client: s3, bucket, app: input.app, environment: input.environment, limit: input.runs }),
  ]);
  const checksums = await settleConcurrently(stored, 8, (backup) =>
    backup.checksumKey ? readStoredChecksum(s3, bucket, backup.checksumKey) : Promise.resolve('missing'),
  );
  const rows = buildBackupRows({
    bucket,
    stored,
    checksums: checksums.map((result) => (result.status === 'fulfilled' ? result.value : 'unreadable')),
    records: records.records,
  });
  const warnings = records.unreadable.map((entry) => describeUnreadable(bucket, entry));
  return { rows, warnings, records };
}

/** Pure: the text of `backopper backups` (the dump table as it has always been, then the media archives). */
export function formatBackupListing(input: {
  app: string;
  environment: string;
  bucket: string;
  rows: BackupRow[];
  records: Pick<RunRecords, 'records' | 'total'>;
}): string[] {
  const { app, environment, bucket } = input;
  const dumps = input.rows.filter((row) => row.kind === 'database');
  const media = input.rows.filter((row) => row.kind === 'media');
  const when = (row: BackupRow) => row.time.slice(0, 19).replace('T', ' ').padEnd(20);
  const size = (row: BackupRow) => (row.size === undefined ? '?' : formatBytes(row.size)).padStart(10);
  const header = (last: string) =>
    `  ${'time (UTC)'.padEnd(20)} ${'size'.padStart(10)}  ${'sha256'.padEnd(12)}  ${last}`;
  const lines: string[] = [];
  if (dumps.length === 0) lines.push(`no backups of ${app} (${environment}) in s3://${bucket}`);
  else {
    lines.push(`backups of ${app} (${environment}) in s3://${bucket}, newest first:`, header('key'));
    for (const row of dumps)
      lines.push(
        `  ${when(row)} ${size(row)}  ${row.sha256.slice(0, 12).padEnd(12)}  ${row.key}${row.storageClass ? `  [${row.storageClass}: thaw before restoring]` : ''}`,
      );
  }
  const read = input.records.records.length;
  const scope =
    input.records.total > read ? `the newest ${read} of ${input.records.total} run records` : `${read} run record(s)`;
  if (media.length === 0) lines.push(`no media archives of ${app} (${environment}) in ${scope}`);
  else {
    lines.push(
      `media archives of ${app} (${environment}) on the media server, from ${scope}, newest first (older ones may have been pruned there):`,
      header('where'),
    );
    for (const row of media)
      lines.push(`  ${when(row)} ${size(row)}  ${row.sha256.slice(0, 12).padEnd(12)}  ${row.where}`);
  }
  return lines;
}
