import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { exec } from '../services/exec';
import { addRandomRows, createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { type PostgresCluster, seedLaravelSchema, startPostgresCluster } from '../services/postgres';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const PAGE = 4096;
const OLD = ['1600000001.sql.gz', '1600000002.sql.gz'];

/** A real small tmpfs as the backups disk (the tests run as root), holding two old backups of `app`. */
async function mountBackupsDisk(root: string, name: string, size: string, app: string): Promise<string> {
  const mount = join(root, name);
  mkdirSync(mount);
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', mount]);
  mkdirSync(join(mount, app), { mode: 0o700 });
  for (const old of OLD) writeFileSync(join(mount, app, old), `old backup ${old}\n`);
  return mount;
}

/** Fills the disk until only `pagesLeft` pages are free. */
function fill(mount: string, pagesLeft: number): void {
  const free = () => Number(statfsSync(mount).bavail) * Number(statfsSync(mount).bsize);
  writeFileSync(join(mount, 'filler'), Buffer.alloc(free() - pagesLeft * PAGE));
  expect(free()).toBe(pagesLeft * PAGE);
}

describe('the backups disk is full', () => {
  let s3: LocalS3;
  let sshd: LocalSshd;
  let ws: Workspace;
  let db: MysqlDatabase;
  const mounts: string[] = [];
  const app = 'fullsite';
  let env: Record<string, string>;

  beforeAll(async () => {
    [s3, sshd, ws, db] = await Promise.all([startStrictS3(), startSshd(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 50);
    writeWordpressApp(ws.appsDir, app, db);
    env = { ...ws.env, ...s3.env, ...sshd.env, BACKOPPER_BUCKET: s3.bucket };
  });
  // Each test backs the app up onto a fresh mount, so no local state says which second the last run took:
  // two runs in one second would share the media archive's name and the run record's key, which the
  // media server and S3 rightly refuse to replace. Each test starts in a second of its own.
  beforeEach(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
  });
  afterAll(async () => {
    for (const mount of mounts) await exec('umount', [mount]).catch(() => undefined);
    await Promise.all([s3?.stop(), sshd?.stop(), ws?.remove(), db?.drop()]);
  });

  /** What a full disk must leave: a loud database failure naming the file, old backups, media done. */
  async function expectLoudDatabaseFailure(run: AgentRun, mount: string) {
    const dir = join(mount, app);
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.report.status).toBe('failed');
    const { database, retention, upload, media, transfer } = run.report.steps;
    expect(database.status).toBe('failed');
    expect(database.error).toBe(
      `writing ${join(dir, `.${run.report.timestamp}.sql.gz.partial`)} failed: ENOSPC: no space left on device, write`,
    );
    expect(retention).toMatchObject({ status: 'skipped', reason: 'the database step failed' });
    expect(upload).toMatchObject({ status: 'skipped', reason: 'the database step failed' });
    expect(media.status, media.error).toBe('succeeded');
    expect(transfer.status, `${transfer.error}\n${run.stdout}`).toBe('succeeded');
    expect(readdirSync(join(sshd.remoteRoot, app, 'live'))).toContain(posix.basename(String(transfer.path)));
    expect(posix.basename(String(transfer.path))).toMatch(
      new RegExp(`^${app}\\+live\\+media_${run.report.timestamp}_[0-9a-f]{8}\\.tar\\.gz$`),
    );
    // The old backups are untouched, nothing partial or locked is left, no dump reached S3 (the run is on record).
    expect(
      readdirSync(dir)
        .filter((name) => name !== '.backopper-last-run' && name !== '.backopper-state.json')
        .sort(),
    ).toEqual(OLD);
    for (const old of OLD) expect(readFileSync(join(dir, old), 'utf8')).toBe(`old backup ${old}\n`);
    expect((await s3.listKeys(`${app}/`)).filter((key) => key.includes(String(run.report.timestamp)))).toEqual([
      run.report.runRecord.key,
    ]);
    expect(ws.leftovers()).toEqual([]);
  }

  it('full before the run starts: the database step fails naming the file, the media is still backed up', async () => {
    const mount = await mountBackupsDisk(ws.root, 'full-disk', '1m', app);
    mounts.push(mount);
    // One page left: the lock (a pid) fits, the run's record and the dump do not.
    fill(mount, 1);
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_BACKUPS_DIR: mount });
    await expectLoudDatabaseFailure(run, mount);
    expect(run.report.warnings).toEqual([
      `could not record the run timestamp in ${join(mount, app, '.backopper-last-run')}: ENOSPC: no space left on device, write`,
      `recording the backup in ${join(mount, app)} failed: ENOSPC: no space left on device, write`,
    ]);
  });

  it('full to the last page before the run starts: the lock goes to the temporary folder, said so, and the media is still backed up', async () => {
    const mount = await mountBackupsDisk(ws.root, 'no-room', '1m', app);
    mounts.push(mount);
    fill(mount, 0);
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_BACKUPS_DIR: mount });
    await expectLoudDatabaseFailure(run, mount);
    const spare = join(ws.tmpDir, '.backopper-locks', app);
    expect(run.report.warnings).toContain(
      `the backups disk is full (ENOSPC: no space left on device, write): this run's lock is in ${spare} instead of ${join(mount, app)}`,
    );
    expect(existsSync(spare)).toBe(false);
  });

  it('full, with the temporary folder on the same full disk: no lock anywhere, so the run stops loudly, naming both places', async () => {
    const mount = await mountBackupsDisk(ws.root, 'all-full', '1m', app);
    mounts.push(mount);
    const tmp = join(mount, 'tmp');
    mkdirSync(tmp, { mode: 0o700 });
    fill(mount, 0);
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...env,
      BACKOPPER_BACKUPS_DIR: mount,
      BACKOPPER_TMP_DIR: tmp,
    });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.report.error).toBe(
      `taking the lock failed in ${join(mount, app)} (ENOSPC: no space left on device, write) and in ${join(tmp, '.backopper-locks', app)} (ENOSPC: no space left on device, write)`,
    );
    expect(run.report.steps).toEqual({});
    expect(readdirSync(join(mount, app)).sort()).toEqual(OLD);
  });

  describe('one run per app, wherever the lock is', () => {
    let sleeper: ChildProcess;
    beforeAll(() => {
      sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
    });
    afterAll(() => {
      sleeper?.kill();
    });
    /** A lock naming a live process exactly (pid, start time, boot id): a run that is going on. */
    const liveLock = () => {
      const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
      const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      return `${JSON.stringify({ pid: sleeper.pid, startTime, bootId })}\n`;
    };

    it.each([
      ['full', 0],
      ['no longer full', 64],
    ])('a live run holding the lock in the temporary folder refuses a run on a disk that is %s', async (_, pages) => {
      const mount = await mountBackupsDisk(ws.root, `held-${pages}`, '1m', app);
      mounts.push(mount);
      fill(mount, pages);
      const spare = join(ws.tmpDir, '.backopper-locks', app);
      mkdirSync(spare, { recursive: true, mode: 0o700 });
      writeFileSync(join(spare, '.backopper.lock'), liveLock());
      try {
        const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_BACKUPS_DIR: mount });
        expect(run.exitCode, run.stdout).toBe(1);
        expect(run.report.error).toBe(
          `a backup of ${app} is already running (pid ${sleeper.pid}, lock ${join(spare, '.backopper.lock')})`,
        );
        expect(run.report.steps).toEqual({});
        expect(readdirSync(join(mount, app)).sort()).toEqual(OLD);
        expect(readFileSync(join(spare, '.backopper.lock'), 'utf8')).toBe(liveLock());
      } finally {
        rmSync(join(ws.tmpDir, '.backopper-locks'), { recursive: true, force: true });
      }
    });

    it('a live run holding the lock in the backup folder refuses a run that finds the disk full', async () => {
      const mount = await mountBackupsDisk(ws.root, 'held-here', '1m', app);
      mounts.push(mount);
      writeFileSync(join(mount, app, '.backopper.lock'), liveLock());
      fill(mount, 0);
      const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_BACKUPS_DIR: mount });
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.report.error).toBe(
        `a backup of ${app} is already running (pid ${sleeper.pid}, lock ${join(mount, app, '.backopper.lock')})`,
      );
      expect(run.report.steps).toEqual({});
      expect(readdirSync(join(mount, app)).sort()).toEqual(['.backopper.lock', ...OLD]);
    });
  });

  it('filling up during the dump: the partial file is removed, the previous backups are kept', async () => {
    const mount = await mountBackupsDisk(ws.root, 'filling-disk', '4m', app);
    mounts.push(mount);
    const big = await createMysqlDatabase();
    try {
      await seedWordpressSchema(big, 10);
      await addRandomRows(big, 6, 1024 * 1024); // a dump of about 7 MB on a 4 MB disk
      writeWordpressApp(ws.appsDir, 'bigsite', big);
      mkdirSync(join(mount, 'bigsite'), { mode: 0o700 });
      const run = await runAgent(backupArgs('bigsite', 'mysql', 'wordpress'), { ...env, BACKOPPER_BACKUPS_DIR: mount });
      expect(run.exitCode, run.stdout).toBe(1);
      const dir = join(mount, 'bigsite');
      expect(run.report.steps.database.error).toBe(
        `writing ${join(dir, `.${run.report.timestamp}.sql.gz.partial`)} failed: ENOSPC: no space left on device, write`,
      );
      expect(
        readdirSync(dir).filter((name) => name !== '.backopper-last-run' && name !== '.backopper-state.json'),
      ).toEqual([]);
      expect(run.report.steps.media.status).toBe('succeeded');
      expect(await s3.listKeys('bigsite/')).toEqual([run.report.runRecord.key]);
      // The first app's old backups on the same disk are untouched.
      expect(
        readdirSync(join(mount, app))
          .filter((name) => name.endsWith('.sql.gz'))
          .sort(),
      ).toEqual(OLD);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      await big.drop();
    }
  });
  it('filling up during a PostgreSQL dump (pg_dump writes the file itself): loud, the partial file is removed', async () => {
    const mount = await mountBackupsDisk(ws.root, 'filling-disk-pg', '4m', app);
    mounts.push(mount);
    let cluster: PostgresCluster | undefined;
    try {
      cluster = await startPostgresCluster();
      const pg = await cluster.createDatabase();
      await seedLaravelSchema(cluster, pg, 60000); // a tar of about 12 MB on a 4 MB disk
      writeLaravelApp(ws.appsDir, 'pgsite', pg);
      mkdirSync(join(mount, 'pgsite'), { mode: 0o700 });
      const run = await runAgent(backupArgs('pgsite', 'postgres', 'laravel'), { ...env, BACKOPPER_BACKUPS_DIR: mount });
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.report.steps.database.error).toMatch(/^pg_dump exited with status 1: .*No space left on device/);
      expect(
        readdirSync(join(mount, 'pgsite')).filter(
          (name) => name !== '.backopper-last-run' && name !== '.backopper-state.json',
        ),
      ).toEqual([]);
      expect(run.report.steps.media.status).toBe('succeeded');
      expect(await s3.listKeys('pgsite/')).toEqual([run.report.runRecord.key]);
      expect(
        readdirSync(join(mount, app))
          .filter((name) => name.endsWith('.sql.gz'))
          .sort(),
      ).toEqual(OLD);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      await cluster?.stop();
    }
  });
});
