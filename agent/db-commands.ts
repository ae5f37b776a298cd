import type { CommandSpec } from './run-command';
import type { DbConnection } from './db-credentials';

/** Flags for a consistent, complete, restorable MySQL/MariaDB dump (see the README for why each). */
export const MYSQLDUMP_FLAGS = [
  '--single-transaction',
  '--quick',
  '--routines',
  '--triggers',
  '--events',
  '--hex-blob',
  '--default-character-set=utf8mb4',
  '--no-tablespaces',
];

/** A dump command plus the secret file it needs: written 0600 before the run, removed after. */
export interface DumpPlan {
  command: CommandSpec;
  secretFile: { path: string; contents: string };
  /** Values to redact from anything logged. */
  secrets: string[];
}

/**
 * Builds the dump command for `db`. The password goes into `secretPath` (a MySQL option file or a
 * PostgreSQL password file), never onto the command line.
 */
export function buildDumpCommand(db: DbConnection, secretPath: string): DumpPlan {
  if (db.database.startsWith('-')) throw new Error(`database name ${JSON.stringify(db.database)} starts with "-"`);
  return db.engine === 'mysql' ? buildMysqldump(db, secretPath) : buildPgDump(db, secretPath);
}

function buildMysqldump(db: DbConnection, secretPath: string): DumpPlan {
  const lines = ['[client]', `user=${optionValue(db.user)}`, `password=${optionValue(db.password)}`];
  if (db.host) lines.push(`host=${optionValue(db.host)}`);
  if (db.port) lines.push(`port=${db.port}`);
  if (db.socket) lines.push(`socket=${optionValue(db.socket)}`);
  return {
    // --defaults-extra-file must be the first argument.
    command: { file: 'mysqldump', args: [`--defaults-extra-file=${secretPath}`, ...MYSQLDUMP_FLAGS, db.database] },
    secretFile: { path: secretPath, contents: `${lines.join('\n')}\n` },
    secrets: [db.password],
  };
}

function buildPgDump(db: DbConnection, secretPath: string): DumpPlan {
  const args = ['--format=tar', '--no-password'];
  const host = db.socket ?? db.host;
  if (host) args.push(`--host=${host}`);
  if (db.port) args.push(`--port=${db.port}`);
  args.push(`--username=${db.user}`, `--dbname=${conninfoValue('dbname', db.database)}`);
  return {
    command: { file: 'pg_dump', args, env: { PGPASSFILE: secretPath, PGCONNECT_TIMEOUT: '15' } },
    // host:port:database:user:password, with `:` and `\` escaped; `*` matches sockets and any port.
    secretFile: { path: secretPath, contents: `*:*:*:${pgpassField(db.user)}:${pgpassField(db.password)}\n` },
    secrets: [db.password],
  };
}

/** A value for a MySQL option file: double-quoted, with `\` and `"` escaped. */
function optionValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function pgpassField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

/** A libpq conninfo `key='value'`, so a database name with `=` or spaces stays a name. */
function conninfoValue(key: string, value: string): string {
  return `${key}='${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The text every complete mysqldump output ends with. */
export const MYSQLDUMP_TRAILER = '-- Dump completed';
