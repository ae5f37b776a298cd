/**
 * Schemas of the kinds nobody here wrote survive dump → restore, through the real agent bundle, S3
 * (s3rver), `backopper restore` and the README's by-hand line (`gunzip -c | mysql --comments`): a
 * sequence used as a column default, a system-versioned table with history, comments inside a
 * routine, a trigger and an event, and table names holding a newline, a tab and a backslash.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import { exec } from '../services/exec';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase } from '../services/mariadb';
import { runOpsCli } from '../services/ops-cli';
import { type LocalS3, startS3 } from '../services/s3';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

/** Odd table names: each must be restored and counted. */
const ODD_TABLES = ['line\nbreak', 'tab\there', 'back\\slash \\n'];

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

function schemaSql(user: string): string {
  const definer = `DEFINER='${user}'@'%'`;
  return [
    'CREATE SEQUENCE order_ids START WITH 100',
    'CREATE TABLE orders (id BIGINT NOT NULL DEFAULT NEXTVAL(order_ids) PRIMARY KEY, item VARCHAR(40)) ENGINE=InnoDB',
    "INSERT INTO orders (item) VALUES ('kettle'), ('teapot'), ('cups')",
    'CREATE TABLE prices (id INT PRIMARY KEY, cents INT) ENGINE=InnoDB WITH SYSTEM VERSIONING',
    'INSERT INTO prices VALUES (1, 100), (2, 250)',
    'UPDATE prices SET cents = cents + 1',
    'UPDATE prices SET cents = cents + 1 WHERE id = 1',
    'DELIMITER ;;',
    `CREATE ${definer} PROCEDURE order_count(OUT n INT)
BEGIN
  -- counts every order; keep in sync with the report (a comment the restore must keep)
  SELECT COUNT(*) INTO n FROM orders; /* block comment */
END;;`,
    `CREATE ${definer} TRIGGER orders_lower BEFORE INSERT ON orders FOR EACH ROW
BEGIN
  # hash comment: items are stored in lower case
  SET NEW.item = LOWER(NEW.item);
END;;`,
    `CREATE ${definer} EVENT prune_orders ON SCHEDULE EVERY 1 DAY DISABLE DO
BEGIN
  -- never deletes anything real: the event is disabled
  DELETE FROM orders WHERE id < 0;
END;;`,
    'DELIMITER ;',
    ...ODD_TABLES.flatMap((name) => [
      `CREATE TABLE ${quoteName(name)} (x INT) ENGINE=InnoDB`,
      `INSERT INTO ${quoteName(name)} VALUES (1), (2)`,
    ]),
  ]
    .map((statement) => (statement.startsWith('DELIMITER') || statement.endsWith(';;') ? statement : `${statement};`))
    .join('\n');
}

/** What must survive, read with HEX() so no client escaping can blur it. */
async function snapshot(database: string): Promise<Record<string, string>> {
  const one = async (sql: string) => (await mysqlRoot(sql, database)).trim();
  const where = `'${database}'`;
  const result: Record<string, string> = {
    orders: await one('SELECT GROUP_CONCAT(id, ":", item ORDER BY id) FROM orders'),
    sequence: await one(
      'SELECT HEX(COLUMN_DEFAULT) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "orders" AND COLUMN_NAME = "id"',
    ),
    priceHistory: await one(
      'SELECT GROUP_CONCAT(id, ":", cents ORDER BY id, row_start) FROM prices FOR SYSTEM_TIME ALL',
    ),
    routine: await one(
      `SELECT HEX(ROUTINE_DEFINITION) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${where}`,
    ),
    trigger: await one(`SELECT HEX(ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${where}`),
    event: await one(`SELECT HEX(EVENT_DEFINITION) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ${where}`),
  };
  for (const name of ODD_TABLES)
    result[`rows of ${JSON.stringify(name)}`] = await one(`SELECT COUNT(*) FROM ${quoteName(name)}`);
  return result;
}

const text = (hex: string | undefined) => Buffer.from(hex ?? '', 'hex').toString('utf8');

describe('a real MariaDB schema survives dump and restore', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let db: MysqlDatabase;
  let env: Record<string, string>;
  let original: Record<string, string>;
  let report: Record<string, any>;

  beforeAll(async () => {
    [ws, s3, db] = await Promise.all([createWorkspace(), startS3(), createMysqlDatabase('rs')]);
    // --comments: the client would strip them from the bodies before the server ever saw them.
    await exec('mysql', ['-uroot', '--default-character-set=utf8mb4', '--comments', db.database], {
      input: schemaSql(db.user),
    });
    original = await snapshot(db.database);
    writeWordpressApp(ws.appsDir, 'shop', db);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket };
    const run = await runAgent(backupArgs('shop', 'mysql', 'wordpress'), env);
    if (run.exitCode !== 0) throw new Error(`backup failed: ${run.stdout}\n${run.stderr}`);
    report = run.report;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), s3?.stop(), db?.drop()]);
  });

  /** Drops the app's database, as a disaster would, and creates it empty. */
  const loseDatabase = () =>
    mysqlRoot(`DROP DATABASE ${quoteName(db.database)}; CREATE DATABASE ${quoteName(db.database)};`);

  it('holds what the test needs: the comments, the history and the names are really in the original', () => {
    expect(text(original.routine)).toContain('-- counts every order');
    expect(text(original.trigger)).toContain('# hash comment');
    expect(text(original.event)).toContain('-- never deletes anything real');
    expect(original.priceHistory).toBe('1:100,1:101,1:102,2:250,2:251');
    expect(original.orders).toBe('100:kettle,101:teapot,102:cups');
    expect(text(original.sequence)).toMatch(/^nextval\(/);
  });

  it('dumps with the flags the schema needs and says nothing was left out', () => {
    expect(report.steps.database.status).toBe('succeeded');
    expect(report.steps.database.notIncluded).toBeUndefined();
  });

  it('restores every object and row with backopper restore, then the sequence goes on where it was', async () => {
    await loseDatabase();
    const output = join(ws.root, 'restore');
    mkdirSync(output);
    const run = await runOpsCli(
      ['restore', 'live', 'shop', '--output', output, '--database-url', `mysql://root@localhost/${db.database}`],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    // orders, prices (current rows) and the three odd tables; the sequence is not counted.
    expect(run.stdout).toMatch(new RegExp(`import {4}mysql database ${db.database}: 5 tables, 11 rows`));
    expect(await snapshot(db.database)).toEqual(original);
    await mysqlRoot("INSERT INTO orders (item) VALUES ('SAUCER')", db.database);
    const added = (await mysqlRoot("SELECT id FROM orders WHERE item = 'saucer'", db.database)).trim();
    expect(Number(added)).toBeGreaterThan(102);
  });

  it("restores every object and row by the README's by-hand line", async () => {
    await loseDatabase();
    const sql = execFileSync('gunzip', ['-c', report.steps.database.path], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync('mysql', ['-uroot', '--default-character-set=utf8mb4', '--comments', db.database], { input: sql });
    expect(await snapshot(db.database)).toEqual(original);
  });
});
