import { randomUUID } from 'node:crypto';
import { agentIdentity } from './identity';
import { mkdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupConfig } from '../config/config';
import { runDatabaseSteps } from '../steps/database-steps';
import { messageOf } from '../errors';
import { cleanLeftovers } from './clean-leftovers';
import { acquireAppLock } from './lock';
import { applyPriority } from '../process/priority';
import { claimRunTimestamp } from './run-timestamp';
import { runMediaSteps } from '../steps/media-steps';
import { type RunReport, type StepName, formatStepLine, overallStatus, skipped } from './report';
import { createS3Client } from '../steps/s3-client';
import { retentionTier } from '../../common/retention-tier';
import { hostId } from '../process/process-identity';
import { type BackupState, readBackupState, recordSuccessfulBackup } from './backup-state';
import { writeRunRecord } from './write-run-record';

export interface BackupDeps {
  /** @default a client from the standard AWS SDK settings, created on first use */
  s3?: S3Client;
  /** @default Date.now */
  now?: () => number;
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * One backup run of one app: database (dump, retention, upload), then media (archive, transfer) whether
 * or not the database steps succeeded, all under a per-app lock. Returns the run report; step failures
 * are in the report, not thrown.
 */
export async function runBackup(config: BackupConfig, deps: BackupDeps): Promise<RunReport> {
  const started = performance.now();
  let client = deps.s3;
  // Stopped when the run is (SIGTERM) and when it ends: no S3 request outlives the run.
  const stopS3 = new AbortController();
  const stop = () => stopS3.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', stop, { once: true });
  const s3 = () =>
    (client ??= createS3Client(process.env, {
      idleSeconds: config.s3Timeout,
      connectSeconds: config.s3ConnectTimeout,
      signal: stopS3.signal,
    }));
  const report: RunReport = {
    app: config.app,
    environment: config.environment,
    engine: config.engine,
    projectType: config.projectType,
    host: hostname(),
    runId: randomUUID(),
    timestamp: 0,
    status: 'failed',
    durationMs: 0,
    steps: {},
    ...agentIdentity(),
  };
  const record = (steps: Partial<RunReport['steps']>) => {
    for (const [name, step] of Object.entries(steps)) {
      if (!step) continue;
      report.steps[name as StepName] = step;
      deps.log(formatStepLine(name as StepName, step));
    }
  };

  const backupDir = join(config.backupsDir, config.app);
  const warn = (warning: string) => {
    deps.log(`warning   ${warning}`);
    report.warnings = [...(report.warnings ?? []), warning];
  };
  let release: (() => Promise<void>) | undefined;
  let state: BackupState;
  try {
    // First: every thread and child started from here on inherits the lowered priority.
    const priorityWarnings = await applyPriority(config.priority);
    for (const warning of priorityWarnings) deps.log(`warning   ${warning}`);
    if (priorityWarnings.length) report.warnings = [...(report.warnings ?? []), ...priorityWarnings];
    if (config.skipAbsent && !(await isDirectory(join(config.appsDir, config.app)))) {
      report.status = 'skipped';
      report.error = `${join(config.appsDir, config.app)} does not exist on this server`;
      deps.log(`skipped   ${report.error} (--skip-absent)`);
      return report;
    }
    await mkdir(backupDir, { recursive: true, mode: 0o700 });
    const lock = await acquireAppLock(backupDir, config.app).catch((error: unknown) => {
      // A system error from writing the lock (ENOSPC) does not say where: say it.
      if (!(error as NodeJS.ErrnoException).code || messageOf(error).includes(backupDir)) throw error;
      throw new Error(`taking the lock in ${backupDir} failed: ${messageOf(error)}`, { cause: error });
    });
    release = lock.release;
    // What runs killed with SIGKILL left (no handler ran): said in the report, never silently.
    const cleaned = [
      ...(lock.tookOver ? [lock.tookOver] : []),
      ...(await cleanLeftovers({ backupDir, tmpDir: config.tmpDir })),
    ];
    for (const item of cleaned) deps.log(`cleaned   ${item}`);
    if (cleaned.length > 0) report.cleaned = cleaned;
    const claim = (after?: number) =>
      claimRunTimestamp(backupDir, { now: deps.now, signal: deps.signal, after }).then(({ timestamp, warnings }) => {
        for (const warning of warnings) deps.log(`warning   ${warning}`);
        if (warnings.length) report.warnings = [...(report.warnings ?? []), ...warnings];
        return timestamp;
      });
    report.timestamp = await claim();
    const read = await readBackupState(backupDir, report.timestamp);
    if (read.warning) warn(read.warning);
    state = read.state;
    report.tier = retentionTier(state.lastBackup, report.timestamp, config.timeZone);
    deps.log(
      `backup of ${config.app} (${config.environment}, ${config.engine}, ${config.projectType}) at ${report.timestamp} on ${report.host}, tier ${report.tier}`,
    );
    const database = await runDatabaseSteps({
      config,
      timestamp: report.timestamp,
      runId: report.runId!,
      tier: report.tier,
      backupDir,
      s3,
      nextTimestamp: claim,
      log: deps.log,
      signal: deps.signal,
    });
    record(database.steps);
    report.timestamp = database.timestamp; // later when another server's run had taken the S3 key
    if (deps.signal.aborted)
      record({
        media: skipped('interrupted'),
        transfer: skipped('interrupted'),
        mediaRetention: skipped('interrupted'),
      });
    else
      record(
        await runMediaSteps({ config, timestamp: report.timestamp, backupDir, signal: deps.signal, log: deps.log }),
      );
    // What killed runs left on the media server (partial snapshots, .part files) is said in the report too.
    if (report.steps.transfer?.cleaned) report.cleaned = [...(report.cleaned ?? []), ...report.steps.transfer.cleaned];
    // The backup this run made, whether or not it reached S3 (a dump that did not is caught up later).
    const made =
      config.engine === 'none'
        ? report.steps.transfer?.status === 'succeeded'
        : report.steps.database?.status === 'succeeded';
    if (made)
      await recordSuccessfulBackup(backupDir, report.timestamp, state).catch((error: unknown) =>
        warn(`recording the backup in ${backupDir} failed: ${messageOf(error)}`),
      );
    report.status = overallStatus(report.steps);
    if (deps.signal.aborted) {
      report.status = 'failed';
      report.error = `interrupted: ${messageOf(deps.signal.reason)}`;
    }
  } catch (error) {
    report.status = 'failed';
    report.error = deps.signal.aborted ? `interrupted: ${messageOf(deps.signal.reason)}` : messageOf(error);
    deps.log(`error     ${report.error}`);
  } finally {
    report.durationMs = Math.round(performance.now() - started);
    // Only a run that held the lock (and claimed its timestamp) is on record; one refused by the lock touched nothing.
    if (config.bucket && report.timestamp > 0) await storeRunRecord(config.bucket);
    await release?.();
    // Ends requests still hanging on a silent S3 (lib-storage's own) and closes their sockets.
    deps.signal.removeEventListener('abort', stop);
    stopS3.abort(new Error('the run ended'));
    if (!deps.s3) client?.destroy();
  }
  return report;

  /**
   * The run record, written for failures as for successes. Failing to write it fails the run: its
   * backup may be safe, but the tools that read the records (status, backups, freshness) would not
   * know, and a run that is not on record must not look green.
   */
  async function storeRunRecord(bucket: string): Promise<void> {
    if (deps.signal.aborted) {
      report.runRecord = { bucket, error: 'not written: the run was interrupted' };
      return;
    }
    try {
      const key = await writeRunRecord({
        client: s3(),
        bucket,
        report,
        hostId: hostId(),
        tier: report.tier ?? 'daily',
        signal: stopS3.signal,
      });
      report.runRecord = { bucket, key };
    } catch (error) {
      report.runRecord = { bucket, error: messageOf(error) };
      report.status = 'failed';
      report.error ??= `the run record was not written: ${messageOf(error)}`;
      warn(`the run record was not written: ${messageOf(error)}`);
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
