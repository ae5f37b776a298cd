import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import { exec } from '../services/exec';
import { createMysqlDatabase, mysqlImport, mysqlRoot, type MysqlDatabase } from '../services/mariadb';
import { type PostgresCluster, type PostgresDatabase, startPostgresCluster } from '../services/postgres';
import { envValue } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/**
 * A password the database user really has, and the `.env` line(s) an app would write for it. Each is
 * read the way phpdotenv reads it, so the backup only succeeds if the agent sends the same bytes.
 */
interface PasswordCase {
  title: string;
  password: string;
  env: (password: string) => string[];
  /** Bedrock: these lines go to `.env.local`, read after `.env`. */
  local?: (password: string) => string[];
}

const CASES: PasswordCase[] = [
  {
    title: 'every printable ASCII character, double-quoted and escaped',
    password: PRINTABLE_ASCII,
    env: (pw) => [`DB_PASSWORD=${envValue(pw)}`],
  },
  {
    title: 'every printable ASCII character but the quote, single-quoted and literal',
    password: PRINTABLE_ASCII.replace("'", ''),
    env: (pw) => [`DB_PASSWORD='${pw}'`],
  },
  {
    title: 'Unicode, with spaces at both ends',
    password: ' ünïcødé 🔑 ß€ 中文 ',
    env: (pw) => [`DB_PASSWORD=${envValue(pw)} # trailing comment`],
  },
  {
    title: 'unquoted, with a trailing comment',
    password: 'Un-quoted:p@ss!%^&*()[]{}<>,.?/|~=+$x',
    env: (pw) => [`DB_PASSWORD=${pw} # the password`],
  },
  {
    title: 'built from ${NAME} references, with an escaped \\${ kept literal',
    password: '#h"e\\ad:${NOT} t@il',
    env: () => [`PW_HEAD='#h"e\\ad'`, 'PW_TAIL=t@il', 'DB_PASSWORD="${PW_HEAD}:\\${NOT} ${PW_TAIL}"'],
  },
  { title: 'abc#def, which phpdotenv reads as abc', password: 'abc', env: () => ['DB_PASSWORD=abc#def'] },
  {
    title: 'Bedrock: .env.local wins over .env',
    password: 'l0cal "wins" $#\\ ',
    env: () => ['DB_PASSWORD=the-one-in-dot-env'],
    local: (pw) => [`DB_PASSWORD=${envValue(pw)}`],
  },
];

function writeApp(ws: Workspace, app: string, lines: string[], local?: string[]): string {
  const root = join(ws.appsDir, app);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, '.env'), `${lines.join('\n')}\n`);
  if (local) {
    // Bedrock's layout: config/application.php (which loads .env.local) beside web/app.
    mkdirSync(join(root, 'config'));
    mkdirSync(join(root, 'web', 'app'), { recursive: true });
    writeFileSync(
      join(root, 'config', 'application.php'),
      "<?php\n$env_files = file_exists($root_dir . '/.env.local') ? ['.env', '.env.local'] : ['.env'];\n",
    );
    writeFileSync(join(root, '.env.local'), `${local.join('\n')}\n`);
  }
  return root;
}

