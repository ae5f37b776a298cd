import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCompressThreads } from '../../agent/config/config';
import type { BenchContext } from '../context';
import type { BenchDatabase } from '../data/bench-database';
import { exec } from '../exec';
import { measure } from '../measure';
import { WP_APP, agentCommand, clearOutputs, parseAgentReport } from '../setup';
import { type Row, atLeast } from '../table';

/** Queries per mysqlslap batch: a fraction of a second each, so a batch never outlasts the backup by much. */
const BATCH_QUERIES = 2000;
/** Clients at once: the site's PHP workers. */
const CONCURRENCY = 2;
/** What a WordPress page asks most: posts by primary key (from the buffer pool, CPU-bound like a busy site). */
const QUERY = 'SELECT ID, post_title, post_name, post_date FROM wp_posts WHERE ID IN (11, 222, 333, 4444, 5555)';

/** Queries answered and mysqlslap's own seconds for them. */
interface Throughput {
  queries: number;
  seconds: number;
}

/** Runs mysqlslap batches back to back until `stop()` says so; returns the queries and the time they took. */
async function loadWhile(optionFile: string, db: BenchDatabase, stop: () => boolean): Promise<Throughput> {
  const total: Throughput = { queries: 0, seconds: 0 };
  do {
    const out = await exec('mysqlslap', [
      `--defaults-extra-file=${optionFile}`,
      `--create-schema=${db.database}`,
      `--query=${QUERY}`,
      `--concurrency=${CONCURRENCY}`,
      `--number-of-queries=${BATCH_QUERIES}`,
      '--iterations=1',
    ]);
    const seconds = Number(/Average number of seconds to run all queries: ([\d.]+)/.exec(out)?.[1]);
    if (!(seconds > 0)) throw new Error(`mysqlslap printed no timing: ${out.slice(0, 500)}`);
    total.queries += BATCH_QUERIES;
    total.seconds += seconds;
  } while (!stop());
  return total;
}

/**
 * The site's throughput (mysqlslap against the same MariaDB) alone, during a backup at the default
 * settings (BACKOPPER_PRIORITY low, half the cores for compression), and during one at normal priority
 * on every core, alternating. The backup is the MariaDB dump to a file.
 */
export async function benchLoad(context: BenchContext, db: BenchDatabase): Promise<Row[]> {
  const { paths, runs } = context;
  const optionFile = join(paths.root, 'bench-slap.cnf');
  await writeFile(
    optionFile,
    `[client]\nuser=${db.user}\npassword="${db.password}"\nhost=${db.host}\nport=${db.port}\n`,
    { mode: 0o600 },
  );
  const results = { alone: [] as number[], low: [] as number[], normal: [] as number[] };
  let backupS = 10;
  const during = async (priority: 'low' | 'normal', threads: number) => {
    let done = false;
    const backup = measure(
      agentCommand(paths, { app: WP_APP, engine: 'mysql', projectType: 'wordpress', threads, priority }),
    ).finally(() => (done = true));
    const [load, sample] = await Promise.all([loadWhile(optionFile, db, () => done), backup]);
    parseAgentReport(sample.stdout);
    backupS = sample.wallS;
    await clearOutputs(paths);
    return load.queries / load.seconds;
  };
  try {
    for (let run = 0; run < runs; run += 1) {
      results.low.push(await during('low', defaultCompressThreads()));
      const until = performance.now() + backupS * 1000;
      const alone = await loadWhile(optionFile, db, () => performance.now() >= until);
      results.alone.push(alone.queries / alone.seconds);
      results.normal.push(await during('normal', context.threads));
    }
  } finally {
    await rm(optionFile, { force: true });
  }
  const med = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const alone = med(results.alone);
  const row = (variant: string, values: number[], target?: number): Row => {
    const ratio = med(values) / alone;
    return {
      case: 'site throughput (mysqlslap)',
      variant,
      runs: values.length,
      ratio: values === results.alone ? undefined : ratio,
      target: target === undefined ? undefined : `≥ ${target.toFixed(2)}`,
      pass: target === undefined ? undefined : atLeast(ratio, target),
      note: `${med(values).toFixed(0)} queries/s (${values.map((value) => value.toFixed(0)).join(', ')})`,
    };
  };
  return [
    row(`no backup (${CONCURRENCY} clients, primary-key reads)`, results.alone),
    row(`during a backup, default: priority low, ${defaultCompressThreads()} thread(s)`, results.low, 0.9),
    row(`during a backup, priority normal, ${context.threads} thread(s)`, results.normal),
  ];
}
