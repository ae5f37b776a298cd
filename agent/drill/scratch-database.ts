import { randomBytes } from 'node:crypto';
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

/** `bkdrill_<app>_<ts>_<random>`: lower-case letters, digits and `_`, within both engines' 63-character limit. */
export function scratchDatabaseName(app: string, timestamp: number): string {
  const safe = app
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  return `bkdrill_${safe}_${timestamp}_${randomBytes(3).toString('hex')}`;
}

const quote = (db: DbConnection, name: string) => (db.engine === 'mysql' ? `\`${name}\`` : `"${name}"`);

/** Creates the scratch database with `admin`; a refusal becomes ScratchDatabaseError saying how to fix it. */
export async function createScratchDatabase(admin: DbConnection, name: string): Promise<DbConnection> {
  try {
    await queryDatabase(admin, `CREATE DATABASE ${quote(admin, name)}`);
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
  return { ...admin, database: name };
}

/** Drops the scratch database (never with the run's signal: it must go even when the drill is stopped). */
export async function dropScratchDatabase(admin: DbConnection, name: string): Promise<void> {
  if (!name.startsWith('bkdrill_')) throw new Error(`refusing to drop ${name}: not a drill's scratch database`);
  const force = admin.engine === 'postgres' ? ' WITH (FORCE)' : '';
  await queryDatabase(admin, `DROP DATABASE IF EXISTS ${quote(admin, name)}${force}`);
}
