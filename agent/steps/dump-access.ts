/**
 * What `backup --dry-run` checks before saying a backup would work: it connects as the app's database
 * user (a wrong password fails here, with the server's message) and asks whether that user may read
 * everything the dump reads. MySQL/MariaDB: the schema probe the backup itself runs
 * ({@link probeSchemaVisibility}), then a `SELECT ... WHERE 0` of every table and `SHOW CREATE VIEW` of
 * every view, which fail on a missing SELECT or SHOW VIEW as mysqldump would. PostgreSQL: the
 * relations and schemas the user may not read (`has_table_privilege`, `has_schema_privilege`), which
 * pg_dump needs. Reads only; writes nothing.
 */
import type { DbConnection } from '../config/db-credentials';
import { queryDatabase } from '../process/db-client';
import { planSchemaParts, probeSchemaVisibility } from './mysql-schema-parts';

/** What the dump could read, as the app's user. */
export interface DumpAccess {
  /** The user as the server knows it (`'shop'@'localhost'`, or the PostgreSQL role). */
  account: string;
  tables: number;
  views: number;
  /** Parts of the schema the dump would leave out, and the grant that includes them (MySQL). */
  notIncluded: string[];
}

/** The user cannot read what the dump needs: the real run would fail too. */
export class DumpAccessError extends Error {
  override name = 'DumpAccessError';
}

/** Largest SQL text per client run: it travels as one argument (Linux allows 128 KiB). */
const MAX_SQL_CHARS = 64 * 1024;

/** Connects as the app's user and checks it may read all the dump reads; throws what the run would meet. */
export async function checkDumpAccess(db: DbConnection, signal?: AbortSignal): Promise<DumpAccess> {
  return db.engine === 'mysql' ? checkMysql(db, signal) : checkPostgres(db, signal);
}

async function checkMysql(db: DbConnection, signal?: AbortSignal): Promise<DumpAccess> {
  const visibility = await probeSchemaVisibility(db, signal);
  const { notIncluded } = planSchemaParts(visibility, db.database);
  const objects = await queryDatabase(
    db,
    'SELECT TABLE_TYPE, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 2',
    signal,
  );
  const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;
  const statements = objects.map(([type, name]) =>
    type === 'VIEW' ? `SHOW CREATE VIEW ${quote(name!)}` : `SELECT 1 FROM ${quote(name!)} WHERE 0`,
  );
  // The client stops at the first statement refused, with the server's error naming the object.
  for (const batch of batches(statements)) await queryDatabase(db, batch, signal);
  const views = objects.filter(([type]) => type === 'VIEW').length;
  return { account: visibility.account, tables: objects.length - views, views, notIncluded };
}

const PG_OBJECTS = `
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' WHEN 'S' THEN 'sequence' ELSE 'table' END,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       has_table_privilege(c.oid, 'SELECT') AND has_schema_privilege(n.oid, 'USAGE')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
UNION ALL SELECT 'account', current_user, true
 ORDER BY 1, 2`;

async function checkPostgres(db: DbConnection, signal?: AbortSignal): Promise<DumpAccess> {
  const rows = await queryDatabase(db, PG_OBJECTS, signal);
  const account = rows.find(([kind]) => kind === 'account')?.[1] ?? db.user;
  const objects = rows.filter(([kind]) => kind !== 'account');
  const refused = objects.filter(([, , readable]) => readable !== 't').map(([, name]) => name!);
  if (refused.length > 0) {
    const shown = refused.slice(0, 10).join(', ') + (refused.length > 10 ? ` and ${refused.length - 10} more` : '');
    throw new DumpAccessError(
      `${account} may not read ${refused.length} object(s) of ${db.database} that pg_dump must read: ${shown} ` +
        `(GRANT USAGE ON SCHEMA <schema> TO ${account}; GRANT SELECT ON ALL TABLES IN SCHEMA <schema> TO ${account}; ` +
        `GRANT SELECT ON ALL SEQUENCES IN SCHEMA <schema> TO ${account})`,
    );
  }
  const count = (kind: string) => objects.filter(([what]) => what === kind).length;
  return { account, tables: count('table'), views: count('view'), notIncluded: [] };
}

/** `statements` joined by `;` into texts of at most MAX_SQL_CHARS characters. */
function batches(statements: string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const statement of statements) {
    if (current && current.length + statement.length + 2 > MAX_SQL_CHARS) {
      out.push(current);
      current = '';
    }
    current += `${statement};\n`;
  }
  if (current) out.push(current);
  return out;
}
