/**
 * Run records as the agent writes them (common/run-record.ts): the whole JSON report under
 * `runRecordKey(...)`, put into a real S3 server (s3rver) or any S3 client (the archive fake).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type RecordedStep, runRecordKey, type RunRecord } from '../../common/run-record';

/** One run to record; `hoursAgo` before `now`. */
export interface SeedRun {
  app: string;
  environment?: string;
  hoursAgo: number;
  status?: RunRecord['status'];
  host?: string;
  hostId?: string;
  steps?: RunRecord['steps'];
  error?: string;
}

/** A succeeded transfer step of `bytes` to `host:<path>/media_<ts>_<hostId>.tar.gz`. */
export function transferStep(input: {
  timestamp: number;
  bytes: number;
  sha256?: string | null;
  hostId?: string;
  mediaHost?: string;
  app?: string;
  environment?: string;
}): RecordedStep {
  const name = `media_${input.timestamp}_${input.hostId ?? 'a1b2c3d4'}.tar.gz`;
  return {
    status: 'succeeded',
    path: `${input.mediaHost ?? 'media.example.net'}:/srv/media/${input.app ?? 'shop'}/${input.environment ?? 'live'}/${name}`,
    bytes: input.bytes,
    ...(input.sha256 === null ? {} : { sha256: input.sha256 ?? 'ab'.repeat(32) }),
  };
}

/** The record of `run` and its key. */
export function buildRunRecord(run: SeedRun, now: Date): { key: string; record: RunRecord } {
  const timestamp = Math.floor(now.getTime() / 1000 - run.hoursAgo * 3600);
  const environment = run.environment ?? 'live';
  const hostId = run.hostId ?? 'a1b2c3d4';
  const record: RunRecord = {
    app: run.app,
    environment,
    host: run.host ?? 'web1',
    timestamp,
    status: run.status ?? 'succeeded',
    steps: run.steps ?? {},
    ...(run.error ? { error: run.error } : {}),
  };
  return { key: runRecordKey({ app: run.app, environment, timestamp, hostId }), record };
}

/** Puts the records; returns their keys and records, in the order given. */
export async function seedRunRecords(input: {
  client: S3Client;
  bucket: string;
  now: Date;
  runs: SeedRun[];
}): Promise<{ key: string; record: RunRecord }[]> {
  const seeded = input.runs.map((run) => buildRunRecord(run, input.now));
  for (const { key, record } of seeded) {
    await input.client.send(
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: key,
        Body: JSON.stringify(record),
        ContentType: 'application/json',
      }),
    );
  }
  return seeded;
}
