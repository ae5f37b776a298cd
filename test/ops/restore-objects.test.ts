/**
 * Red team (issue 22): a restore into a database that holds views, routines and events the dump does not
 * have. "After a restore the database holds exactly what the dump held": those must not survive (a
 * surviving event keeps running against the restored data, a surviving view reads a dropped table).
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { runOpsCli } from '../services/ops-cli';
import {
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import { type LocalS3, startS3 } from '../services/s3';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('a restore leaves none of the objects the dump does not have', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let db: MysqlDatabase;
  let cluster: PostgresCluster;
  let pg: PostgresDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    [ws, s3, db, cluster] = await Promise.all([
      createWorkspace(),
      startS3(),
      createMysqlDatabase(),
      startPostgresCluster(),
    ]);
    pg = await cluster.createDatabase();
    await Promise.all([seedWordpressSchema(db, 50), seedLaravelSchema(cluster, pg, 20)]);
    writeWordpressApp(ws.appsDir, 'wp', db);
    writeLaravelApp(ws.appsDir, 'lara', pg);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket };
    for (const [app, engine, kind] of [
      ['wp', 'mysql', 'wordpress'],
      ['lara', 'postgres', 'laravel'],
    ] as const) {
      const run = await runAgent(backupArgs(app, engine, kind), env);
      if (run.exitCode !== 0) throw new Error(run.stdout);
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop(), cluster?.stop()]);
    await s3?.stop();
  });

  const output = (name: string) => {
    const dir = join(ws.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('MariaDB: a view, a procedure and an event the dump does not have are gone after the restore', async () => {
    const target = `${db.database}_objs`;
    await mysqlRoot(
      `CREATE DATABASE \`${target}\`; USE \`${target}\`;
       CREATE TABLE wp_newplugin (x int); INSERT INTO wp_newplugin VALUES (7);
       CREATE VIEW wp_plugin_stats AS SELECT COUNT(*) AS n FROM wp_newplugin;
       CREATE PROCEDURE wp_plugin_tidy() DELETE FROM wp_posts;
       CREATE EVENT wp_plugin_purge ON SCHEDULE EVERY 1 DAY STARTS NOW() + INTERVAL 1 DAY DO DELETE FROM wp_posts;`,
    );
    try {
      const run = await runOpsCli(
        [
          'restore',
          'live',
          'wp',
          '--output',
          output('objs'),
          '--database-url',
          `mysql://root@localhost/${target}`,
          '--yes',
        ],
        env,
      );
      expect(run.exitCode, run.stderr).toBe(0);
      const objects = async (schema: string) =>
        (
          await mysqlRoot(
            `SELECT CONCAT('view ', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '${schema}'
             UNION ALL SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '${schema}'
             UNION ALL SELECT CONCAT('event ', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '${schema}'
             ORDER BY 1`,
          )
        )
          .trim()
          .split('\n');
      // Exactly the dump's (the sample WordPress has views, routines and an event of its own).
      expect(await objects(target)).toEqual(await objects(db.database));
      expect(await objects(target)).not.toContain('event wp_plugin_purge');
      expect(run.stdout).toContain('dropped 3 view(s), routine(s) or event(s) not in the dump: ');
      for (const object of ['view wp_plugin_stats', 'procedure wp_plugin_tidy', 'event wp_plugin_purge'])
        expect(run.stdout).toContain(object);
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS \`${target}\``);
    }
  });

  it('PostgreSQL: a view the dump does not have, on a table the dump has, fails the restore loud and changes nothing', async () => {
    // pg_restore --clean cannot drop a table such a view depends on: the restore fails naming the view,
    // and --single-transaction leaves the database as it was (not half restored). Not fixed: dropping
    // the view first would lose it if the restore then failed.
    const target = await cluster.createDatabase('objs');
    await cluster.psql(
      `SET ROLE ${target.user}; CREATE TABLE users (id int); INSERT INTO users VALUES (1);
       CREATE VIEW user_count AS SELECT COUNT(*) AS n FROM users;`,
      target.database,
    );
    const url = `postgres://${target.user}:${encodeURIComponent(target.password)}@127.0.0.1:${target.port}/${target.database}`;
    const run = await runOpsCli(
      ['restore', 'live', 'lara', '--output', output('pgobjs'), '--database-url', url, '--yes'],
      env,
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/view public\.user_count depends on table public\.users/);
    expect((await cluster.psql('SELECT count(*) FROM users', target.database)).trim()).toMatch(/^1$/m);
    expect((await cluster.psql('SELECT n FROM user_count', target.database)).trim()).toMatch(/^1$/m);
  });
});
