import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupArgs, FIXTURE_BIN, runAgent, startAgent } from '../services/agent';
import { openSession, waitFor } from '../services/exec';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import {
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import { freePort } from '../services/ports';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

/** Old backups that a failed run must not delete. */
const OLD = ['1600000001.sql.gz', '1600000002.sql.gz', '1600000003.sql.gz', '1600000004.sql.gz', '1600000005.sql.gz'];
const OLD_DUMP = gzipSync('-- an old dump\n-- Dump completed on 2020-09-13 12:26:41\n');

describe('database failures: loud, exit 1, nothing kept under a final name, nothing deleted, media still backed up', () => {
  let s3: LocalS3;
  let sshd: LocalSshd;
  let ws: Workspace;
  let db: MysqlDatabase;
  const app = 'blog';
  let env: Record<string, string>;

  beforeAll(async () => {
    [s3, sshd, ws, db] = await Promise.all([startStrictS3(), startSshd(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 2000);
    writeWordpressApp(ws.appsDir, app, db);
    env = { ...ws.env, ...s3.env, ...sshd.env, BACKOPPER_BUCKET: s3.bucket };
    mkdirSync(join(ws.backupsDir, app), { recursive: true });
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), sshd?.stop(), ws?.remove(), db?.drop()]);
  });
  beforeEach(() => {
    const dir = join(ws.backupsDir, app);
    if (existsSync(dir))
      for (const name of ws.backupFiles(app))
        if (!OLD.includes(name)) throw new Error(`unexpected ${name} left by a previous test`);
    // Whole dumps (an older agent's, without records): catch-up checks them before it uploads them.
    for (const name of OLD) writeFileSync(join(ws.backupsDir, app, name), OLD_DUMP, { flag: 'w' });
  });

  /** What every failed database step must leave: the old files only, no S3 object, media done, tmp clean. */
  async function expectDatabaseFailureLeftNothing(run: Awaited<ReturnType<typeof runAgent>>, error: RegExp) {
    expect(run.exitCode).toBe(1);
    expect(run.report.status).toBe('failed');
    expect(run.report.steps.database.status).toBe('failed');
    expect(run.report.steps.database.error).toMatch(error);
    expect(run.report.steps.retention).toMatchObject({ status: 'skipped', reason: 'the database step failed' });
    expect(run.report.steps.upload).toMatchObject({ status: 'skipped' });
    expect(run.report.steps.media.status).toBe('succeeded');
    expect(run.report.steps.transfer.status).toBe('succeeded');
    expect(ws.backupFiles(app)).toEqual(OLD);
    // No dump in S3; the failed run is on record.
    expect((await s3.listKeys()).filter((key) => key.includes(String(run.report.timestamp)))).toEqual([
      run.report.runRecord.key,
    ]);
    expect(ws.leftovers()).toEqual([]);
    expect(run.stdout).toContain('[backopper] database  failed');
  }

  it('wrong password: Access denied, and the password is not in the error', async () => {
    const envFile = join(ws.appsDir, app, '.env');
    const original = readFileSync(envFile, 'utf8');
    writeFileSync(envFile, original.replace(/^DB_PASSWORD=.*$/m, 'DB_PASSWORD="not-the-password"'));
    try {
      const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), env);
      await expectDatabaseFailureLeftNothing(run, /Access denied for user/);
      expect(run.stdout).not.toContain('not-the-password');
    } finally {
      writeFileSync(envFile, original);
    }
  });

  it('database unreachable: the error names the connection failure', async () => {
    const port = await freePort();
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...env,
      BACKOPPER_APPS_DIR: appWithHost(ws, app, `127.0.0.1:${port}`),
    });
    await expectDatabaseFailureLeftNothing(run, /Can't connect/);
  });

  it('connection killed mid-dump: mysqldump fails, the partial file is removed', async () => {
    const lock = openSession('mysql', ['-uroot', db.database], 'LOCK TABLES wp_posts WRITE;\n');
    try {
      const agent = startAgent(backupArgs(app, 'mysql', 'wordpress'), env);
      // The dump has written wp_audit and now waits for wp_posts: kill its connection mid-dump.
      const id = await waitFor('the dump to block on wp_posts', async () =>
        (
          await mysqlRoot(
            `SELECT ID FROM information_schema.PROCESSLIST WHERE USER='${db.user}' AND STATE LIKE 'Waiting for table metadata lock'`,
          )
        ).trim(),
      );
      const partial = readdirSync(join(ws.backupsDir, app)).filter((name) => name.endsWith('.partial'));
      expect(partial).toHaveLength(1);
      await mysqlRoot(`KILL ${id}`);
      const run = await agent.finished;
      await expectDatabaseFailureLeftNothing(
        run,
        /mysqldump exited with status \d+: .*(Lost connection|server has gone away|Error 2013)/i,
      );
    } finally {
      await lock.close();
    }
  });

  it('a dump that exits 0 without "-- Dump completed" is truncated, even though its gzip is valid', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...env,
      PATH: `${FIXTURE_BIN}:${process.env.PATH}`,
      FAKE_DUMP_MODE: 'truncated',
    });
    await expectDatabaseFailureLeftNothing(run, /truncated: it does not end with "-- Dump completed"/);
  });

  it('a dump that fails after writing output fails the step though gzip succeeded', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...env,
      PATH: `${FIXTURE_BIN}:${process.env.PATH}`,
      FAKE_DUMP_MODE: 'exit2',
    });
    await expectDatabaseFailureLeftNothing(run, /mysqldump exited with status 2: mysqldump: Error 2013/);
  });

  it('missing .env: the error names the file', async () => {
    const appsDir = join(ws.root, 'apps-no-env');
    mkdirSync(appsDir, { recursive: true });
    cpSync(join(ws.appsDir, app, 'public'), join(appsDir, app, 'public'), { recursive: true });
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_APPS_DIR: appsDir });
    await expectDatabaseFailureLeftNothing(run, new RegExp(`${join(appsDir, app, '.env')} not found`));
  });

  it('a .env without the database name names the keys it looked for', async () => {
    const appsDir = appWithHost(ws, app, '127.0.0.1:3306', (text) => text.replace(/^DB_NAME=.*$/m, ''));
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_APPS_DIR: appsDir });
    await expectDatabaseFailureLeftNothing(run, /\.env: none of DB_DATABASE, DB_NAME is set/);
  });

  it('keeps the password out of every process argv while the dump runs; the option file is an unnamed 0600 file on fd 3', async () => {
    const lock = openSession('mysql', ['-uroot', db.database], 'LOCK TABLES wp_posts WRITE;\n');
    try {
      const agent = startAgent(backupArgs(app, 'mysql', 'wordpress'), env);
      const dumpPid = await waitFor(
        'mysqldump to run',
        async () => listProcesses().find(({ argv }) => argv[0] === 'mysqldump' && argv.includes(db.database))?.pid,
      );
      await waitFor('the dump to block', async () =>
        (
          await mysqlRoot(
            `SELECT ID FROM information_schema.PROCESSLIST WHERE USER='${db.user}' AND STATE LIKE 'Waiting for table metadata lock'`,
          )
        ).trim(),
      );
      const everyArgv = listProcesses().map(({ argv }) => argv);
      expect(everyArgv.length).toBeGreaterThan(3);
      expect(everyArgv.filter((argv) => argv.join(' ').includes(db.password))).toEqual([]);
      const dumpArgv = readFileSync(`/proc/${dumpPid}/cmdline`, 'utf8').split('\0');
      expect(dumpArgv[1]).toBe('--defaults-extra-file=/dev/fd/3');
      // An O_TMPFILE: a 0600 file that never had a name, so a SIGKILL cannot leave it behind.
      const optionFile = `/proc/${dumpPid}/fd/3`;
      expect(statSync(optionFile).mode & 0o777).toBe(0o600);
      expect(readlinkSync(optionFile)).toMatch(/\/#\d+ \(deleted\)$/);
      expect(readFileSync(optionFile, 'utf8')).toContain('password=');
      expect(ws.leftovers()).toEqual([]);
      await lock.close();
      const run = await agent.finished;
      expect(run.exitCode).toBe(0);
      expect(run.stdout).not.toContain(db.password);
      unlinkSync(run.report.steps.database.path);
    } finally {
      await lock.close();
    }
  });
});

