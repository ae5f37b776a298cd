import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parseCsv, parseMysqlBatch } from './client-output';
import { buildImportCommand, buildQueryCommand } from './db-commands';
import type { DbConnection } from '../config/db-credentials';
import { runCommand } from './run-command';
import { withSecretFile } from './secret-file';

const secretName = (db: DbConnection) => (db.engine === 'mysql' ? 'my.cnf' : 'pgpass');

/** Runs SQL with the database's own client and returns its rows as arrays of fields, the client's quoting undone. */
export async function queryDatabase(db: DbConnection, sql: string, signal?: AbortSignal): Promise<string[][]> {
  const { stdout } = await withSecretFile(
    secretName(db),
    (path) => buildQueryCommand(db, path, sql),
    (plan) => runCommand(plan.command, { secrets: plan.secrets, signal }),
  );
  return db.engine === 'mysql' ? parseMysqlBatch(stdout) : parseCsv(stdout);
}

/** Imports a dump file (`.sql.gz` through gunzip into `mysql`, `.tar` with `pg_restore`); the first error stops it. */
export async function importDump(
  db: DbConnection,
  dumpPath: string,
  options: { replace?: boolean; signal?: AbortSignal; role?: string } = {},
): Promise<void> {
  const { replace = false, signal, role } = options;
  await withSecretFile(
    secretName(db),
    (path) => buildImportCommand(db, path, dumpPath, replace, role),
    (plan) =>
      runCommand(plan.command, {
        secrets: plan.secrets,
        signal,
        ...(db.engine === 'mysql' ? { input: createReadStream(dumpPath).pipe(createGunzip()) } : {}),
      }),
  );
}

/**
 * Names of the tables (not views or sequences; MariaDB's system-versioned ones included) in the
 * connection's database, sorted; PostgreSQL's as `schema.table`
 * with each part double-quoted where it needs it (`public."Order.Lines"`), as {@link countRows} takes them.
 */
export async function listTables(db: DbConnection): Promise<string[]> {
  const sql =
    db.engine === 'mysql'
      ? "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY 1"
      : "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1";
  return (await queryDatabase(db, sql)).map(([name]) => name);
}

/** Drops `tables` (names as {@link listTables} gives them), ignoring foreign keys between them; one statement. */
export async function dropTables(db: DbConnection, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  const names = tables.map((table) => quoteTable(db, table)).join(', ');
  await queryDatabase(
    db,
    db.engine === 'mysql'
      ? `SET FOREIGN_KEY_CHECKS = 0; DROP TABLE IF EXISTS ${names}`
      : `DROP TABLE IF EXISTS ${names} CASCADE`,
  );
}

/** A table name {@link listTables} gave, quoted for the engine: MySQL `name`; PostgreSQL's come quoted already. */
function quoteTable(db: DbConnection, name: string): string {
  return db.engine === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : name;
}

/**
 * A PostgreSQL name as {@link listTables} gives it (`public."Odd.Name"`, each part quoted where it
 * needs it) in the plain `schema.table` form manifests use (`public.Odd.Name`). Pure.
 */
export function plainPgTableName(quoted: string): string {
  const parts: string[] = [];
  let i = 0;
  while (i <= quoted.length) {
    if (quoted[i] === '"') {
      let part = '';
      i += 1;
      while (i < quoted.length && !(quoted[i] === '"' && quoted[i + 1] !== '"')) {
        part += quoted[i];
        i += quoted[i] === '"' ? 2 : 1; // a doubled quote is one quote
      }
      parts.push(part);
      i += 2; // the closing quote and the dot
    } else {
      const end = quoted.indexOf('.', i);
      parts.push(quoted.slice(i, end === -1 ? undefined : end));
      if (end === -1) break;
      i = end + 1;
    }
  }
  return parts.join('.');
}

/** Exact row counts of `tables`, in one query. */
export async function countRows(db: DbConnection, tables: string[]): Promise<Record<string, number>> {
  if (tables.length === 0) return {};
  const mysql = db.engine === 'mysql';
  // PostgreSQL names come from listTables as `schema.table`, each part already quoted where it needs it.
  const quote = (name: string) => (mysql ? `\`${name.replace(/`/g, '``')}\`` : name);
  // MySQL treats `\` in string literals as an escape; PostgreSQL (standard_conforming_strings) does not.
  const literal = (name: string) => `'${(mysql ? name.replace(/\\/g, '\\\\') : name).replace(/'/g, "''")}'`;
  const sql = tables.map((table) => `SELECT ${literal(table)}, COUNT(*) FROM ${quote(table)}`).join(' UNION ALL ');
  return Object.fromEntries((await queryDatabase(db, sql)).map(([name, count]) => [name, Number(count)]));
}
