/**
 * `backup --dry-run` against real servers: it connects as the app's user and fails (exit 1) where the
 * real run would fail, with the database's own message and no secret; it passes where the run passes;
 * it writes nothing either way.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import {
  createMysqlDatabase,
  createRestrictedUser,
  mysqlRoot,
  type MysqlDatabase,
  seedWordpressSchema,
} from '../services/mariadb';
import {
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('backup --dry-run on MariaDB', () => {
  let ws: Workspace;
  let db: MysqlDatabase;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    [ws, db] = await Promise.all([createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop(), ...cleanups.map((cleanup) => cleanup())]);
  });

  const dryRun = (app: string, ...extra: string[]) =>
    runAgent([...backupArgs(app, 'mysql', 'wordpress'), '--dry-run', ...extra], ws.env);
  const nothingWritten = () => {
    expect(readdirSync(ws.backupsDir)).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  };

  it('prints the plan as text, says what the user may read, and exits 0 with the right password', async () => {
    writeWordpressApp(ws.appsDir, 'good', db);
    const run = await dryRun('good');
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^dry run of good \(live\): nothing is written\n/);
    expect(run.stdout).toMatch(
      /^database {2}command: mysqldump --defaults-extra-file=\/dev\/fd\/3 --single-transaction/m,
    );
    expect(run.stdout).toMatch(/^ {10}access: '.+'@'.+' may read all \d+ table\(s\) and 1 view\(s\)$/m);
    expect(run.stdout).toContain('password="***"');
    expect(run.stdout).not.toContain(db.password);
    expect(run.stdout).not.toContain('\\n');
    expect(run.stdout.trim().split('\n').at(-1)).toBe('ok: the backup would run');
    nothingWritten();
  });

  it('prints the same plan as one JSON document with --json', async () => {
    const run = await dryRun('good', '--json');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.report).toMatchObject({ status: 'dry-run', plan: { database: { access: { views: 1 } } } });
    const tables = await mysqlRoot(
      `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db.database}' AND TABLE_TYPE = 'BASE TABLE'`,
    );
    expect(run.report.plan.database.access.tables).toBe(Number(tables));
    nothingWritten();
  });

  it('fails with exit 1 and the database message on a wrong password, without showing the password', async () => {
    const wrong = { ...db, password: `wrong-${db.password}` };
    writeWordpressApp(ws.appsDir, 'badpass', wrong);
    const run = await dryRun('badpass');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /^FAILED: the backup would fail: database: connecting as u_\w+ to bk_\w+: .*Access denied for user/m,
    );
    expect(run.stdout).not.toContain(wrong.password);
    expect(run.stdout).not.toContain(db.password);
    nothingWritten();
    const json = await dryRun('badpass', '--json');
    expect(json.exitCode).toBe(1);
    expect(json.report).toMatchObject({
      status: 'failed',
      plan: { database: { error: expect.stringMatching(/ERROR 1045/) } },
    });
  });

  it('fails where the real run fails: a user that may not SELECT the tables', async () => {
    const restricted = await createRestrictedUser(db, ['INSERT', 'UPDATE']);
    cleanups.push(restricted.drop);
    writeWordpressApp(ws.appsDir, 'noselect', { ...db, user: restricted.user, password: restricted.password });
    const run = await dryRun('noselect', '--json');
    expect(run.exitCode).toBe(1);
    expect(run.report.plan.database.error).toMatch(/SELECT command denied to user/);
    expect(JSON.stringify(run.report)).not.toContain(restricted.password);
    nothingWritten();

    const real = await runAgent(backupArgs('noselect', 'mysql', 'wordpress'), ws.env);
    expect(real.exitCode).toBe(1);
    expect(real.report.steps.database.status).toBe('failed');
    await rm(join(ws.backupsDir, 'noselect'), { recursive: true, force: true });
  });

  it.each([
    ['the WordPress-hardening grants', 0, ['SELECT', 'LOCK TABLES', 'SHOW VIEW']],
    ['SELECT without SHOW VIEW', 1, ['SELECT']],
    ['SELECT and SHOW VIEW through a default role', 0, ['USAGE'], ['SELECT', 'SHOW VIEW']],
    ['INSERT only', 1, ['INSERT']],
  ])(
    'agrees with the real run for a user with %s (exit %i)',
    async (_title, exit, privileges, rolePrivileges?: string[]) => {
      const role = rolePrivileges && { name: `role_${db.user}`, privileges: rolePrivileges };
      const restricted = await createRestrictedUser(db, privileges, role);
      cleanups.push(restricted.drop);
      const app = `grants-${privileges.length}-${rolePrivileges?.length ?? 0}`;
      writeWordpressApp(ws.appsDir, app, { ...db, user: restricted.user, password: restricted.password });
      const dry = await dryRun(app, '--json');
      nothingWritten();
      const real = await runAgent(backupArgs(app, 'mysql', 'wordpress'), ws.env);
      const why = JSON.stringify({ dry: dry.report.error, real: real.report.steps?.database?.error });
      expect([dry.exitCode, real.exitCode], why).toEqual([exit, exit]);
      await rm(join(ws.backupsDir, app), { recursive: true, force: true });
    },
  );

  it('fails when the server lacks mysqldump, even though the mysql client connects', async () => {
    const bin = join(ws.root, 'bin-without-mysqldump');
    mkdirSync(bin);
    symlinkSync(execFileSync('sh', ['-c', 'command -v mysql'], { encoding: 'utf8' }).trim(), join(bin, 'mysql'));
    writeWordpressApp(ws.appsDir, 'nodump', db);
    const run = await runAgent([...backupArgs('nodump', 'mysql', 'wordpress'), '--dry-run', '--json'], {
      ...ws.env,
      PATH: bin,
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.plan.database.error).toMatch(/mysqldump cannot be run: .*ENOENT/);
  });

  it('skips an absent app with --skip-absent as the run does, and fails without it', async () => {
    const skipped = await dryRun('elsewhere', '--skip-absent', '--json');
    expect(skipped.exitCode).toBe(0);
    expect(skipped.report.plan).toEqual({
      app: { skip: expect.stringMatching(/elsewhere does not exist on this server/) },
    });
    const failed = await dryRun('elsewhere', '--json');
    expect(failed.exitCode).toBe(1);
    expect(failed.report.error).toMatch(/^database: .*elsewhere/);
  });

  it('fails when the backup folder cannot be made', async () => {
    writeFileSync(join(ws.root, 'not-a-folder'), '');
    writeWordpressApp(ws.appsDir, 'nofolder', db);
    const run = await runAgent([...backupArgs('nofolder', 'mysql', 'wordpress'), '--dry-run', '--json'], {
      ...ws.env,
      BACKOPPER_BACKUPS_DIR: join(ws.root, 'not-a-folder', 'backups'),
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.plan.folder.error).toMatch(/the backup folder cannot be made: .*not-a-folder is not a folder/);
  });

  it('fails with the .env problem when the app has no database settings, as the run would', async () => {
    writeWordpressApp(ws.appsDir, 'noenv', db);
    writeFileSync(join(ws.appsDir, 'noenv', '.env'), 'WP_ENV=production\n');
    const run = await dryRun('noenv', '--json');
    expect(run.exitCode).toBe(1);
    expect(run.report.error).toMatch(/^database: .*none of DB_DATABASE, DB_NAME is set/);
  });
});

describe('backup --dry-run on PostgreSQL', () => {
  let ws: Workspace;
  let cluster: PostgresCluster;
  let db: PostgresDatabase;

  beforeAll(async () => {
    [ws, cluster] = await Promise.all([createWorkspace(), startPostgresCluster()]);
    db = await cluster.createDatabase();
    await seedLaravelSchema(cluster, db, 10);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), cluster?.stop()]);
  });

  const dryRun = (app: string) => runAgent([...backupArgs(app, 'postgres', 'laravel'), '--dry-run', '--json'], ws.env);

  it('passes with the right password and counts what pg_dump reads', async () => {
    writeLaravelApp(ws.appsDir, 'shop', db);
    const run = await dryRun('shop');
    expect(run.exitCode).toBe(0);
    expect(run.report.plan.database.access).toEqual({ account: db.user, tables: 2, views: 1, notIncluded: [] });
  });

  it('fails with exit 1 and the server message on a wrong password', async () => {
    writeLaravelApp(ws.appsDir, 'badpass', { ...db, password: 'not-the-password' });
    const run = await dryRun('badpass');
    expect(run.exitCode).toBe(1);
    expect(run.report.plan.database.error).toMatch(/password authentication failed for user "u_\w+"/);
    expect(run.stdout).not.toContain('not-the-password');
  });

  it('fails naming the tables a user may not read', async () => {
    const reader = `r_${db.user}`;
    await cluster.psql(
      `CREATE ROLE ${reader} LOGIN PASSWORD 'reader-pw'; GRANT CONNECT ON DATABASE ${db.database} TO ${reader}`,
    );
    await cluster.psql(`SET ROLE ${db.user}; GRANT SELECT ON users TO ${reader}`, db.database);
    writeLaravelApp(ws.appsDir, 'partial', { ...db, user: reader, password: 'reader-pw' });
    const run = await dryRun('partial');
    expect(run.exitCode).toBe(1);
    expect(run.report.plan.database.error).toMatch(/may not read \d+ object\(s\) .*public\.audit_log/);
    expect(run.report.plan.database.error).not.toMatch(/public\.users[,) ]/);
  });
});
