import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEnv, backupArgs, runAgent } from '../services/agent';
import { waitFor } from '../services/exec';
import {
  createMysqlDatabase,
  fingerprintMysql,
  mysqlRoot,
  type MysqlDatabase,
  seedWordpressSchema,
} from '../services/mariadb';
import { OPS_CLI, runOpsCli } from '../services/ops-cli';
import {
  fingerprintPostgres,
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import { type LocalS3, startS3 } from '../services/s3';
import { type LoggingS3, startLoggingS3 } from '../services/s3-request-log';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('restores that cannot surprise', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let front: LoggingS3;
  let db: MysqlDatabase;
  let cluster: PostgresCluster;
  let pg: PostgresDatabase;
  let env: Record<string, string>;
  let wpKey: string;
  let laraKey: string;

  beforeAll(async () => {
    [ws, s3, db, cluster] = await Promise.all([
      createWorkspace(),
      startS3(),
      createMysqlDatabase(),
      startPostgresCluster(),
    ]);
    front = await startLoggingS3(s3);
    pg = await cluster.createDatabase();
    await Promise.all([seedWordpressSchema(db, 3000), seedLaravelSchema(cluster, pg, 200)]);
    writeWordpressApp(ws.appsDir, 'wp', db);
    writeLaravelApp(ws.appsDir, 'lara', pg);
    env = { ...ws.env, ...front.env, BACKOPPER_BUCKET: s3.bucket };
    const wp = await runAgent(backupArgs('wp', 'mysql', 'wordpress'), {
      ...ws.env,
      ...s3.env,
      BACKOPPER_BUCKET: s3.bucket,
    });
    const lara = await runAgent(backupArgs('lara', 'postgres', 'laravel'), {
      ...ws.env,
      ...s3.env,
      BACKOPPER_BUCKET: s3.bucket,
    });
    if (wp.exitCode !== 0 || lara.exitCode !== 0) throw new Error(`${wp.stdout}\n${lara.stdout}`);
    wpKey = wp.report.steps.upload.key;
    laraKey = lara.report.steps.upload.key;
  }, 180_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), front?.stop(), db?.drop(), cluster?.stop()]);
    await s3?.stop();
  });

  const output = (name: string) => {
    const dir = join(ws.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it.each([
    ['MariaDB', 'wp', () => `mysql://root@localhost/no_such_db_${process.pid}`, () => wpKey, /Unknown database/],
    [
      'PostgreSQL',
      'lara',
      () => `postgres://${pg.user}:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/no_such_db`,
      () => laraKey,
      /database "no_such_db" does not exist/,
    ],
  ])(
    'fails a restore into an unknown %s database before any byte of the dump is downloaded',
    async (_engine, app, url, key, reason) => {
      const dir = output(`unknown-${app}`);
      const before = front.gets(key()).length;
      const run = await runOpsCli(['restore', 'live', app, '--output', dir, '--database-url', url()], env);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/cannot restore into (mysql|postgres) database no_such_db/);
      expect(run.stderr).toMatch(reason);
      expect(run.stderr).toContain('nothing was downloaded');
      expect(front.gets(key()).length).toBe(before);
      expect(readdirSync(dir)).toEqual([]);
    },
  );

  it("names the table a MariaDB restore would drop before downloading, then leaves exactly the dump's tables", async () => {
    const target = `${db.database}_busy`;
    await mysqlRoot(
      `CREATE DATABASE \`${target}\`; CREATE TABLE \`${target}\`.wp_posts (ID int); INSERT INTO \`${target}\`.wp_posts VALUES (42); CREATE TABLE \`${target}\`.wp_newplugin (x int); INSERT INTO \`${target}\`.wp_newplugin VALUES (7);`,
    );
    try {
      const url = `mysql://root@localhost/${target}`;
      const before = front.gets(wpKey).length;
      const refused = await runOpsCli(
        ['restore', 'live', 'wp', '--output', output('busy'), '--database-url', url],
        env,
      );
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain(
        `has 2 table(s) (wp_newplugin, wp_posts). Restoring replaces them and DROPS 1 table(s) the dump does not have: wp_newplugin (--keep-tables keeps them). Not importing (nothing was downloaded): pass --yes to replace it.`,
      );
      expect(front.gets(wpKey).length).toBe(before);
      const forced = await runOpsCli(
        ['restore', 'live', 'wp', '--output', output('busy'), '--database-url', url, '--yes', '--json'],
        env,
      );
      expect(forced.exitCode).toBe(0);
      expect(JSON.parse(forced.stdout).import).toMatchObject({ droppedTables: ['wp_newplugin'], replacedTables: 1 });
      expect(forced.stderr).toMatch(/\(replaced 1 existing tables; dropped 1 not in the dump: wp_newplugin\)/);
      expect(await fingerprintMysql(target)).toEqual(await fingerprintMysql(db.database));
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS \`${target}\``);
    }
  });

  it('keeps the tables the dump does not have with --keep-tables, and says so in the summary', async () => {
    const target = `${db.database}_keep`;
    await mysqlRoot(`CREATE DATABASE \`${target}\`; CREATE TABLE \`${target}\`.wp_newplugin (x int);`);
    try {
      const run = await runOpsCli(
        [
          'restore',
          'live',
          'wp',
          '--output',
          output('keep'),
          '--database-url',
          `mysql://root@localhost/${target}`,
          '--yes',
          '--keep-tables',
        ],
        env,
      );
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toMatch(/KEPT 1 not in the dump \(--keep-tables\): wp_newplugin/);
      expect((await mysqlRoot(`SHOW TABLES LIKE 'wp_newplugin'`, target)).trim()).toBe('wp_newplugin');
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS \`${target}\``);
    }
  });

  it("leaves a non-empty PostgreSQL database holding exactly the dump's tables", async () => {
    const target = await cluster.createDatabase('busy');
    await cluster.psql(
      `SET ROLE ${target.user}; CREATE TABLE users (id int); INSERT INTO users VALUES (1); CREATE TABLE plugin_extra (x int);`,
      target.database,
    );
    const url = `postgres://${target.user}:${encodeURIComponent(target.password)}@127.0.0.1:${target.port}/${target.database}`;
    const run = await runOpsCli(
      ['restore', 'live', 'lara', '--output', output('pgbusy'), '--database-url', url, '--yes'],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('dropped 1 not in the dump: public.plugin_extra');
    expect(await fingerprintPostgres(cluster, target.database)).toEqual(
      await fingerprintPostgres(cluster, pg.database),
    );
  });

  it('reuses a downloaded file whose sha256 matches instead of downloading it again', async () => {
    const dir = output('reuse');
    const first = await runOpsCli(['restore', 'live', 'lara', '--output', dir], env);
    expect(first.exitCode).toBe(0);
    const before = front.gets(laraKey).length;
    const again = await runOpsCli(['restore', 'live', 'lara', '--output', dir, '--json'], env);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/already there with the stored sha256 [0-9a-f]{12}: reused, nothing downloaded/);
    expect(JSON.parse(again.stdout).download).toMatchObject({ reused: true, verified: true });
    expect(front.gets(laraKey).length).toBe(before);
  });

  it('removes the .part file on Ctrl-C and says so', async () => {
    const dir = output('interrupt');
    front.throttle(wpKey, 16 * 1024);
    const child = spawn(process.execPath, [OPS_CLI, 'restore', 'live', 'wp', '--output', dir], {
      env: agentEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const part = join(dir, `${wpKey.slice(wpKey.lastIndexOf('/') + 1)}.part`);
    await waitFor('the .part file', async () => existsSync(part), 60_000);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted after \d+ bytes of s3:\/\/\S+; removed the partial download .*\.part/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
