/**
 * The vocabulary shared by the sync Lambda and the server agent: what a valid app name, environment,
 * engine, frequency and project type are, and how backups are named. One module so the two can never
 * disagree about which app list entries are acceptable or where a backup lands.
 */

/** Database engines the agent can dump; `none` means media only. */
export type DbEngine = 'mysql' | 'postgres' | 'none';

/** How often an app is backed up. */
export type Frequency = 'hourly' | 'daily' | 'weekly' | 'monthly';

/** A validated app list entry, as the agent and the scheduler see it. */
export interface AppSpec {
  name: string;
  frequency: Frequency;
  engine: DbEngine;
  projectType: string;
}

/** Thrown when a value from the API, a flag or a variable is not acceptable. The message names it. */
export class InvalidValueError extends Error {
  override name = 'InvalidValueError';
}

/** The longest app name accepted: it is a folder name, an S3 prefix and part of a schedule name. */
export const MAX_APP_NAME_LENGTH = 64;
/**
 * The one rule for app names, at every layer: the app list (sync), the SSM documents' allowedPattern
 * and the agent's flags. Not starting with `.` (hidden, `..`) nor `-` (every command would read it as
 * an option: the agent refused such an app on every server, every night).
 */
export const APP_NAME_PATTERN = `^[A-Za-z0-9_][A-Za-z0-9._-]{0,${MAX_APP_NAME_LENGTH - 1}}$`;
const APP_NAME = new RegExp(APP_NAME_PATTERN);
const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const PROJECT_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** A printable, quoted rendering of an untrusted value for error messages (bounded, no control chars). */
export function describeValue(value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

/** Checks that `value` is a plain folder name (letters, digits, `.`, `_`, `-`, not starting with `.` or `-`). */
export function validateAppName(value: unknown): string {
  if (typeof value !== 'string' || !APP_NAME.test(value)) {
    throw new InvalidValueError(
      `app name ${describeValue(value)} is not a folder name ` +
        `(letters, digits, . _ -, not starting with "." or "-", at most ${MAX_APP_NAME_LENGTH} characters)`,
    );
  }
  return value;
}

/** Checks an environment name (`live`, `staging`, ...): letters, digits, `_`, `-`, at most 32. */
export function validateEnvironment(value: unknown): string {
  if (typeof value !== 'string' || !ENVIRONMENT.test(value)) {
    throw new InvalidValueError(
      `environment ${describeValue(value)} is not valid (letters, digits, _ -, starting with a letter or digit, at most 32 characters)`,
    );
  }
  return value;
}

/** Checks a project type (`wordpress`, `laravel`, or another plain word); it is passed through. */
export function validateProjectType(value: unknown): string {
  if (typeof value !== 'string' || !PROJECT_TYPE.test(value)) {
    throw new InvalidValueError(
      `project type ${describeValue(value)} is not valid (letters, digits, _ -, at most 32 characters)`,
    );
  }
  return value.toLowerCase();
}

const ENGINE_ALIASES: Record<string, DbEngine> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  postgres: 'postgres',
  postgresql: 'postgres',
  pgsql: 'postgres',
  none: 'none',
  '': 'none',
};

/** Maps the API's `db_engine` (`mysql`, `mariadb`, `postgres`, `postgresql`, `pgsql`, absent, `none`). */
export function normalizeEngine(value: unknown): DbEngine {
  if (value === undefined || value === null) return 'none';
  const engine = typeof value === 'string' ? ENGINE_ALIASES[value.trim().toLowerCase()] : undefined;
  if (!engine) {
    throw new InvalidValueError(
      `db engine ${describeValue(value)} is not one of mysql, mariadb, postgres, postgresql, pgsql, none`,
    );
  }
  return engine;
}

/**
 * Maps the API's `frequency` (any case). `none` and `disabled` mean "no schedule" and give `null`;
 * anything else unknown is an error (the sync skips that app with a warning, as the original did).
 */
export function normalizeFrequency(value: unknown): Frequency | null {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'hourly' || text === 'daily' || text === 'weekly' || text === 'monthly') return text;
  if (text === 'none' || text === 'disabled') return null;
  throw new InvalidValueError(
    `frequency ${describeValue(value)} is not one of hourly, daily, weekly, monthly, none, disabled`,
  );
}

/** The extension of a database dump: gzipped SQL for MySQL, pg_dump's tar format for PostgreSQL. */
export function dumpExtension(engine: Exclude<DbEngine, 'none'>): '.sql.gz' | '.tar' {
  return engine === 'mysql' ? '.sql.gz' : '.tar';
}

/** Local file name of a dump: `<ts>.sql.gz` or `<ts>.tar`. */
export function localDumpName(engine: Exclude<DbEngine, 'none'>, timestamp: number): string {
  return `${timestamp}${dumpExtension(engine)}`;
}

/** Matches local dump names of our own pattern, and only those: retention never touches other files. */
export const LOCAL_DUMP_PATTERN = /^(\d{9,11})\.(sql\.gz|tar)$/;

/** S3 key of a dump: `<app>/<environment>/backup_<ts>.sql.gz` or `.tar`. */
export function dumpObjectKey(input: {
  app: string;
  environment: string;
  engine: Exclude<DbEngine, 'none'>;
  timestamp: number;
}): string {
  return `${input.app}/${input.environment}/backup_${input.timestamp}${dumpExtension(input.engine)}`;
}

/** Matches the S3 keys of dumps under an `<app>/<environment>/` prefix. */
export const DUMP_OBJECT_PATTERN = /^([^/]+)\/([^/]+)\/backup_(\d{9,11})\.(sql\.gz|tar)$/;
