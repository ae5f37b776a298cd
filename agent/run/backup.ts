import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupConfig } from '../config/config';
import { runDatabaseSteps } from '../steps/database-steps';
import { messageOf } from '../errors';
import { cleanLeftovers } from './clean-leftovers';
import { removeDeadStaging, stagingParents } from './restore-staging';
import { mediaDirCandidates } from '../steps/archive-media';
import { acquireRunLock } from './run-lock';
import { applyPriority } from '../process/priority';
import { claimRunTimestamp } from './run-timestamp';
import { runMediaSteps } from '../steps/media-steps';
import { type RunReport, overallStatus, skipped } from './report';
import type { RetentionTier } from '../../common/run-record';
import { longerTier, retentionTier } from '../../common/retention-tier';
import { hostId } from '../process/process-identity';
import { readBackupState, recordSuccessfulBackup } from './backup-state';
import { writeRunRecord } from './write-run-record';
import { type BackupDeps, openRun, type RunContext } from './run-context';

export type { BackupDeps } from './run-context';

/**
 * One backup run of one app: database (dump, retention, upload), then media (archive, transfer) whether
 * or not the database steps succeeded, all under a per-app lock. Returns the run report; step failures
 * are in the report, not thrown.
 */
export async function runBackup(config: BackupConfig, deps: BackupDeps): Promise<RunReport> {
  const run = openRun(config, deps);
  try {
    await lowerPriority(run);
    if (await skipAbsentApp(run)) return run.report;
    await takeLock(run);
    await cleanUpAfterKilledRuns(run);
    await startTimestampAndTier(run);
    await backupDatabase(run);
    await backupMedia(run);
    await rememberSuccess(run);
    settleStatus(run);
  } catch (error) {
    failRun(run, error);
  } finally {
    await closeRun(run);
  }
  return run.report;
}

/** First: every thread and child started from here on inherits the lowered priority. */
async function lowerPriority(run: RunContext): Promise<void> {
  for (const warning of await applyPriority(run.config.priority)) run.warn(warning);
}

/** With --skip-absent, an app that has no folder on this server is `skipped`; true when it was. */
async function skipAbsentApp(run: RunContext): Promise<boolean> {
  const { config, report } = run;
  const appRoot = join(config.appsDir, config.app);
  if (!config.skipAbsent || (await isDirectory(appRoot))) return false;
  report.status = 'skipped';
  report.error = `${appRoot} does not exist on this server`;
  run.deps.log(`skipped   ${report.error} (--skip-absent)`);
  return true;
}

/**
 * Takes the per-app lock in the app's backup folder (created 0700), or in the temporary folder when the
 * backups disk is full (said in the report); throws when another run holds it.
 */
async function takeLock(run: RunContext): Promise<void> {
  const { backupDir, config } = run;
  await mkdir(backupDir, { recursive: true, mode: 0o700 });
  const lock = await acquireRunLock({ backupDir, spareDir: config.tmpDir ?? tmpdir(), app: config.app });
  run.release = lock.release;
  if (lock.warning) run.warn(lock.warning);
  if (lock.tookOver) noteCleaned(run, [lock.tookOver]);
}

/**
 * What runs killed with SIGKILL left (no handler ran): partial dumps, temporary folders, and the
 * staging folders of killed media restores beside the media folder; removed, and said in the report.
 */
async function cleanUpAfterKilledRuns(run: RunContext): Promise<void> {
  const { config } = run;
  noteCleaned(run, await cleanLeftovers({ backupDir: run.backupDir, tmpDir: config.tmpDir }));
  const media = mediaDirCandidates(join(config.appsDir, config.app), config.projectType, config.mediaDir);
  noteCleaned(run, await removeDeadStaging(await stagingParents(media)));
}

function noteCleaned(run: RunContext, cleaned: string[]): void {
  for (const item of cleaned) run.deps.log(`cleaned   ${item}`);
  if (cleaned.length > 0) run.report.cleaned = [...(run.report.cleaned ?? []), ...cleaned];
}

/** Claims this app's next free run timestamp (after `after`, when another server's run took the S3 key). */
async function claimTimestamp(run: RunContext, after?: number): Promise<number> {
  const { deps } = run;
  const { timestamp, warnings } = await claimRunTimestamp(run.backupDir, { now: deps.now, signal: deps.signal, after });
  for (const warning of warnings) run.warn(warning);
  return timestamp;
}

