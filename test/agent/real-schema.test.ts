/**
 * Schemas of the kinds nobody here wrote survive dump → restore, through the real agent bundle, S3
 * (s3rver), `backopper restore` and the README's by-hand line (`gunzip -c | mysql --comments`): a
 * sequence used as a column default, a system-versioned table with history, comments inside a
 * routine, a trigger and an event, and table names holding a newline, a tab and a backslash.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
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
    const sql = gunzipSync(readFileSync(report.steps.database.path)).toString('utf8');
    expect(sql).not.toMatch(/^LOCK TABLES/m); // --skip-add-locks: NEXTVAL defaults load
    expect(sql).toContain('INSERT INTO `prices` (`id`, `cents`, row_start, row_end) VALUES'); // --dump-history
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

  it('restores into a database of another name beside the live one, whose sequence it then leaves alone', async () => {
    const copy = `${db.database}_copy`;
    await mysqlRoot(`CREATE DATABASE ${quoteName(copy)}`);
    try {
      const output = join(ws.root, 'restore-copy');
      mkdirSync(output);
      const run = await runOpsCli(
        ['restore', 'live', 'shop', '--output', output, '--database-url', `mysql://root@localhost/${copy}`],
        env,
      );
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      const liveNext = () => mysqlRoot('SELECT next_not_cached_value FROM order_ids', db.database);
      const before = await liveNext();
      const restoredDefault = text(
        (
          await mysqlRoot(
            `SELECT HEX(COLUMN_DEFAULT) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${copy}' AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'id'`,
          )
        ).trim(),
      );
      expect(restoredDefault).toBe(`nextval(\`${copy}\`.\`order_ids\`)`);
      // The restored trigger runs as its DEFINER, the app's user: let it into the copy.
      await mysqlRoot(`GRANT ALL ON ${quoteName(copy)}.* TO '${db.user}'@'%'`);
      await mysqlRoot("INSERT INTO orders (item) VALUES ('jug')", copy);
      expect(await liveNext()).toBe(before);
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS ${quoteName(copy)}`);
    }
  });

  it("restores every object and row by the README's by-hand line", async () => {
    await loseDatabase();
    const sql = execFileSync('gunzip', ['-c', report.steps.database.path], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync('mysql', ['-uroot', '--default-character-set=utf8mb4', '--comments', db.database], { input: sql });
    expect(await snapshot(db.database)).toEqual(original);
  });
});

describe('history the dump tool cannot include is named in notIncluded, never dropped silently', () => {
  let ws: Workspace;
  let db: MysqlDatabase;

  beforeAll(async () => {
    [ws, db] = await Promise.all([createWorkspace(), createMysqlDatabase('rh')]);
    await mysqlRoot(
      [
        'CREATE TABLE prices (id INT PRIMARY KEY, cents INT) WITH SYSTEM VERSIONING',
        'CREATE TABLE ledger (id INT PRIMARY KEY, amount INT, trx_start BIGINT UNSIGNED AS ROW START INVISIBLE,' +
          ' trx_end BIGINT UNSIGNED AS ROW END INVISIBLE, PERIOD FOR SYSTEM_TIME(trx_start, trx_end)) WITH SYSTEM VERSIONING',
        'INSERT INTO prices VALUES (1, 100)',
        'UPDATE prices SET cents = 101',
        'INSERT INTO ledger VALUES (1, 5)',
        'UPDATE ledger SET amount = 6',
      ].join(';\n'),
      db.database,
    );
    writeWordpressApp(ws.appsDir, 'books', db);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop()]);
  });

  const dumpText = (run: { report: Record<string, any> }) =>
    gunzipSync(readFileSync(run.report.steps.database.path)).toString('utf8');

  it('dumps the current rows of a transaction-precise table and names the history it left out', async () => {
    const run = await runAgent(backupArgs('books', 'mysql', 'wordpress'), ws.env);
    expect(run.report.steps.database.status).toBe('succeeded');
    expect(run.report.steps.database.notIncluded).toEqual([
      'history of system-versioned tables ledger, prices: ledger keep transaction-precise history, which mariadb-dump --dump-history refuses (it would fail the whole dump); only their current rows are in the dump',
    ]);
    expect(run.report.steps.database.warning).toMatch(/^not included: history of system-versioned tables ledger/);
    expect(dumpText(run)).toMatch(
      /^INSERT INTO `ledger` \(`id`, `amount`, `trx_start`, `trx_end`\) VALUES \(1,6,\d+,/m,
    );
  });

  it('says the history could not be checked, and dumps without table locks, when the schema probe fails', async () => {
    const bin = join(ws.root, 'failing-client-bin');
    mkdirSync(bin);
    const script = ['#!/bin/sh', 'echo "ERROR 2013 (HY000): Lost connection (a fake client)" >&2', 'exit 1', ''];
    writeFileSync(join(bin, 'mysql'), script.join('\n'), { mode: 0o755 });
    const run = await runAgent(backupArgs('books', 'mysql', 'wordpress'), {
      ...ws.env,
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(run.report.steps.database.status).toBe('succeeded');
    expect(run.report.steps.database.notIncluded).toEqual([
      expect.stringMatching(
        /^history of system-versioned tables, if any: the schema could not be checked before the dump \(.*Lost connection/,
      ),
    ]);
    expect(dumpText(run)).not.toMatch(/^LOCK TABLES/m);
  });

  it('names the history when the server has a mysqldump without --dump-history (MySQL-style)', async () => {
    const bin = join(ws.root, 'mysql-style-bin');
    mkdirSync(bin);
    const real = execFileSync('sh', ['-c', 'command -v mysqldump']).toString().trim();
    writeFileSync(
      join(bin, 'mysqldump'),
      [
        '#!/bin/sh',
        '# mysqldump without --dump-history, as MySQL and MariaDB before 10.11 ship it',
        'for arg in "$@"; do [ "$arg" = --dump-history ] && { echo "mysqldump: unknown option --dump-history" >&2; exit 7; }; done',
        `[ "$2" = --help ] && { "${real}" "$@" | grep -v -e '--dump-history'; exit 0; }`,
        `exec "${real}" "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    await mysqlRoot('DROP TABLE ledger', db.database);
    const run = await runAgent(backupArgs('books', 'mysql', 'wordpress'), {
      ...ws.env,
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(run.report.steps.database.status).toBe('succeeded');
    expect(run.report.steps.database.notIncluded).toEqual([
      "history of system-versioned tables prices: this server's mysqldump has no --dump-history (mariadb-dump 10.11+ has); only their current rows are in the dump",
    ]);
    expect(dumpText(run)).toContain('INSERT INTO `prices` VALUES\n(1,101);');
  });
});
