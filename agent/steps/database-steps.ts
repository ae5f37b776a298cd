import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { readdir, rename } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { dumpObjectKey, localDumpName } from '../../common/app-spec';
import { type RetentionTier, TIER_TAG } from '../../common/run-record';
import type { BackupConfig } from '../config/config';
import type { DbConnection } from '../config/db-credentials';
import { readDbConnection } from '../config/read-db-connection';
import { type DumpResult, dumpDatabase } from './dump-database';
import { messageOf } from '../errors';
import { planSchemaParts, probeSchemaVisibility, type SchemaPartsPlan } from './mysql-schema-parts';
import { dumpToolSupportsHistory, planDumpFeatures, probeSchemaFeatures } from './mysql-dump-features';
import { catchUpDumps } from './catch-up';
import { dumpsInS3, writeDumpRecord } from './dump-record';
import { describeClockSuspect, pruneLocalBackups } from './retention';
import { type StepReport, skipped, timeStep } from '../run/report';
import { untilAborted } from './s3-client';
import { type ObjectTarget, type StreamedUpload, startStreamedUpload } from './s3-upload';
import { type DumpPlacement, uploadDump } from './upload-dump';

export interface DatabaseStepsInput {
  config: BackupConfig;
  timestamp: number;
  /** Written into the S3 objects' metadata: which run stored them. */
  runId: string;
  /** This run's retention tier, tagged on its dump and `.sha256` (see retention-tier.ts). */
  tier: RetentionTier;
  backupDir: string;
  s3: () => S3Client;
  /** Claims this app's next free run timestamp after `after` (when another server's run took the key). */
  nextTimestamp: (after: number) => Promise<number>;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface DatabaseStepsResult {
  steps: Record<'database' | 'upload' | 'catchUp' | 'retention', StepReport>;
  /** The run's timestamp after the steps: later than the one given when the S3 key was taken. */
  timestamp: number;
}

/** The S3 object a dump goes to. */
export function dumpTarget(
  config: BackupConfig,
  timestamp: number,
  runId?: string,
  tier?: RetentionTier,
  engine = config.engine,
): ObjectTarget | undefined {
  if (!config.bucket || engine === 'none') return undefined;
  return {
    bucket: config.bucket,
    key: dumpObjectKey({ app: config.app, environment: config.environment, engine, timestamp }),
    contentType: engine === 'mysql' ? 'application/gzip' : 'application/x-tar',
    metadata: {
      app: config.app,
      environment: config.environment,
      engine,
      host: hostname(),
      timestamp: String(timestamp),
      ...(runId ? { 'run-id': runId } : {}),
    },
    ...(tier ? { tags: { [TIER_TAG]: tier } } : {}),
  };
}

/**
 * The database, upload, catch-up and retention steps. The upload streams while the dump runs and is
 * completed only after the dump is verified (aborted otherwise); if the streamed upload fails or stalls
 * it is retried from the local file. Once this run's dump is in S3, earlier dumps that never got there
 * are uploaded (oldest first). Retention runs only after a successful dump, last, and with a bucket
 * deletes only dumps recorded as in S3 (up to BACKOPPER_MAX_PENDING_UPLOADS others wait).
 */
export async function runDatabaseSteps(input: DatabaseStepsInput): Promise<DatabaseStepsResult> {
  const { config, backupDir, log, signal } = input;
  let { timestamp } = input;
  if (config.engine === 'none') {
    const reason = 'engine is none (media only)';
    return {
      steps: {
        database: skipped(reason),
        upload: skipped(reason),
        catchUp: skipped(reason),
        retention: skipped(reason),
      },
      timestamp,
    };
  }
  const target = dumpTarget(config, timestamp, input.runId, input.tier);
  let streamed: StreamedUpload | undefined;
  let dump: DumpResult | undefined;

  const database = await timeStep(async () => {
    const db = await readDbConnection(config);
    const parts = db.engine === 'mysql' ? await schemaParts(db, signal) : undefined;
    if (target) streamed = startStreamedUpload(input.s3(), target);
    try {
      dump = await dumpDatabase({
        db,
        path: join(backupDir, localDumpName(db.engine, timestamp)),
        alsoWriteTo: streamed ? [streamed.body] : [],
        stallTimeoutMs: config.uploadStallTimeout * 1000,
        mysql: {
          maxAllowedPacket: config.mysqlMaxAllowedPacket,
          skip: parts?.skip,
          addLocks: parts?.addLocks,
          dumpHistory: parts?.dumpHistory,
          unqualifySequenceDefaults: parts?.addLocks === false, // sequence defaults (or unknown): see the plan
        },
        gzip: { threads: config.compressThreads },
        signal,
      });
    } catch (error) {
      // Let S3 discard the parts; a silent S3 or a stop request must not hold the run here.
      await untilAborted(
        streamed?.abort(error instanceof Error ? error : new Error(String(error))) ?? Promise.resolve(),
        signal,
      ).catch(() => undefined);
      throw error;
    }
    const notIncluded = parts?.notIncluded.length
      ? { notIncluded: parts.notIncluded, warning: `not included: ${parts.notIncluded.join('; ')}` }
      : {};
    return {
      status: 'succeeded',
      path: dump.path,
      bytes: dump.bytes,
      sha256: dump.sha256,
      manifest: dump.manifest,
      ...notIncluded,
    };
  });
  if (!dump) {
    const reason = 'the database step failed';
    const noBucket = skipped('BACKOPPER_BUCKET is not set');
    return {
      steps: {
        database,
        upload: target ? skipped(reason) : noBucket,
        catchUp: target ? skipped(reason) : noBucket,
        retention: skipped(reason),
      },
      timestamp,
    };
  }
  const made = dump;
  const retain = () =>
    timeStep(async () => {
      const names = await readdir(backupDir);
      const plan = await pruneLocalBackups(backupDir, {
        keep: config.keepLocal,
        now: timestamp,
        inS3: config.bucket ? await dumpsInS3(backupDir, names, config.bucket) : undefined,
        maxPending: config.maxPendingUploads,
      });
      const suspect = plan.clockSuspect;
      const lost = suspect
        ? { warning: describeClockSuspect(join(backupDir, suspect.name), suspect.timestamp, timestamp) }
        : plan.droppedPending.length
          ? {
              warning: `deleted ${plan.droppedPending.join(', ')} although never uploaded to S3: more than BACKOPPER_MAX_PENDING_UPLOADS (${config.maxPendingUploads}) dumps were waiting for S3`,
            }
          : {};
      return {
        status: 'succeeded',
        deleted: plan.delete,
        ...(plan.keptPending.length ? { keptPending: plan.keptPending } : {}),
        ...lost,
      };
    });

  if (!target) {
    const noBucket = skipped('BACKOPPER_BUCKET is not set');
    return { steps: { database, upload: noBucket, catchUp: noBucket, retention: await retain() }, timestamp };
  }
  let placement: DumpPlacement = { dump, target };
  const moveToNextTimestamp = async (): Promise<DumpPlacement> => {
    const next = await input.nextTimestamp(timestamp);
    const path = join(backupDir, localDumpName(config.engine as 'mysql' | 'postgres', next));
    await rename(placement.dump.path, path).catch((error: unknown) => {
      throw new Error(`renaming ${placement.dump.path} to ${path} failed: ${messageOf(error)}`, { cause: error });
    });
    timestamp = next;
    database.path = path;
    // The dump keeps its run's tier at the new key (its .sha256 is tagged from the same target).
    placement = { dump: { ...placement.dump, path }, target: dumpTarget(config, next, input.runId, input.tier)! };
    return placement;
  };
  const upload = await timeStep(async () => {
    const stored = await uploadDump({ ...placement, client: input.s3, streamed, moveToNextTimestamp, log, signal });
    return {
      status: 'succeeded',
      bucket: stored.target.bucket,
      key: stored.target.key,
      checksumKey: stored.checksumKey,
      bytes: stored.dump.bytes,
      sha256: stored.dump.sha256,
      ...(stored.warnings.length ? { warning: stored.warnings.join('; ') } : {}),
    };
  });
  if (upload.status === 'failed') Object.assign(upload, { bucket: placement.target.bucket, key: placement.target.key });
  const dumpName = basename(placement.dump.path);
  // What retention and the next run's catch-up go by; a record that cannot be written only costs a re-check.
  await writeDumpRecord(backupDir, dumpName, {
    sha256: made.sha256,
    bytes: made.bytes,
    tier: input.tier,
    runId: input.runId,
    ...(upload.status === 'succeeded'
      ? { uploaded: { bucket: placement.target.bucket, key: placement.target.key } }
      : {}),
  }).catch((error: unknown) => {
    const warning = `writing ${dumpName}.json failed (${messageOf(error)}): the next run checks S3 for this dump again`;
    log(`warning   ${warning}`);
    upload.warnings = [...(upload.warnings ?? []), warning];
  });
  const catchUp =
    upload.status !== 'succeeded'
      ? skipped('the upload failed: S3 is tried again by the next run')
      : await timeStep(async () => {
          const outcome = await catchUpDumps({
            backupDir,
            bucket: placement.target.bucket,
            current: dumpName,
            targetOf: (name, at, tier) =>
              dumpTarget(config, at, input.runId, tier, name.endsWith('.tar') ? 'postgres' : 'mysql')!,
            client: input.s3,
            log,
            signal,
          });
          const facts = {
            caughtUp: outcome.caughtUp,
            ...(outcome.found.length ? { found: outcome.found } : {}),
            ...(outcome.repaired.length ? { repaired: outcome.repaired } : {}),
          };
          if (outcome.errors.length) return { status: 'failed', ...facts, error: outcome.errors.join('; ') };
          return { status: 'succeeded', ...facts };
        });
  return { steps: { database, upload, catchUp, retention: await retain() }, timestamp };
}

/**
 * What the dump may and must include: the parts the user may dump, and the flags the schema needs. A
 * probe that fails leaves the choice to mysqldump's own errors (the privileges), or takes the flags
 * that load anywhere and says the history of versioned tables could not be checked (the features).
 */
async function schemaParts(
  db: DbConnection,
  signal: AbortSignal,
): Promise<SchemaPartsPlan & { addLocks: boolean; dumpHistory: boolean }> {
  const tryProbe = <T>(probe: Promise<T>) =>
    probe.catch((error: unknown) => {
      if (signal.aborted) throw error;
      return error instanceof Error ? error : new Error(String(error));
    });
  // Independent reads: both at once, so the dump starts one client round trip sooner.
  const [visibility, features] = await Promise.all([
    tryProbe(probeSchemaVisibility(db, signal)),
    tryProbe(probeSchemaFeatures(db, signal)),
  ]);
  const parts = visibility instanceof Error ? { skip: [], notIncluded: [] } : planSchemaParts(visibility, db.database);
  if (features instanceof Error) {
    const why = `the schema could not be checked before the dump (${messageOf(features)})`;
    const flags = planDumpFeatures(undefined, { supportsDumpHistory: false });
    return {
      ...parts,
      ...flags,
      notIncluded: [...parts.notIncluded, `history of system-versioned tables, if any: ${why}`],
    };
  }
  const supportsDumpHistory = features.versionedTables.length > 0 && (await dumpToolSupportsHistory(signal));
  const flags = planDumpFeatures(features, { supportsDumpHistory });
  return { ...parts, ...flags, notIncluded: [...parts.notIncluded, ...flags.notIncluded] };
}
