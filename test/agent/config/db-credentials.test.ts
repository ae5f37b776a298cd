import { describe, expect, it } from 'vitest';
import { DbCredentialsError, resolveDbConnection } from '../../../agent/config/db-credentials';

describe('resolveDbConnection maps .env keys to a connection', () => {
  it.each([
    [
      'Laravel keys',
      {
        DB_CONNECTION: 'mysql',
        DB_HOST: '10.0.0.5',
        DB_PORT: '3307',
        DB_DATABASE: 'shop',
        DB_USERNAME: 'shop',
        DB_PASSWORD: 'pw',
      },
      'mysql',
      { engine: 'mysql', database: 'shop', user: 'shop', password: 'pw', host: '10.0.0.5', port: 3307 },
    ],
    [
      'Laravel pgsql',
      { DB_CONNECTION: 'pgsql', DB_DATABASE: 'crm', DB_USERNAME: 'crm' },
      'postgres',
      { engine: 'postgres', database: 'crm', user: 'crm', password: '' },
    ],
    [
      'Laravel socket',
      { DB_DATABASE: 'a', DB_USERNAME: 'b', DB_SOCKET: '/run/mysqld/mysqld.sock' },
      'mysql',
      { engine: 'mysql', database: 'a', user: 'b', password: '', socket: '/run/mysqld/mysqld.sock' },
    ],
    [
      'WordPress keys with host:port',
      { DB_NAME: 'wp', DB_USER: 'wpu', DB_PASSWORD: 'x', DB_HOST: 'db.internal:3310' },
      'mysql',
      { engine: 'mysql', database: 'wp', user: 'wpu', password: 'x', host: 'db.internal', port: 3310 },
    ],
    [
      'WordPress host:/socket',
      { DB_NAME: 'wp', DB_USER: 'u', DB_HOST: 'localhost:/var/run/mysqld/mysqld.sock' },
      'mysql',
      {
        engine: 'mysql',
        database: 'wp',
        user: 'u',
        password: '',
        host: 'localhost',
        socket: '/var/run/mysqld/mysqld.sock',
      },
    ],
    [
      'bracketed IPv6 host with port',
      { DB_NAME: 'wp', DB_USER: 'u', DB_HOST: '[::1]:3306' },
      'mysql',
      { engine: 'mysql', database: 'wp', user: 'u', password: '', host: '::1', port: 3306 },
    ],
    [
      'DATABASE_URL wins over DB_* (Bedrock)',
      { DATABASE_URL: 'mysql://wp%40x:p%3Ass@db:3306/wp_live', DB_NAME: 'ignored', DB_USER: 'ignored' },
      'mysql',
      { engine: 'mysql', database: 'wp_live', user: 'wp@x', password: 'p:ss', host: 'db', port: 3306 },
    ],
    [
      'postgresql:// URL',
      { DATABASE_URL: 'postgresql://app:secret@127.0.0.1/appdb' },
      'postgres',
      { engine: 'postgres', database: 'appdb', user: 'app', password: 'secret', host: '127.0.0.1' },
    ],
    [
      'mariadb connection name',
      { DB_CONNECTION: 'mariadb', DB_DATABASE: 'd', DB_USERNAME: 'u' },
      'mysql',
      { engine: 'mysql', database: 'd', user: 'u', password: '' },
    ],
  ] as const)('%s', (_name, env, engine, expected) => {
    expect(resolveDbConnection({ ...env }, engine, '/app/.env')).toEqual(expected);
  });

  it.each([
    ['no database name', { DB_USER: 'u' }, 'mysql', '/app/.env: none of DB_DATABASE, DB_NAME is set'],
    ['no user', { DB_NAME: 'd' }, 'mysql', '/app/.env: none of DB_USERNAME, DB_USER is set'],
    [
      'an engine other than the app list says',
      { DB_CONNECTION: 'pgsql', DB_DATABASE: 'd', DB_USERNAME: 'u' },
      'mysql',
      '/app/.env: DB_CONNECTION names a postgres database but the app list says mysql',
    ],
    [
      'an unknown DB_CONNECTION',
      { DB_CONNECTION: 'sqlite', DB_DATABASE: 'd', DB_USERNAME: 'u' },
      'mysql',
      '/app/.env: DB_CONNECTION "sqlite" is not mysql, mariadb or pgsql',
    ],
    [
      'a bad port',
      { DB_NAME: 'd', DB_USER: 'u', DB_HOST: 'db:99999' },
      'mysql',
      '/app/.env: DB_HOST "99999" is not a port number',
    ],
    [
      'a DATABASE_URL that is not a URL',
      { DATABASE_URL: 'not a url' },
      'mysql',
      '/app/.env: DATABASE_URL is not a URL',
    ],
    [
      'a DATABASE_URL of another scheme',
      { DATABASE_URL: 'sqlite://x/y' },
      'mysql',
      '/app/.env: DATABASE_URL scheme "sqlite:" is not mysql or postgres',
    ],
  ] as const)('rejects %s with a message naming the file and key', (_name, env, engine, message) => {
    expect(() => resolveDbConnection({ ...env }, engine, '/app/.env')).toThrow(new DbCredentialsError(message));
  });
});

describe('resolveDbConnection refuses settings that still hold an unresolved ${NAME}', () => {
  it.each([
    ['DB_HOST', { DB_HOST: '${X}', DB_NAME: 'd', DB_USER: 'u' }, { DB_HOST: ['X'] }, 'DB_HOST refers to ${X}'],
    [
      'DB_PASSWORD',
      { DB_PASSWORD: 'a${SECRET}b', DB_NAME: 'd', DB_USER: 'u' },
      { DB_PASSWORD: ['SECRET'] },
      'DB_PASSWORD refers to ${SECRET}',
    ],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://u:p@${H}/d' }, { DATABASE_URL: ['H'] }, 'DATABASE_URL refers to ${H}'],
    [
      'two names in DB_NAME',
      { DB_NAME: '${A}_${B}', DB_USER: 'u' },
      { DB_NAME: ['B', 'A'] },
      'DB_NAME refers to ${B}, ${A}',
    ],
  ])('%s', (_name, env, unresolved, message) => {
    expect(() => resolveDbConnection(env, 'mysql', '/app/.env', unresolved)).toThrow(
      new DbCredentialsError(
        `/app/.env: ${message}, defined nowhere in the file (it may come from the PHP runtime's environment, which the agent cannot see: set it in the .env)`,
      ),
    );
  });

  it('ignores unresolved references in settings the mapping does not use', () => {
    const env = { DATABASE_URL: 'mysql://u:p@db/d', DB_NAME: '${OLD}' };
    expect(resolveDbConnection(env, 'mysql', '/app/.env', { DB_NAME: ['OLD'] })).toMatchObject({
      database: 'd',
      host: 'db',
    });
  });

  it('takes a literal ${NAME} that is not a reference (single quotes) as it is', () => {
    expect(
      resolveDbConnection({ DB_NAME: 'd', DB_USER: 'u', DB_PASSWORD: 'pa${x}ss' }, 'mysql', '/app/.env', {}),
    ).toMatchObject({ password: 'pa${x}ss' });
  });
});