/** The run's timestamp, the app's state as found, and so the run's retention tier. */
async function startTimestampAndTier(run: RunContext): Promise<void> {
  const { config, report } = run;
  report.timestamp = await claimTimestamp(run);
  const read = await readBackupState(run.backupDir, report.timestamp);
  if (read.warning) run.warn(read.warning);
  run.state = read.state;
  report.tier = retentionTier(run.state.lastBackup, report.timestamp, config.timeZone);
  if (config.media) report.mediaTier = retentionTier(run.state.lastMedia, report.timestamp, config.timeZone);
  run.deps.log(
    `backup of ${config.app} (${config.environment}, ${config.engine}, ${config.projectType}) at ${report.timestamp} on ${report.host}, tier ${report.tier}`,
  );
}

/** Dump, catch-up, upload and local retention; the run moves to a later timestamp when another server took the S3 key. */
async function backupDatabase(run: RunContext): Promise<void> {
  const { report, deps } = run;
  const database = await runDatabaseSteps({
    config: run.config,
    timestamp: report.timestamp,
    runId: report.runId!,
    tier: report.tier!,
    backupDir: run.backupDir,
    s3: run.s3,
    nextTimestamp: (after) => claimTimestamp(run, after),
    log: deps.log,
    signal: deps.signal,
  });
  run.record(database.steps);
  report.timestamp = database.timestamp;
}

/** Archive, transfer and media retention, whether or not the database steps succeeded (not once interrupted). */
async function backupMedia(run: RunContext): Promise<void> {
  const { config, report, deps } = run;
  if (deps.signal.aborted) {
    const reason = skipped('interrupted');
    run.record({ media: reason, transfer: reason, mediaRetention: reason });
    return;
  }
  run.record(
    await runMediaSteps({
      config,
      timestamp: report.timestamp,
      backupDir: run.backupDir,
      signal: deps.signal,
      log: deps.log,
    }),
  ); // What killed runs left on the media server (partial snapshots, .part files) is said in the report too.
  if (report.steps.transfer?.cleaned) report.cleaned = [...(report.cleaned ?? []), ...report.steps.transfer.cleaned];
}

/** Records the backup this run made, whether or not it reached S3 (a dump that did not is caught up later). */
async function rememberSuccess(run: RunContext): Promise<void> {
  const { steps, timestamp } = run.report;
  const media = steps.transfer?.status === 'succeeded';
  const backup = run.config.engine === 'none' ? media : steps.database?.status === 'succeeded';
  if (!backup && !media) return;
  await recordSuccessfulBackup(run.backupDir, { timestamp, backup, media }, run.state).catch((error: unknown) =>
    run.warn(`recording the backup in ${run.backupDir} failed: ${messageOf(error)}`),
  );
}

/** The run's status from its steps; an interrupted run is failed whatever its steps say. */
function settleStatus(run: RunContext): void {
  const { report, deps } = run;
  report.status = overallStatus(report.steps);
  if (deps.signal.aborted) {
    report.status = 'failed';
    report.error = `interrupted: ${messageOf(deps.signal.reason)}`;
  }
}

/** A run that could not go on (the lock, the timestamp): failed, with why. */
function failRun(run: RunContext, error: unknown): void {
  const { report, deps } = run;
  report.status = 'failed';
  report.error = deps.signal.aborted ? `interrupted: ${messageOf(deps.signal.reason)}` : messageOf(error);
  deps.log(`error     ${report.error}`);
}

/** The run record, then the lock and the S3 client let go. */
async function closeRun(run: RunContext): Promise<void> {
  run.report.durationMs = Math.round(performance.now() - run.started);
  // Only a run that held the lock (and claimed its timestamp) is on record; one refused by the lock touched nothing.
  if (run.config.bucket && run.report.timestamp > 0) await storeRunRecord(run, run.config.bucket);
  await run.release?.();
  run.close();
}

/**
 * The run record, written for failures as for successes. Failing to write it fails the run: its
 * backup may be safe, but the tools that read the records (status, backups, freshness) would not
 * know, and a run that is not on record must not look green.
 */
async function storeRunRecord(run: RunContext, bucket: string): Promise<void> {
  const { report } = run;
  if (run.deps.signal.aborted) {
    report.runRecord = { bucket, error: 'not written: the run was interrupted' };
    return;
  }
  try {
    const key = await writeRunRecord({
      client: run.s3(),
      bucket,
      report,
      hostId: hostId(),
      tier: recordTier(report),
      signal: run.s3Signal,
    });
    report.runRecord = { bucket, key };
  } catch (error) {
    report.runRecord = { bucket, error: messageOf(error) };
    report.status = 'failed';
    report.error ??= `the run record was not written: ${messageOf(error)}`;
    run.warn(`the run record was not written: ${messageOf(error)}`);
  }
}

/** The run record lives as long as the dump it describes, and as the archive when the transfer succeeded. */
function recordTier(report: RunReport): RetentionTier {
  const tier = report.tier ?? 'daily';
  const archived = report.steps.transfer?.status === 'succeeded' && report.mediaTier;
  return archived ? longerTier(tier, archived) : tier;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