describe('passwords with any printable character reach MariaDB intact', () => {
  let ws: Workspace;
  const dbs: MysqlDatabase[] = [];
  beforeAll(async () => {
    ws = await createWorkspace();
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), ...dbs.map((db) => db.drop())]);
  });

  it.each(CASES)('$title', async ({ password, env, local }) => {
    const db = await createMysqlDatabase('pw', password);
    dbs.push(db);
    await mysqlRoot(`CREATE TABLE t (id INT PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, 'kept ✓')`, db.database);
    const app = `pw-${db.database}`;
    writeApp(
      ws,
      app,
      [`DB_NAME=${db.database}`, `DB_USER=${db.user}`, `DB_HOST=${db.host}:${db.port}`, ...env(password)],
      local?.(password),
    );

    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), ws.env);
    expect(run.report.steps?.database?.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    const sql = gunzipSync(readFileSync(run.report.steps.database.path)).toString('utf8');
    expect(sql).toMatch(/-- Dump completed[^\n]*\n$/);
    const restored = `${db.database}_r`;
    await mysqlRoot(`CREATE DATABASE \`${restored}\``);
    try {
      await mysqlImport(restored, sql);
      expect((await mysqlRoot('SELECT s FROM t WHERE id = 1', restored)).trim()).toBe('kept ✓');
    } finally {
      await mysqlRoot(`DROP DATABASE \`${restored}\``);
    }
  });

  it("fails the database step when the .env password is not the user's (the server really checks)", async () => {
    const db = await createMysqlDatabase('pw', 'the-real-one');
    dbs.push(db);
    const app = `pw-${db.database}`;
    writeApp(ws, app, [
      `DB_NAME=${db.database}`,
      `DB_USER=${db.user}`,
      `DB_HOST=${db.host}:${db.port}`,
      'DB_PASSWORD="the-real-one "',
    ]);
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database.error).toMatch(/Access denied/);
  });

  it('refuses a DB_HOST that still holds an unresolved ${NAME}, instead of dumping the local server', async () => {
    const db = await createMysqlDatabase('pw', 'pw');
    dbs.push(db);
    const app = `pw-${db.database}`;
    writeApp(ws, app, [`DB_NAME=${db.database}`, `DB_USER=${db.user}`, 'DB_PASSWORD=pw', 'DB_HOST=${DB_SERVER}']);
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database.error).toContain(
      'DB_HOST refers to ${DB_SERVER}, defined nowhere in the file (it may come from the PHP runtime',
    );
    expect(ws.backupFiles(app)).toEqual([]);
  });
});

describe('passwords with any printable character reach PostgreSQL intact', () => {
  let cluster: PostgresCluster;
  let ws: Workspace;
  beforeAll(async () => {
    [cluster, ws] = await Promise.all([startPostgresCluster(), createWorkspace()]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), ws?.remove()]);
  });

  const laravelLines = (db: PostgresDatabase) => [
    'DB_CONNECTION=pgsql',
    `DB_HOST=${db.host}`,
    `DB_PORT=${db.port}`,
    `DB_DATABASE=${db.database}`,
    `DB_USERNAME=${db.user}`,
  ];

  it.each(CASES)('$title', async ({ password, env, local }) => {
    const db = await cluster.createDatabase('pw', password);
    await cluster.psql(
      `SET ROLE ${db.user}; CREATE TABLE t (id int PRIMARY KEY, s text); INSERT INTO t VALUES (1, 'kept ✓');`,
      db.database,
    );
    const app = `pw-${db.database}`;
    writeApp(ws, app, [...laravelLines(db), ...env(password)], local?.(password));

    const run = await runAgent(backupArgs(app, 'postgres', 'laravel'), ws.env);
    expect(run.report.steps?.database?.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    const restored = `${db.database}_r`;
    await cluster.psql(`CREATE DATABASE ${restored}`);
    await exec('pg_restore', [
      '--no-owner',
      '--exit-on-error',
      '-h',
      cluster.socketDir,
      '-p',
      String(cluster.port),
      '-U',
      'postgres',
      '-d',
      restored,
      run.report.steps.database.path,
    ]);
    expect((await cluster.psql('SELECT s FROM t WHERE id = 1', restored)).trim()).toBe('kept ✓');
  });

  it("fails the database step when the .env password is not the user's (the server really checks)", async () => {
    const db = await cluster.createDatabase('pw', 'the-real-one');
    const app = `pw-${db.database}`;
    writeApp(ws, app, [...laravelLines(db), 'DB_PASSWORD="the-real-one "']);
    const run = await runAgent(backupArgs(app, 'postgres', 'laravel'), ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database.error).toMatch(/password authentication failed/);
  });
});
