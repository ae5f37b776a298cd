import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exec } from '../exec';
import { BENCH_PASSWORD, BENCH_USER, type BenchDatabase, GENERATOR_VERSION } from './bench-database';
import { Random } from './content';
import { TABLES, tableText } from './tables';

const USER = BENCH_USER;
const PASSWORD = BENCH_PASSWORD;

const mysqlRoot = (sql: string, options: { database?: string } = {}) =>
  exec('mysql', [
    '-uroot',
    '--local-infile=1',
    '--default-character-set=utf8mb4',
    '--batch',
    '--skip-column-names',
    ...(options.database ? [options.database] : []),
    '-e',
    sql,
  ]);

/**
 * One LOAD DATA per table, fed from a generator through a named pipe: no temporary file, no statement
 * parsing. (The client cannot read `/dev/stdin` when stdin is Node's socket pair.)
 */
async function loadThroughFifo(
  database: string,
  table: string,
  columns: string,
  text: Iterable<string>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'backopper-bench-'));
  const fifo = join(dir, 'rows.tsv');
  try {
    await exec('mkfifo', ['-m', '600', fifo]);
    const loading = mysqlRoot(
      `SET unique_checks = 0; LOAD DATA LOCAL INFILE '${fifo}' INTO TABLE ${table} CHARACTER SET utf8mb4 ${columns}`,
      { database },
    );
    await Promise.all([pipeline(Readable.from(text), createWriteStream(fifo)), loading]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The cached MariaDB database for `label` (`backopper_bench_1g`): created and loaded unless it already holds `bytes`. */
export async function ensureMysqlDatabase(
  label: string,
  bytes: number,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  const database = `backopper_bench_${label}`;
  const db = { database, user: USER, password: PASSWORD, host: '127.0.0.1', port: 3306 };
  const stamp = `${GENERATOR_VERSION}:${bytes}`;
  const existing = await mysqlRoot(`SELECT v FROM bench_meta WHERE k = 'stamp'`, { database }).catch(() => '');
  await mysqlRoot(
    `CREATE USER IF NOT EXISTS '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'; CREATE USER IF NOT EXISTS '${USER}'@'localhost' IDENTIFIED BY '${PASSWORD}';` +
      `GRANT ALL ON \`backopper_bench\\_%\`.* TO '${USER}'@'%'; GRANT ALL ON \`backopper_bench\\_%\`.* TO '${USER}'@'localhost';`,
  );
  if (existing.trim() === stamp) return db;

  log(`generating MariaDB database ${database} (about ${label} of SQL)...`);
  await mysqlRoot(
    `DROP DATABASE IF EXISTS \`${database}\`; CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  for (const [index, table] of TABLES.entries()) {
    await mysqlRoot(table.mysql, { database });
    const columns = table.blob ? [...table.columns.slice(0, -1), '@hex'] : table.columns;
    const set = table.blob ? ` SET ${table.columns.at(-1)} = UNHEX(@hex)` : '';
    await loadThroughFifo(
      database,
      table.name,
      `(${columns.join(', ')})${set}`,
      tableText(table, bytes, 'hex', new Random(index + 1)),
    );
  }
  await mysqlRoot(
    `CREATE TABLE bench_meta (k VARCHAR(20) PRIMARY KEY, v TEXT); INSERT INTO bench_meta VALUES ('stamp', '${stamp}')`,
    { database },
  );
  return db;
}
