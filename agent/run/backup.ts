import { mkdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupConfig } from '../config/config';
import { runDatabaseSteps } from '../steps/database-steps';
import { messageOf } from '../errors';
import { cleanLeftovers } from './clean-leftovers';
import { acquireAppLock } from './lock';
import { claimRunTimestamp } from './run-timestamp';
import { runMediaSteps } from '../steps/media-steps';
import { type RunReport, type StepName, formatStepLine, overallStatus, skipped } from './report';
import { createS3Client } from '../steps/s3-upload';

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
  const s3 = () => (client ??= createS3Client());
  const report: RunReport = {
    app: config.app,
    environment: config.environment,
    engine: config.engine,
    projectType: config.projectType,
    host: hostname(),
    timestamp: 0,
    status: 'failed',
    durationMs: 0,
    steps: {},
  };
  const record = (steps: Partial<RunReport['steps']>) => {
    for (const [name, step] of Object.entries(steps)) {
      if (!step) continue;
      report.steps[name as StepName] = step;
      deps.log(formatStepLine(name as StepName, step));
    }
  };

  const backupDir = join(config.backupsDir, config.app);
  let release: (() => Promise<void>) | undefined;
  try {
    if (config.skipAbsent && !(await isDirectory(join(config.appsDir, config.app)))) {
      report.status = 'skipped';
      report.error = `${join(config.appsDir, config.app)} does not exist on this server`;
      deps.log(`skipped   ${report.error} (--skip-absent)`);
      return report;
    }
    await mkdir(backupDir, { recursive: true, mode: 0o700 });
    const lock = await acquireAppLock(backupDir, config.app);
    release = lock.release;
    // What runs killed with SIGKILL left (no handler ran): said in the report, never silently.
    const cleaned = [...(lock.tookOver ? [lock.tookOver] : []), ...(await cleanLeftovers({ backupDir, tmpDir: config.tmpDir }))];
    for (const item of cleaned) deps.log(`cleaned   ${item}`);
    if (cleaned.length > 0) report.cleaned = cleaned;
    const timestamp = await claimRunTimestamp(backupDir, deps.now);
    report.timestamp = timestamp;
    deps.log(`backup of ${config.app} (${config.environment}, ${config.engine}, ${config.projectType}) at ${timestamp} on ${report.host}`);
    record(await runDatabaseSteps({ config, timestamp, backupDir, s3, log: deps.log, signal: deps.signal }));
    if (deps.signal.aborted) record({ media: skipped('interrupted'), transfer: skipped('interrupted') });
    else record(await runMediaSteps({ config, timestamp, backupDir, signal: deps.signal, log: deps.log }));
    report.status = overallStatus(report.steps);
    if (deps.signal.aborted) {
      report.status = 'failed';
      report.error = `interrupted: ${messageOf(deps.signal.reason)}`;
    }
  } catch (error) {
    report.status = 'failed';
    report.error = messageOf(error);
    deps.log(`error     ${report.error}`);
  } finally {
    await release?.();
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
