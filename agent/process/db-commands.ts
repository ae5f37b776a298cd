import type { CommandSpec } from './run-command';
import type { DbConnection } from '../config/db-credentials';

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

/**
 * The largest row or statement mysqldump (and mysql, restoring) may handle. Their client default (16 to
 * 24 MiB) makes a bigger row (a page builder's serialized option, an uploaded blob) fail the dump with a
 * misleading "Lost connection to server during query"; 1 GiB is the most the clients accept.
 */
export const DEFAULT_MAX_ALLOWED_PACKET = '1G';

/** Parts of the schema that the dump leaves out (the user may not dump them; see steps/mysql-schema-parts.ts). */
export type SkippablePart = 'events' | 'routines' | 'triggers';

export interface MysqlDumpOptions {
  /** mysqldump's --max-allowed-packet, e.g. `1G`, `512M`. @default DEFAULT_MAX_ALLOWED_PACKET */
  maxAllowedPacket?: string;
  /** Replaced by `--skip-<part>`. @default none */
  skip?: SkippablePart[];
  /**
   * `false` adds `--skip-add-locks`: no `LOCK TABLES t WRITE` around the rows, which a table whose
   * column defaults to a sequence's NEXTVAL cannot be loaded under (MDEV-20070). @default true
   */
  addLocks?: boolean;
  /** Adds `--dump-history` (mariadb-dump 10.11+): system-versioned tables with their history. @default false */
  dumpHistory?: boolean;
  /**
   * Not a flag: the dump's output goes through `UnqualifySequenceDefaults` (sequence defaults then
   * name the database the dump is loaded into). @default false
   */
  unqualifySequenceDefaults?: boolean;
}

/** The text every complete mysqldump output ends with. */
export const MYSQLDUMP_TRAILER = '-- Dump completed';

/** A database client command plus the secret file it needs: written 0600 before the run, removed after. */
export interface DbCommandPlan {
  command: CommandSpec;
  secretFile: { path: string; contents: string };
  /** Values to redact from anything logged. */
  secrets: string[];
}

/**
 * How a client authenticates: the password goes into `secretPath` (a MySQL option file or a PostgreSQL
 * password file), never onto the command line. MySQL's `--defaults-extra-file` must be the first argument.
 */
function clientAuth(
  db: DbConnection,
  secretPath: string,
): { args: string[]; env?: Record<string, string>; contents: string } {
  if (db.engine === 'mysql') {
    const lines = ['[client]', `user=${optionValue(db.user)}`, `password=${optionValue(db.password)}`];
    if (db.host) lines.push(`host=${optionValue(db.host)}`);
    if (db.port) lines.push(`port=${db.port}`);
    if (db.socket) lines.push(`socket=${optionValue(db.socket)}`);
    return { args: [`--defaults-extra-file=${secretPath}`], contents: `${lines.join('\n')}\n` };
  }
  const args = ['--no-password'];
  const host = db.socket ?? db.host;
  if (host) args.push(`--host=${host}`);
  if (db.port) args.push(`--port=${db.port}`);
  args.push(`--username=${db.user}`);
  return {
    args,
    env: { PGPASSFILE: secretPath, PGCONNECT_TIMEOUT: '15' },
    // host:port:database:user:password, with `:` and `\` escaped; `*` matches sockets and any port.
    contents: `*:*:*:${pgpassField(db.user)}:${pgpassField(db.password)}\n`,
  };
}

function plan(db: DbConnection, secretPath: string, file: string, args: (auth: string[]) => string[]): DbCommandPlan {
  if (db.database.startsWith('-')) throw new Error(`database name ${JSON.stringify(db.database)} starts with "-"`);
  const auth = clientAuth(db, secretPath);
  return {
    command: { file, args: args(auth.args), ...(auth.env ? { env: auth.env } : {}) },
    secretFile: { path: secretPath, contents: auth.contents },
    secrets: [db.password],
  };
}

/**
 * mysqldump (to be gzipped) or `pg_dump --format=tar`, writing to stdout; pg_dump writes to
 * `pgOutputFile` instead when given (`--file`).
 */
