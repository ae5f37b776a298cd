import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases } from '../../agent/steps/compare-databases';
import { backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import {
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('compareDatabases', () => {
  it.each([
    ['identical', { a: 10, b: 0 }, { a: 10, b: 0 }, true, []],
    ['the live site grew since the dump', { a: 12 }, { a: 10 }, true, []],
    ['a table missing from the dump', { a: 10, b: 3 }, { a: 10 }, false, ['table b is missing from the dump']],
    ['a table restored empty', { a: 10 }, { a: 0 }, false, ['table a restored 0 rows, the live database has 10']],
    ['a table dropped live after the dump', { a: 10 }, { a: 10, old: 4 }, true, []],
  ])('%s', (_name, live, restored, ok, problems) => {
    const result = compareDatabases({ rows: live }, { rows: restored });
    expect(result.ok).toBe(ok);
    expect(result.problems).toEqual(problems);
  });
});

describe('backopper-agent verify', () => {
  let ws: Workspace;
  let db: MysqlDatabase;
  let cluster: PostgresCluster;
  let pg: PostgresDatabase;
  const scratchDatabases = async () =>
    (await mysqlRoot("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'bkverify%'")).trim();

  beforeAll(async () => {
    [ws, db, cluster] = await Promise.all([createWorkspace(), createMysqlDatabase(), startPostgresCluster()]);
    pg = await cluster.createDatabase();
    await Promise.all([seedWordpressSchema(db, 300), seedLaravelSchema(cluster, pg, 300)]);
    writeWordpressApp(ws.appsDir, 'wp', db);
    writeLaravelApp(ws.appsDir, 'lara', pg);
    for (const [app, engine, type] of [
      ['wp', 'mysql', 'wordpress'],
      ['lara', 'postgres', 'laravel'],
    ]) {
      const run = await runAgent(backupArgs(app, engine, type), ws.env);
      if (run.exitCode !== 0) throw new Error(run.stdout);
    }
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop(), cluster?.stop()]);
  });

  it('restores the newest MariaDB dump into a scratch database, finds it matches, and drops the scratch database', async () => {
    const run = await runAgent(['verify', '--app', 'wp', '--verify-admin-url', 'mysql://root@localhost/'], ws.env);
    expect(run.exitCode).toBe(0);
    expect(run.report).toMatchObject({
      app: 'wp',
      command: 'verify',
      status: 'succeeded',
      tables: 3,
      comparison: { ok: true, missing: [] },
    });
    expect(await scratchDatabases()).toBe('');
  });

  it('catches a broken dump (a table lost) and still drops the scratch database', async () => {
    const good = readFileSync(join(ws.backupsDir, 'wp', ws.backupFiles('wp')[0]));
    const sql = gunzipSync(good).toString('utf8');
    // Drop the whole wp_options section, as a dump that silently skipped a table would.
    const broken = sql.replace(
      /--\n-- Table structure for table `wp_options`[\s\S]*?(?=--\n-- Table structure for table `wp_posts`)/,
      '',
    );
    expect(broken.length).toBeLessThan(sql.length);
    writeFileSync(join(ws.backupsDir, 'wp', '1999999999.sql.gz'), gzipSync(broken));
    const run = await runAgent(['verify', '--app', 'wp', '--verify-admin-url', 'mysql://root@localhost/'], ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.status).toBe('failed');
    expect(run.report.dump).toBe(join(ws.backupsDir, 'wp', '1999999999.sql.gz'));
    expect(run.report.error).toBe('table wp_options is missing from the dump');
    expect(await scratchDatabases()).toBe('');
  });

  it('fails when the newest dump cannot be imported (a corrupt file), and drops the scratch database', async () => {
    const good = readFileSync(join(ws.backupsDir, 'wp', ws.backupFiles('wp')[0]));
    // Cut at a statement boundary, so only gunzip can notice: the SQL it yields is valid as far as it goes.
    const sql = gunzipSync(good).toString('utf8');
    const cut = gzipSync(sql.slice(0, sql.indexOf('\n', sql.length / 2) + 1)).subarray(0, -8);
    writeFileSync(join(ws.backupsDir, 'wp', '2000000000.sql.gz'), cut);
    const run = await runAgent(['verify', '--app', 'wp', '--verify-admin-url', 'mysql://root@localhost/'], ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.error).toMatch(/reading the input of mysql failed: unexpected end of file/);
    expect(await scratchDatabases()).toBe('');
  });

  it('says which setting to use when the app user may not create databases', async () => {
    const run = await runAgent(['verify', '--app', 'wp'], ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.error).toMatch(
      /cannot create the scratch database bkverify_wp_\d+ \(set BACKOPPER_VERIFY_ADMIN_URL to a user that may\): .*Access denied/,
    );
  });

  it('verifies a PostgreSQL tar dump with pg_restore', async () => {
    const adminUrl = `postgresql://postgres@localhost:${cluster.port}/?socket=${encodeURIComponent(cluster.socketDir)}`;
    const run = await runAgent(['verify', '--app', 'lara', '--verify-admin-url', adminUrl], ws.env);
    expect(run.stdout).toContain('verify    succeeded');
    expect(run.exitCode).toBe(0);
    expect(run.report).toMatchObject({ status: 'succeeded', tables: 2, comparison: { ok: true, differences: [] } });
    expect((await cluster.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'bkverify%'")).trim()).toBe('0');
  });

  it('fails when there is no local backup, naming the folder', async () => {
    const run = await runAgent(['verify', '--app', 'nothing-here'], ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.error).toBe(`no local backup of nothing-here in ${join(ws.backupsDir, 'nothing-here')}`);
  });
});
