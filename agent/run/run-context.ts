import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupConfig } from '../config/config';
import { createS3Client } from '../steps/s3-client';
import { agentIdentity } from './identity';
import type { BackupState } from './backup-state';
import { type RunReport, type StepName, formatStepLine } from './report';

/** What a backup run is given: its clients and clock (defaults: the real ones), its log and stop signal. */
export interface BackupDeps {
  /** @default a client from the standard AWS SDK settings, created on first use */
  s3?: S3Client;
  /** @default Date.now */
  now?: () => number;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** One run in progress: its settings, its report as it grows, and what it holds (lock, S3 client). */
export interface RunContext {
  config: BackupConfig;
  deps: BackupDeps;
  report: RunReport;
  /** `<backups>/<app>`: local dumps, the lock, the run's state. */
  backupDir: string;
  /** When the run started, from `performance.now()`. */
  started: number;
  /** The app's backup state as the run found it (set once the timestamp is claimed). */
  state: BackupState;
  /** Releases the app lock (set once it is held). */
  release?: () => Promise<void>;
  /** The S3 client, created on first use; its requests end with the run. */
  s3(): S3Client;
  /** Aborted when the run is (SIGTERM) and when it ends. */
  s3Signal: AbortSignal;
  /** Logs a warning and lists it in the report. */
  warn(warning: string): void;
  /** Puts steps into the report, one log line each. */
  record(steps: Partial<RunReport['steps']>): void;
  /** Ends S3 requests still hanging and closes the client this run created. */
  close(): void;
}

/** Starts a run's context: an empty failed report (a run is failed until it proves otherwise). */
export function openRun(config: BackupConfig, deps: BackupDeps): RunContext {
  let client = deps.s3;
  // Stopped when the run is (SIGTERM) and when it ends: no S3 request outlives the run.
  const stopS3 = new AbortController();
  const stop = () => stopS3.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', stop, { once: true });
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
  return {
    config,
    deps,
    report,
    backupDir: join(config.backupsDir, config.app),
    started: performance.now(),
    state: {},
    s3: () =>
      (client ??= createS3Client(process.env, {
        idleSeconds: config.s3Timeout,
        connectSeconds: config.s3ConnectTimeout,
        signal: stopS3.signal,
      })),
    s3Signal: stopS3.signal,
    warn(warning) {
      deps.log(`warning   ${warning}`);
      report.warnings = [...(report.warnings ?? []), warning];
    },
    record(steps) {
      for (const [name, step] of Object.entries(steps)) {
        if (!step) continue;
        report.steps[name as StepName] = step;
        deps.log(formatStepLine(name as StepName, step));
      }
    },
    close() {
      deps.signal.removeEventListener('abort', stop);
      stopS3.abort(new Error('the run ended'));
      if (!deps.s3) client?.destroy();
    },
  };
}