export function buildDumpCommand(
  db: DbConnection,
  secretPath: string,
  options: MysqlDumpOptions = {},
  pgOutputFile?: string,
): DbCommandPlan {
  const skip = new Set(options.skip ?? []);
  const flags = MYSQLDUMP_FLAGS.map((flag) =>
    skip.has(flag.slice(2) as SkippablePart) ? `--skip-${flag.slice(2)}` : flag,
  );
  if (options.addLocks === false) flags.push('--skip-add-locks');
  if (options.dumpHistory) flags.push('--dump-history');
  const packet = `--max-allowed-packet=${options.maxAllowedPacket ?? DEFAULT_MAX_ALLOWED_PACKET}`;
  return db.engine === 'mysql'
    ? plan(db, secretPath, 'mysqldump', (auth) => [...auth, ...flags, packet, db.database])
    : plan(db, secretPath, 'pg_dump', (auth) => [
        '--format=tar',
        ...auth,
        `--dbname=${conninfo(db.database)}`,
        ...(pgOutputFile ? [`--file=${pgOutputFile}`] : []),
      ]);
}

/**
 * Imports a dump: `mysql --comments` reading the SQL on stdin (it stops at the first error; mysqldump's
 * output drops and recreates each table; comments inside routines, triggers and events are kept), or `pg_restore` of `dumpPath` in one transaction with
 * `--exit-on-error` (all or nothing); `replace` makes pg_restore drop the objects it recreates.
 */
export function buildImportCommand(
  db: DbConnection,
  secretPath: string,
  dumpPath: string,
  replace = false,
  role?: string,
): DbCommandPlan {
  const pgFlags = [
    '--no-owner',
    '--no-privileges',
    '--exit-on-error',
    '--single-transaction',
    ...(replace ? ['--clean', '--if-exists'] : []),
    // PostgreSQL: restore with no more rights than `role` (a superuser must not run the dump's code);
    // comments go (COMMENT ON EXTENSION needs the extension's owner; no manifest compares them).
    ...(role ? [`--role=${role}`, '--no-comments'] : []),
  ];
  return db.engine === 'mysql'
    ? plan(db, secretPath, 'mysql', (auth) => [
        ...auth,
        '--default-character-set=utf8mb4',
        '--batch',
        // Without it the client strips comments, also those inside routine, trigger and event bodies.
        '--comments',
        // The client's own commands in the dump (`\! <shell command>`, `\. file`) are refused, not run as
        // root: a dump replaced with its .sha256 (or without mysqldump's sandbox line) is data, never a script.
        // Only `delimiter` and `charset` (mysqldump's routines) still work; MySQL and MariaDB clients both take it.
        '--binary-mode',
        `--max-allowed-packet=${DEFAULT_MAX_ALLOWED_PACKET}`,
        db.database,
      ])
    : plan(db, secretPath, 'pg_restore', (auth) => [
        ...auth,
        ...pgFlags,
        `--dbname=${conninfo(db.database)}`,
        dumpPath,
      ]);
}

/** Runs one SQL text and prints rows without headers: mysql tab-separated and escaped, psql as CSV. */
export function buildQueryCommand(db: DbConnection, secretPath: string, sql: string): DbCommandPlan {
  return db.engine === 'mysql'
    ? plan(db, secretPath, 'mysql', (auth) => [
        ...auth,
        '--default-character-set=utf8mb4',
        '--batch',
        '--skip-column-names',
        '-e',
        sql,
        db.database,
      ])
    : plan(db, secretPath, 'psql', (auth) => [
        ...auth,
        '-X',
        '-q',
        '-t',
        '--csv', // quotes fields with a comma, quote or newline (a table name may hold any of them)
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
        `--dbname=${conninfo(db.database)}`,
      ]);
}

/** A value for a MySQL option file: double-quoted, with `\` and `"` escaped. */
function optionValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function pgpassField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

/** A libpq conninfo `dbname='value'`, so a database name with `=` or spaces stays a name. */
function conninfo(database: string): string {
  return `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
