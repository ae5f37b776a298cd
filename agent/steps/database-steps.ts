import { hostname } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { dumpObjectKey, localDumpName } from '../../common/app-spec';
import type { BackupConfig } from '../config/config';
import { readDbConnection } from '../config/read-db-connection';
import { type DumpResult, dumpDatabase } from './dump-database';
import { messageOf } from '../errors';
import { pruneLocalBackups } from './retention';
import { type StepReport, skipped, timeStep } from '../run/report';
import { type ObjectTarget, type StreamedUpload, putChecksum, startStreamedUpload, uploadFile, verifyObjectSize } from './s3-upload';

export interface DatabaseStepsInput {
  config: BackupConfig;
  timestamp: number;
  backupDir: string;
  s3: () => S3Client;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** The S3 object a dump goes to. */
export function dumpTarget(config: BackupConfig, timestamp: number): ObjectTarget | undefined {
  if (!config.bucket || config.engine === 'none') return undefined;
  return {
    bucket: config.bucket,
    key: dumpObjectKey({ app: config.app, environment: config.environment, engine: config.engine, timestamp }),
    contentType: config.engine === 'mysql' ? 'application/gzip' : 'application/x-tar',
    metadata: { app: config.app, environment: config.environment, engine: config.engine, host: hostname(), timestamp: String(timestamp) },
  };
}

/**
 * The database, retention and upload steps. The upload streams while the dump runs and is completed
 * only after the dump is verified (aborted otherwise); if the streamed upload fails it is retried once
 * from the local file. Retention runs only after a successful dump.
 */
export async function runDatabaseSteps(input: DatabaseStepsInput): Promise<Record<'database' | 'retention' | 'upload', StepReport>> {
  const { config, timestamp, backupDir, log, signal } = input;
  if (config.engine === 'none') {
    const reason = 'engine is none (media only)';
    return { database: skipped(reason), retention: skipped(reason), upload: skipped(reason) };
  }
  const target = dumpTarget(config, timestamp);
  let streamed: StreamedUpload | undefined;
  let streamError: string | undefined;
  let dump: DumpResult | undefined;

  const database = await timeStep(async () => {
    const db = await readDbConnection(config);
    if (target) streamed = startStreamedUpload(input.s3(), target);
    try {
      dump = await dumpDatabase({ db, path: join(backupDir, localDumpName(db.engine, timestamp)), alsoWriteTo: streamed ? [streamed.body] : [], signal });
    } catch (error) {
      await streamed?.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    return { status: 'succeeded', path: dump.path, bytes: dump.bytes, sha256: dump.sha256 };
  });
  if (!dump) {
    const reason = 'the database step failed';
    return { database, retention: skipped(reason), upload: target ? skipped(reason) : skipped('BACKOPPER_BUCKET is not set') };
  }
  const done = dump;
  const retention = await timeStep(async () => ({ status: 'succeeded', deleted: await pruneLocalBackups(backupDir, config.keepLocal) }));

  if (!target) return { database, retention, upload: skipped('BACKOPPER_BUCKET is not set') };
  const upload = await timeStep(async () => {
    try {
      await streamed!.complete();
    } catch (error) {
      streamError = messageOf(error);
      log(`upload    streamed upload failed (${streamError}); retrying once from ${done.path}`);
      await uploadFile(input.s3(), target, done.path);
    }
    await verifyObjectSize(input.s3(), target.bucket, target.key, done.bytes);
    const checksumKey = await putChecksum(input.s3(), target, done.sha256);
    return {
      status: 'succeeded',
      bucket: target.bucket,
      key: target.key,
      checksumKey,
      bytes: done.bytes,
      sha256: done.sha256,
      ...(streamError ? { warning: `streamed upload failed, retried from the local file: ${streamError}` } : {}),
    };
  });
  if (upload.status === 'failed') Object.assign(upload, { bucket: target.bucket, key: target.key });
  return { database, retention, upload };
}
