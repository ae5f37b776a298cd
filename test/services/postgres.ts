import { chownSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, uniqueSuffix } from './exec';
import { freePort } from './ports';

/**
 * A private PostgreSQL cluster whose TCP connections check passwords (scram-sha-256): the machine's own
 * cluster trusts every local connection, which would let a wrong password "work". The helper itself
 * talks to it as the superuser over a private socket.
 */
export interface PostgresCluster {
  host: string;
  port: number;
  socketDir: string;
  psql(sql: string, database?: string): Promise<string>;
  /** A database owned by a new login role; `chosenPassword` replaces the awkward default. */
  createDatabase(prefix?: string, chosenPassword?: string): Promise<PostgresDatabase>;
  stop(): Promise<void>;
}

export interface PostgresDatabase {
  database: string;
  user: string;
  password: string;
  host: string;
  port: number;
}

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0)
    throw new Error('no PostgreSQL server in /usr/lib/postgresql: run scripts/prepare-machine.sh');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** initdb + start as the `postgres` user on a free loopback port; `stop()` removes it all. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'backopper-pg-'));
  const postgresUid = Number((await exec('id', ['-u', 'postgres'])).trim());
  const postgresGid = Number((await exec('id', ['-g', 'postgres'])).trim());
  chownSync(dir, postgresUid, postgresGid);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (file: string, args: string[]) =>
    exec('runuser', ['-u', 'postgres', '--', join(binDir(), file), ...args]);
  await asPostgres('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  await asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  const psql = (sql: string, database = 'postgres') =>
    exec('psql', [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-qAt',
      '-c',
      sql,
    ]);
  return {
    host: '127.0.0.1',
    port,
    socketDir: dir,
    psql,
    async createDatabase(prefix = 'bk', chosenPassword?: string) {
      const suffix = uniqueSuffix();
      const database = `${prefix}_${suffix}`;
      const user = `u_${suffix}`;
      const password = chosenPassword ?? `pg:pa\\ss'"#$${suffix}`;
      await psql(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
      await psql(`CREATE DATABASE ${database} OWNER ${user}`);
      return { database, user, password, host: '127.0.0.1', port };
    },
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A Laravel-like schema: unicode text, bytea, jsonb, a view, a plpgsql function and a trigger. */
export async function seedLaravelSchema(cluster: PostgresCluster, db: PostgresDatabase, rows = 50): Promise<void> {
  const sql = `
    SET ROLE ${db.user};
    CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, email text UNIQUE, avatar bytea, settings jsonb, created_at timestamptz DEFAULT now());
    CREATE TABLE audit_log (id bigserial PRIMARY KEY, user_id bigint, action text);
    CREATE FUNCTION log_user() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit_log (user_id, action) VALUES (NEW.id, 'insert'); RETURN NEW; END $$;
    CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION log_user();
    CREATE VIEW user_names AS SELECT id, name FROM users;
    INSERT INTO users (name, email, avatar, settings, created_at)
      SELECT 'Zoë ' || g || ' 🐘 ñ', 'user' || g || '@example.test', decode(md5(g::text), 'hex'), jsonb_build_object('theme', 'dark', 'n', g, 'tags', jsonb_build_array('ü', g)), '2024-01-01'::timestamptz + g * interval '1 minute'
      FROM generate_series(1, ${rows}) g;
    INSERT INTO users (name, email, avatar, settings) VALUES ('edge '' \\ "quote"', 'edge@example.test', '\\x00ff0d0a00'::bytea, '{}');`;
  await cluster.psql(sql, db.database);
}

/** Per table: row count and an md5 over its rows; plus views, functions and triggers. */
export async function fingerprintPostgres(cluster: PostgresCluster, database: string): Promise<Record<string, string>> {
  const tables = (await cluster.psql(`SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1`, database))
    .trim()
    .split('\n')
    .filter(Boolean);
  const print: Record<string, string> = {};
  for (const table of tables) {
    print[`table ${table}`] = (
      await cluster.psql(
        `SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') FROM ${table} t`,
        database,
      )
    ).trim();
  }
  print.views = (
    await cluster.psql(
      `SELECT string_agg(viewname, ',' ORDER BY viewname) FROM pg_views WHERE schemaname='public'`,
      database,
    )
  ).trim();
  print.functions = (
    await cluster.psql(
      `SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace='public'::regnamespace`,
      database,
    )
  ).trim();
  print.triggers = (
    await cluster.psql(
      `SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE NOT tgisinternal`,
      database,
    )
  ).trim();
  return print;
}