describe('PostgreSQL failures', () => {
  let cluster: PostgresCluster;
  let ws: Workspace;
  let db: PostgresDatabase;
  const app = 'api';

  beforeAll(async () => {
    [cluster, ws] = await Promise.all([startPostgresCluster(), createWorkspace()]);
    db = await cluster.createDatabase();
    await seedLaravelSchema(cluster, db, 500);
    writeLaravelApp(ws.appsDir, app, db);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), ws?.remove()]);
  });

  it('connection killed mid-dump: pg_dump fails and no .tar is left', async () => {
    const lock = openSession(
      'psql',
      ['-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '-d', db.database],
      'BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE;\n',
    );
    try {
      const agent = startAgent(backupArgs(app, 'postgres', 'laravel'), ws.env);
      const pid = await waitFor('pg_dump to wait for its lock', async () =>
        (
          await cluster.psql(`SELECT pid FROM pg_stat_activity WHERE usename='${db.user}' AND wait_event_type='Lock'`)
        ).trim(),
      );
      await cluster.psql(`SELECT pg_terminate_backend(${pid})`);
      const run = await agent.finished;
      expect(run.exitCode).toBe(1);
      expect(run.report.steps.database.error).toMatch(/pg_dump exited with status 1: .*terminat/);
      expect(ws.backupFiles(app)).toEqual([]);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      await lock.close();
    }
  });

  it('a pg_dump that stops before the tar end-of-archive blocks is truncated', async () => {
    const run = await runAgent(backupArgs(app, 'postgres', 'laravel'), {
      ...ws.env,
      PATH: `${FIXTURE_BIN}:${process.env.PATH}`,
      FAKE_DUMP_MODE: 'truncated',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database.error).toMatch(/truncated: it does not end with the tar end-of-archive blocks/);
    expect(ws.backupFiles(app)).toEqual([]);
  });
});

/** A copy of the app whose .env points at another host (or is otherwise edited); returns its apps dir. */
function appWithHost(
  ws: Workspace,
  app: string,
  host: string,
  edit: (text: string) => string = (text) => text,
): string {
  const appsDir = join(ws.root, `apps-${Math.random().toString(36).slice(2, 7)}`);
  mkdirSync(appsDir);
  cpSync(join(ws.appsDir, app), join(appsDir, app), { recursive: true });
  const envFile = join(appsDir, app, '.env');
  writeFileSync(envFile, edit(readFileSync(envFile, 'utf8').replace(/^DB_HOST=.*$/m, `DB_HOST=${host}`)));
  return appsDir;
}

/** Every process's argv, read from /proc. */
function listProcesses(): { pid: string; argv: string[] }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        return { pid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) };
      } catch {
        return { pid, argv: [] }; // the process ended while we looked
      }
    })
    .filter((process) => process.argv.length > 0);
}
