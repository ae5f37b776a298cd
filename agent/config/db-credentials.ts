import type { DbEngine } from '../../common/app-spec';
import type { ParsedEnv } from './env-file';

/** Where and how to connect to an app's database, read from its `.env`. */
export interface DbConnection {
  engine: Exclude<DbEngine, 'none'>;
  database: string;
  user: string;
  password: string;
  host?: string;
  port?: number;
  socket?: string;
}

export class DbCredentialsError extends Error {
  override name = 'DbCredentialsError';
}

/** URL schemes and Laravel `DB_CONNECTION` names, by the engine they name. */
export const CONNECTION_ENGINES: Record<string, Exclude<DbEngine, 'none'>> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  pgsql: 'postgres',
  postgres: 'postgres',
  postgresql: 'postgres',
};

/**
 * Maps an app's `.env` values to a connection. Understands `DATABASE_URL` (Bedrock; wins when set),
 * Laravel keys (`DB_DATABASE`, `DB_USERNAME`, `DB_PASSWORD`, `DB_HOST`, `DB_PORT`, `DB_SOCKET`,
 * `DB_CONNECTION`) and WordPress/Bedrock keys (`DB_NAME`, `DB_USER`, `DB_PASSWORD`, `DB_HOST` as
 * `host`, `host:port` or `host:/path/to.sock`). `engine` is what the app list says; a `.env` that
 * names another engine is an error rather than a dump of the wrong server. So is a setting that still
 * holds a `${NAME}` defined nowhere (`unresolved`, from {@link ParsedEnv}): PHP may fill it in from
 * its own environment, the agent cannot.
 */
export function resolveDbConnection(
  env: Record<string, string>,
  engine: Exclude<DbEngine, 'none'>,
  fileName: string,
  unresolved: ParsedEnv['unresolved'] = {},
): DbConnection {
  const setting = settingReader(env, unresolved, fileName);
  const url = setting('DATABASE_URL');
  const fromUrl = url ? parseDatabaseUrl(url, fileName) : undefined;
  const connectionName = fromUrl ? undefined : setting('DB_CONNECTION');
  const declared = fromUrl?.engine ?? (connectionName ? CONNECTION_ENGINES[connectionName.toLowerCase()] : undefined);
  if (connectionName && !declared) {
    throw new DbCredentialsError(
      `${fileName}: DB_CONNECTION ${JSON.stringify(connectionName)} is not mysql, mariadb or pgsql`,
    );
  }
  if (declared && declared !== engine) {
    const key = fromUrl ? 'DATABASE_URL' : 'DB_CONNECTION';
    throw new DbCredentialsError(`${fileName}: ${key} names a ${declared} database but the app list says ${engine}`);
  }
  if (fromUrl) return { ...fromUrl, engine };

  const database = required(setting, ['DB_DATABASE', 'DB_NAME'], fileName);
  const user = required(setting, ['DB_USERNAME', 'DB_USER'], fileName);
  const password = setting('DB_PASSWORD') ?? '';
  const connection: DbConnection = {
    engine,
    database,
    user,
    password,
    ...splitHost(setting('DB_HOST') ?? '', fileName),
  };
  const port = setting('DB_PORT');
  if (port) connection.port = parsePort(port, `${fileName}: DB_PORT`);
  const socket = setting('DB_SOCKET');
  if (socket) connection.socket = socket;
  return connection;
}

type SettingReader = (key: string) => string | undefined;

/** Reads one setting, refusing one that still holds a `${NAME}` defined nowhere (never an empty or literal value). */
function settingReader(
  env: Record<string, string>,
  unresolved: ParsedEnv['unresolved'],
  fileName: string,
): SettingReader {
  return (key) => {
    if (!Object.hasOwn(env, key)) return undefined;
    const names = unresolved[key] ?? [];
    if (names.length > 0) {
      const refs = names.map((name) => `\${${name}}`).join(', ');
      throw new DbCredentialsError(
        `${fileName}: ${key} refers to ${refs}, defined nowhere in the file (it may come from the PHP runtime's environment, which the agent cannot see: set it in the .env)`,
      );
    }
    return env[key];
  };
}

function required(setting: SettingReader, keys: string[], fileName: string): string {
  for (const key of keys) {
    const value = setting(key);
    if (value) return value;
  }
  throw new DbCredentialsError(`${fileName}: none of ${keys.join(', ')} is set`);
}

/** `DB_HOST` may be `host`, `host:port`, `host:/path/to.sock`, or `[v6]:port`. */
function splitHost(value: string, fileName: string): Pick<DbConnection, 'host' | 'port' | 'socket'> {
  if (value === '') return {};
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed)
    return { host: bracketed[1], ...(bracketed[2] ? { port: parsePort(bracketed[2], `${fileName}: DB_HOST`) } : {}) };
  const colon = value.indexOf(':');
  if (colon === -1 || value.indexOf(':', colon + 1) !== -1) return { host: value };
  const host = value.slice(0, colon);
  const rest = value.slice(colon + 1);
  if (rest.startsWith('/')) return { host, socket: rest };
  return { host, port: parsePort(rest, `${fileName}: DB_HOST`) };
}

function parsePort(value: string, what: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new DbCredentialsError(`${what} ${JSON.stringify(value)} is not a port number`);
  return port;
}

function parseDatabaseUrl(value: string, fileName: string): DbConnection {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DbCredentialsError(`${fileName}: DATABASE_URL is not a URL`);
  }
  const engine = CONNECTION_ENGINES[url.protocol.replace(/:$/, '').toLowerCase()];
  if (!engine)
    throw new DbCredentialsError(
      `${fileName}: DATABASE_URL scheme ${JSON.stringify(url.protocol)} is not mysql or postgres`,
    );
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new DbCredentialsError(`${fileName}: DATABASE_URL names no database`);
  if (!url.username) throw new DbCredentialsError(`${fileName}: DATABASE_URL names no user`);
  const connection: DbConnection = {
    engine,
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    host: url.hostname.replace(/^\[|\]$/g, '') || undefined,
  };
  if (url.port) connection.port = parsePort(url.port, `${fileName}: DATABASE_URL port`);
  const socket = url.searchParams.get('socket') ?? url.searchParams.get('unix_socket');
  if (socket) connection.socket = socket;
  return connection;
}
