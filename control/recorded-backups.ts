/**
 * What run records say about an app's backups, as data (pure): the media archives on the media server
 * (from each successful `transfer` step: `host:path`, bytes, sha256), the dumps in S3 (from `upload`),
 * the two newest archives for the freshness verdict, and why the newest run failed.
 */
import type { RecordedStep } from '../common/run-record';
import type { BackupObject, NewestBackups } from './backup-objects';
import type { StoredRunRecord } from './run-records';

/** One media archive, as the run that made it recorded it. */
export interface RecordedMedia {
  timestamp: number;
  /** The server that made it (the record's `host`). */
  host: string;
  /** `host:remotePath` on the media server. */
  where: string;
  bytes: number | undefined;
  sha256: string | undefined;
  /** A snapshot (media mode `snapshot`): its manifest, which stands in for a sha256. */
  manifest?: { files: number; bytes: number };
  /** The run record it comes from. */
  recordKey: string;
}

/** One dump in S3, as the run that uploaded it recorded it. */
export interface RecordedDump {
  timestamp: number;
  host: string;
  bucket: string | undefined;
  key: string;
  bytes: number | undefined;
  sha256: string | undefined;
  recordKey: string;
}

/** Why the newest run (that was not skipped) failed. */
export interface RunProblem {
  timestamp: number;
  host: string;
  /** The record's status: failed or invalid. */
  status: string;
  /** The first failed step, when one failed (an invalid run may fail before any step). */
  step: string | undefined;
  error: string;
  recordKey: string;
}

const succeeded = (step: RecordedStep | undefined): step is RecordedStep => step?.status === 'succeeded';
const ran = (entry: StoredRunRecord) => entry.record.status !== 'skipped';

/** Every recorded media archive, newest first (records as {@link readRunRecords} returns them, newest first). */
export function recordedMedia(records: readonly StoredRunRecord[]): RecordedMedia[] {
  return records.flatMap(({ key, record }) => {
    const transfer = record.steps.transfer;
    if (!succeeded(transfer) || !transfer.path) return [];
    return [
      {
        timestamp: record.timestamp,
        host: record.host,
        where: transfer.path,
        bytes: transfer.bytes,
        sha256: transfer.sha256 ?? record.steps.media?.sha256,
        ...(transfer.manifest ? { manifest: transfer.manifest } : {}),
        recordKey: key,
      },
    ];
  });
}

/** Every recorded dump upload, newest first. */
export function recordedDumps(records: readonly StoredRunRecord[]): RecordedDump[] {
  return records.flatMap(({ key, record }) => {
    const upload = record.steps.upload;
    if (!succeeded(upload) || !upload.key) return [];
    return [
      {
        timestamp: record.timestamp,
        host: record.host,
        bucket: upload.bucket,
        key: upload.key,
        bytes: upload.bytes ?? record.steps.database?.bytes,
        sha256: upload.sha256 ?? record.steps.database?.sha256,
        recordKey: key,
      },
    ];
  });
}

/** Whether the app backs up media at all: some run tried a transfer (succeeded or failed). */
export function mediaExpected(records: readonly StoredRunRecord[]): boolean {
  return records.some(({ record }) => ['succeeded', 'failed'].includes(record.steps.transfer?.status ?? ''));
}

/** The two newest recorded archives in the shape the freshness verdict takes (`key` is `host:path`). */
export function newestMedia(records: readonly StoredRunRecord[]): NewestBackups {
  const archives: BackupObject[] = recordedMedia(records).map((media) => ({
    key: media.where,
    timestamp: media.timestamp,
    size: media.bytes ?? 0,
  }));
  return { newest: archives[0], previous: archives[1], count: archives.length };
}

/** The newest run that ran (not skipped), when it failed: its first failed step and error. */
export function lastRunProblem(records: readonly StoredRunRecord[]): RunProblem | undefined {
  const newest = records.find(ran);
  if (!newest || newest.record.status === 'succeeded') return undefined;
  const { record } = newest;
  const failed = Object.entries(record.steps).find(([, step]) => step?.status === 'failed');
  const error = failed?.[1]?.error ?? record.error ?? `the run ${record.status} without an error message`;
  return {
    timestamp: record.timestamp,
    host: record.host,
    status: record.status,
    step: failed?.[0],
    error,
    recordKey: newest.key,
  };
}

/** Failed steps of the newest run, for a one-line reason: `transfer: ssh: connect ... refused`. */
export function describeProblem(problem: RunProblem): string {
  return `${problem.step ? `${problem.step}: ` : ''}${problem.error}`;
}
