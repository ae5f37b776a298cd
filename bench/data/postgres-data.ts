import { exec } from '../exec';
import { Random } from './content';
import { BENCH_PASSWORD, BENCH_USER, type BenchDatabase, GENERATOR_VERSION } from './bench-database';
import { TABLES, tableText } from './tables';

const USER = BENCH_USER;
const PASSWORD = BENCH_PASSWORD;

/** psql as the `postgres` superuser over the local socket (peer or trust authentication). */
const psqlSuper = (sql: string, database = 'postgres') =>
  exec('runuser', ['-u', 'postgres', '--', 'psql', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql]);

/** psql as the benchmark role over TCP with its password, the way the agent connects. */
function psqlBench(sql: string, database: string, input?: Iterable<string>): Promise<string> {
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    '5432',
    '-U',
    USER,
    '-d',
    database,
    '-v',
    'ON_ERROR_STOP=1',
    '-qAt',
    '-c',
    sql,
  ];
  return exec('psql', args, { input, env: { ...process.env, PGPASSWORD: PASSWORD } });
}

/**
 * The cached PostgreSQL database for `label` on the machine's cluster (127.0.0.1:5432), owned by a
 * password-authenticated role: created and loaded with COPY unless it already holds `bytes`.
 */
export async function ensurePostgresDatabase(
  label: string,
  bytes: number,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  const database = `backopper_bench_${label}`;
  const db = { database, user: USER, password: PASSWORD, host: '127.0.0.1', port: 5432 };
  const stamp = `${GENERATOR_VERSION}:${bytes}`;
  await psqlSuper(
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${USER}') THEN CREATE ROLE ${USER} LOGIN PASSWORD '${PASSWORD}'; END IF; END $$`,
  );
  const existing = await psqlSuper(`SELECT v FROM bench_meta WHERE k = 'stamp'`, database).catch(() => '');
  if (existing.trim() === stamp) return db;

  log(`generating PostgreSQL database ${database} (about ${label} of SQL)...`);
  await psqlSuper(`DROP DATABASE IF EXISTS ${database}`);
  await psqlSuper(`CREATE DATABASE ${database} OWNER ${USER} ENCODING 'UTF8' TEMPLATE template0`);
  for (const [index, table] of TABLES.entries()) {
    await psqlBench(table.postgres, database);
    // COPY FROM STDIN fed from the generator; the same rows as MariaDB's (same seeds).
    await psqlBench(
      `COPY ${table.name} (${table.columns.join(', ')}) FROM STDIN`,
      database,
      tableText(table, bytes, 'bytea', new Random(index + 1)),
    );
  }
  await psqlBench('VACUUM ANALYZE', database);
  await psqlBench(
    `CREATE TABLE bench_meta (k text PRIMARY KEY, v text); INSERT INTO bench_meta VALUES ('stamp', '${stamp}')`,
    database,
  );
  return db;
}
