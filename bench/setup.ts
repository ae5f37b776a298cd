import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AGENT_BUNDLE, agentEnv, backupArgs } from '../test/services/agent';
import { type LocalS3, startS3 } from '../test/services/s3';
import { type LocalSshd, startSshd } from '../test/services/sshd';
import { envValue } from '../test/services/sample-app';
import type { BenchDatabase } from './data/bench-database';
import type { Command } from './measure';

/** The cache of generated data and the scratch folders, under the gitignored `.bench/`. */
export const BENCH_ROOT = resolve(__dirname, '..', '.bench');

/** Folders of one benchmark size. */
export interface BenchPaths {
  root: string;
  appsDir: string;
  backupsDir: string;
  tmpDir: string;
  osTmp: string;
  /** Where the baselines write their files. */
  baselineDir: string;
}

export const WP_APP = 'bench-wp';
export const LARAVEL_APP = 'bench-laravel';

export function benchPaths(label: string): BenchPaths {
  const root = join(BENCH_ROOT, label);
  const paths = {
    root,
    appsDir: join(root, 'apps'),
    backupsDir: join(root, 'backups'),
    tmpDir: join(root, 'tmp'),
    osTmp: join(root, 'os-tmp'),
    baselineDir: join(root, 'baseline'),
  };
  for (const dir of Object.values(paths)) mkdirSync(dir, { recursive: true });
  return paths;
}

/** The media folder of the WordPress app (ServerPilot layout). */
export const mediaDirOf = (paths: BenchPaths) => join(paths.appsDir, WP_APP, 'public', 'wp-content', 'uploads');

/** Writes the apps' `.env` files (cheap; rewritten every run so a changed password never goes stale). */
export function writeAppEnvs(paths: BenchPaths, dbs: { mysql?: BenchDatabase; postgres?: BenchDatabase }): void {
  mkdirSync(join(paths.appsDir, WP_APP), { recursive: true });
  mkdirSync(join(paths.appsDir, LARAVEL_APP), { recursive: true });
  const my = dbs.mysql;
  const wp = my
    ? [
        `DB_NAME=${my.database}`,
        `DB_USER=${my.user}`,
        `DB_PASSWORD=${envValue(my.password)}`,
        `DB_HOST=${my.host}:${my.port}`,
      ]
    : [];
  writeFileSync(join(paths.appsDir, WP_APP, '.env'), [...wp, 'WP_ENV=production', ''].join('\n'));
  const pg = dbs.postgres;
  const laravel = pg
    ? [
        'DB_CONNECTION=pgsql',
        `DB_HOST=${pg.host}`,
        `DB_PORT=${pg.port}`,
        `DB_DATABASE=${pg.database}`,
        `DB_USERNAME=${pg.user}`,
        `DB_PASSWORD=${envValue(pg.password)}`,
      ]
    : [];
  writeFileSync(join(paths.appsDir, LARAVEL_APP, '.env'), ['APP_ENV=production', ...laravel, ''].join('\n'));
}

/** The local S3 emulator and sshd, started on demand and stopped together. */
export class Services {
  #s3?: Promise<LocalS3>;
  #sshd?: Promise<LocalSshd>;
  s3(): Promise<LocalS3> {
    return (this.#s3 ??= startS3('backopper-bench'));
  }
  sshd(): Promise<LocalSshd> {
    return (this.#sshd ??= startSshd());
  }
  async stop(): Promise<void> {
    await Promise.all([this.#s3?.then((s3) => s3.stop()), this.#sshd?.then((sshd) => sshd.stop())]);
  }
}

/** What one agent run is given besides the app and engine. */
export interface AgentRunOptions {
  app: string;
  engine: 'mysql' | 'postgres' | 'none';
  projectType: 'wordpress' | 'laravel';
  /** Environment of the S3 emulator and BACKOPPER_BUCKET; unset = no upload. */
  s3?: LocalS3;
  /** Environment of the sshd; unset = no media steps. */
  sshd?: LocalSshd;
  /** BACKOPPER_COMPRESS_THREADS. */
  threads: number;
  /** BACKOPPER_PRIORITY. @default normal: the timing rows compare with baselines that run at normal priority */
  priority?: 'low' | 'normal';
}

/** The agent bundle as a {@link Command}, with only the settings this run needs. */
export function agentCommand(paths: BenchPaths, options: AgentRunOptions): Command {
  const env: Record<string, string> = {
    BACKOPPER_APPS_DIR: paths.appsDir,
    BACKOPPER_BACKUPS_DIR: paths.backupsDir,
    BACKOPPER_TMP_DIR: paths.tmpDir,
    TMPDIR: paths.osTmp,
    BACKOPPER_COMPRESS_THREADS: String(options.threads),
    BACKOPPER_PRIORITY: options.priority ?? 'normal',
    ...(options.s3 ? { ...options.s3.env, BACKOPPER_BUCKET: options.s3.bucket } : {}),
    ...(options.sshd?.env ?? {}),
  };
  return {
    file: process.execPath,
    args: [AGENT_BUNDLE, ...backupArgs(options.app, options.engine, options.projectType, 'bench')],
    env: agentEnv(env),
  };
}

/** The agent's run report (its last stdout line); throws unless every enabled step succeeded. */
export function parseAgentReport(stdout: string): AgentReport {
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as AgentReport;
  if (report.status !== 'succeeded') throw new Error(`the agent run did not succeed: ${JSON.stringify(report)}`);
  return report;
}

/** The fields of the run report the benchmark reads. */
export interface AgentReport {
  status: string;
  steps: Partial<
    Record<
      'database' | 'upload' | 'media' | 'transfer',
      { status: string; durationMs: number; bytes?: number; path?: string; key?: string }
    >
  >;
}

/** Removes what a run left (dumps, archives, uploaded objects) so runs do not fill the disk. */
export async function clearOutputs(paths: BenchPaths): Promise<void> {
  await Promise.all([paths.backupsDir, paths.baselineDir].map((dir) => rm(dir, { recursive: true, force: true })));
  mkdirSync(paths.backupsDir, { recursive: true });
  mkdirSync(paths.baselineDir, { recursive: true });
}
