import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareManifests } from '../../../common/dump-manifest';
import { readDatabaseManifest } from '../../../agent/manifest/database-manifest';
import { readDumpFileManifest } from '../../../agent/manifest/dump-file-manifest';
import { MysqlDumpScanner } from '../../../agent/manifest/mysql-dump-scanner';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../../services/mariadb';
import {
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../../services/postgres';
import { createWorkspace, type Workspace } from '../../services/workspace';

const scan = (sql: string, chunk = 7) => {
  const scanner = new MysqlDumpScanner();
  const bytes = Buffer.from(sql);
  for (let i = 0; i < bytes.length; i += chunk) scanner.write(bytes.subarray(i, i + chunk));
  return scanner.result();
};

describe('the dump manifest', () => {
  let ws: Workspace;
  let db: MysqlDatabase;
  let cluster: PostgresCluster;
  let pg: PostgresDatabase;
  beforeAll(async () => {
    [ws, db, cluster] = await Promise.all([createWorkspace(), createMysqlDatabase(), startPostgresCluster()]);
    pg = await cluster.createDatabase();
    await Promise.all([seedWordpressSchema(db, 120), seedLaravelSchema(cluster, pg, 90)]);
    await mysqlRoot(
      "CREATE TABLE `we(ird``name` (id int, s text); INSERT INTO `we(ird``name` VALUES (1, 'a),(b;'), (2, 'it''s \\\\'), (3, NULL); CREATE TABLE `empty one` (id int);",
      db.database,
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop(), cluster?.stop()]);
  });

  const mysqlConnection = () => ({
    engine: 'mysql' as const,
    database: db.database,
    user: 'root',
    password: '',
    socket: '/run/mysqld/mysqld.sock',
  });

  it('counts the rows of a MariaDB dump as it streams, exactly as the database counts them', async () => {
    const sql = execFileSync(
      'mysqldump',
      ['-uroot', '--single-transaction', '--routines', '--triggers', '--events', '--hex-blob', db.database],
      {
        maxBuffer: 1 << 28,
      },
    ).toString();
    const fromDump = scan(sql);
    const live = await readDatabaseManifest(mysqlConnection());
    expect(compareManifests(live, fromDump)).toEqual([]);
    expect(fromDump.rows['we(ird`name']).toBe(3);
    expect(fromDump.rows['empty one']).toBe(0);
    expect(fromDump.objects.views.length).toBeGreaterThan(0);
    expect(fromDump.objects.routines.length).toBeGreaterThan(1);
    expect(fromDump.objects.triggers.length).toBeGreaterThan(0);
    expect(fromDump.objects.events.length).toBeGreaterThan(0);
  });

  it('reads the same manifest from a gzipped MariaDB dump file, one row per extended-insert tuple', async () => {
    const path = join(ws.root, 'd.sql.gz');
    const sql = execFileSync('mysqldump', ['-uroot', '--extended-insert', '--net-buffer-length=4096', db.database], {
      maxBuffer: 1 << 28,
    });
    writeFileSync(path, gzipSync(sql));
    const manifest = await readDumpFileManifest(path);
    const live = await readDatabaseManifest(mysqlConnection());
    expect(manifest.rows).toEqual(live.rows);
  });

  it('ignores INSERT statements inside routine bodies', () => {
    const sql =
      'DELIMITER ;;\nCREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\nBEGIN\nINSERT INTO `t` VALUES (1),(2);\nEND ;;\nDELIMITER ;\nCREATE TABLE `t` (\n  id int\n);\nINSERT INTO `t` VALUES (5);\n';
    expect(scan(sql, 3)).toMatchObject({ objects: { tables: ['t'], routines: ['p'] }, rows: { t: 1 } });
  });

  it('reads a PostgreSQL tar dump: objects from its TOC and rows from its data members', async () => {
    await cluster.psql(
      `SET ROLE ${pg.user}; CREATE SEQUENCE spare; CREATE TABLE "odd name" (t text); INSERT INTO "odd name" VALUES (E'line\\none'), ('\\.'), (NULL);`,
      pg.database,
    );
    const path = join(ws.root, 'd.tar');
    execFileSync('pg_dump', [
      '--format=tar',
      `--file=${path}`,
      `--host=${cluster.socketDir}`,
      `--port=${cluster.port}`,
      '--username=postgres',
      pg.database,
    ]);
    const manifest = await readDumpFileManifest(path);
    const live = await readDatabaseManifest({
      engine: 'postgres',
      database: pg.database,
      user: 'postgres',
      password: '',
      socket: cluster.socketDir,
      port: cluster.port,
    });
    expect(compareManifests(live, manifest)).toEqual([]);
    expect(manifest.rows['public.odd name']).toBe(3);
    expect(manifest.rows['public.users']).toBe(91);
    expect(manifest.objects.sequences).toContain('public.spare');
    expect(manifest.objects.triggers).toEqual(['public.users_audit']);
  });

  it('names what differs: a missing table, a missing view and a short table', () => {
    const expected = scan(
      'CREATE TABLE `a` (\n);\nINSERT INTO `a` VALUES (1),(2);\nCREATE TABLE `b` (\n);\n/*!50001 VIEW `v` AS select 1 */;\n',
    );
    const actual = scan('CREATE TABLE `a` (\n);\nINSERT INTO `a` VALUES (1);\n');
    expect(compareManifests(expected, actual)).toEqual([
      'tables missing: b',
      'views missing: v',
      'table a: 1 rows, the manifest says 2',
    ]);
  });
});
