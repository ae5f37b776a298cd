import { type DbConnection, resolveDbConnection } from '../config/db-credentials';
import { queryDatabase } from '../process/db-client';
import { messageOf } from '../errors';

/** Thrown when the drill cannot create its scratch database; says how to give it a connection that may. */
export class ScratchDatabaseError extends Error {
  override name = 'ScratchDatabaseError';
}

/**
 * The connection a drill creates its scratch database with: `adminUrl` (BACKOPPER_DRILL_ADMIN_URL;
 * without a database, the engine's maintenance database), else the local server's own admin: MariaDB's
 * root over the unix socket, PostgreSQL's `postgres` role over the local socket. Never the app's.
 */
export function drillAdminConnection(engine: DbConnection['engine'], adminUrl?: string): DbConnection {
  if (!adminUrl)
    return engine === 'mysql'
      ? { engine, database: 'mysql', user: 'root', password: '' }
      : { engine, database: 'postgres', user: 'postgres', password: '' };
  const parsed = new URL(adminUrl);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = engine === 'mysql' ? '/mysql' : '/postgres';
  return resolveDbConnection({ DATABASE_URL: parsed.toString() }, engine, 'BACKOPPER_DRILL_ADMIN_URL');
}

/** Whose a scratch database is: the server (host id) and the drill process (pid) that made it. */
export interface ScratchOwner {
  hostId: string;
  pid: number;
}

/**
 * `bkdrill_<app>_<ts>_<host id>_<pid>`: lower-case letters, digits and `_`, within both engines'
 * 63-character limit. The name says who made it, so the next drill on that server can tell a killed
 * drill's leftover (its process gone) from a live one's, and never touches another server's.
 */
export function scratchDatabaseName(app: string, timestamp: number, owner: ScratchOwner): string {
  const safe = app
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 20);
  return `bkdrill_${safe}_${timestamp}_${owner.hostId}_${owner.pid}`;
}

const SCRATCH_NAME = /^bkdrill_[a-z0-9_]*_(\d{9,11})_([0-9a-f]{8})_(\d{1,10})$/;

/** The owner and start of a scratch database named by {@link scratchDatabaseName}; undefined for other names. Pure. */
export function parseScratchDatabaseName(name: string): (ScratchOwner & { timestamp: number }) | undefined {
  const match = SCRATCH_NAME.exec(name);
  return match ? { timestamp: Number(match[1]), hostId: match[2]!, pid: Number(match[3]) } : undefined;
}

/**
 * Drops the scratch databases that drills of this server (`owner.hostId`) left when they were killed
 * with SIGKILL (no handler ran): those whose drill process no longer runs (or whose pid is now another,
 * later process). Live drills' databases, other servers' and names not of this form are left alone.
 * Returns the names dropped.
 */
export async function dropDeadScratchDatabases(
  admin: DbConnection,
  owner: { hostId: string; isRunning: (pid: number, sinceMs: number) => boolean },
): Promise<string[]> {
  const listing =
    admin.engine === 'mysql'
      ? "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'bkdrill\\_%'"
      : "SELECT datname FROM pg_database WHERE datname LIKE 'bkdrill\\_%' UNION SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'bkdrill\\_%'";
  const dropped: string[] = [];
  for (const [name] of await queryDatabase(admin, listing)) {
    const parsed = name ? parseScratchDatabaseName(name) : undefined;
    if (!parsed || parsed.hostId !== owner.hostId || owner.isRunning(parsed.pid, parsed.timestamp * 1000)) continue;
    await dropScratchDatabase(admin, name!);
    dropped.push(name!);
  }
  return dropped;
}

const quote = (db: DbConnection, name: string) => (db.engine === 'mysql' ? `\`${name}\`` : `"${name}"`);

/**
 * Creates the scratch database with `admin`; a refusal becomes ScratchDatabaseError saying how to fix it.
 * PostgreSQL with a superuser admin: the database is owned by a role of the same name (NOLOGIN, no
 * rights beyond it), `restoreRole`, which the restore runs as: the dump's code (a materialized view's
 * refresh, an index's function) must never run with the superuser's rights. Its extensions are made by
 * the admin first ({@link createExtensions}).
 */
export async function createScratchDatabase(
  admin: DbConnection,
  name: string,
): Promise<DbConnection & { restoreRole?: string }> {
  let restoreRole: string | undefined;
  try {
    if (admin.engine === 'postgres') {
      const [[superuser] = []] = await queryDatabase(
        admin,
        'SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user',
      );
      if (superuser === 't') {
        await queryDatabase(admin, `CREATE ROLE ${quote(admin, name)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
        restoreRole = name;
      }
    }
    await queryDatabase(
      admin,
      `CREATE DATABASE ${quote(admin, name)}${restoreRole ? ` OWNER ${quote(admin, restoreRole)}` : ''}`,
    );
  } catch (error) {
    const who =
      admin.engine === 'mysql'
        ? `${admin.user} over ${admin.host ? `${admin.host}:${admin.port ?? 3306}` : 'the local unix socket'}`
        : `role ${admin.user} on ${admin.socket ?? admin.host ?? 'the local socket'}`;
    throw new ScratchDatabaseError(
      `cannot create the scratch database ${name} as ${who}: ${messageOf(error)}. The drill needs a ${admin.engine === 'mysql' ? 'MariaDB/MySQL' : 'PostgreSQL'} user that may CREATE and DROP databases: set BACKOPPER_DRILL_ADMIN_URL (e.g. ${admin.engine === 'mysql' ? 'mysql://drill:<password>@localhost/' : 'postgres://drill:<password>@localhost/'}), or run the drill where ${admin.engine === 'mysql' ? 'root may log in over the unix socket' : 'the postgres role may log in over the local socket'}. The app's own database was not touched.`,
      { cause: error },
    );
  }
  return { ...admin, database: name, ...(restoreRole ? { restoreRole } : {}) };
}

/**
 * Makes, as the admin, the extensions a PostgreSQL dump creates (`pg_restore --list` names them), so a
 * restore as the scratch database's own role finds them there. Returns their names.
 */
export async function createExtensions(scratch: DbConnection, list: string): Promise<string[]> {
  const names = [...list.matchAll(/^\d+; \d+ \d+ EXTENSION - (\S+)\s*$/gm)].map((match) => match[1]!);
  for (const name of names)
    await queryDatabase(scratch, `CREATE EXTENSION IF NOT EXISTS "${name.replace(/"/g, '""')}"`);
  return names;
}

/** Drops the scratch database (never with the run's signal: it must go even when the drill is stopped). */
export async function dropScratchDatabase(admin: DbConnection, name: string): Promise<void> {
  if (!name.startsWith('bkdrill_')) throw new Error(`refusing to drop ${name}: not a drill's scratch database`);
  const force = admin.engine === 'postgres' ? ' WITH (FORCE)' : '';
  await queryDatabase(admin, `DROP DATABASE IF EXISTS ${quote(admin, name)}${force}`);
  // Its restore role, when it had one (it owned nothing else).
  if (admin.engine === 'postgres') {
    const [[exists] = []] = await queryDatabase(
      admin,
      `SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = '${name}'`,
    );
    if (exists !== '0') await queryDatabase(admin, `DROP ROLE IF EXISTS ${quote(admin, name)}`);
  }
}
