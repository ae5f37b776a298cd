import { createReadStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { MYSQLDUMP_FLAGS } from '../../agent';
import type { BenchContext } from '../context';
import { type BenchDatabase, GENERATOR_VERSION } from '../data/bench-database';
import { type Command, type Sample, alternate, measure } from '../measure';
import { WP_APP, agentCommand, clearOutputs, parseAgentReport } from '../setup';
import { atMost, type Row } from '../table';
import { sequential, summarize } from './samples';

/** `mysqldump <the agent's flags> db | gzip > file`, the password in a 0600 option file like the agent's. */
function baselineCommand(optionFile: string, db: BenchDatabase, out: string): Command {
  // The baseline is a shell pipeline by definition; every value is a positional argument, never interpolated.
  const script = 'cnf=$1 out=$2; shift 2; mysqldump --defaults-extra-file="$cnf" "$@" | gzip > "$out"';
  return { file: 'sh', args: ['-c', script, 'sh', optionFile, out, ...MYSQLDUMP_FLAGS, db.database] };
}

/** Uploads a finished file with the agent's uploader, as its own measured process. */
export function uploadCommand(file: string, bucket: string, key: string, env: Record<string, string>): Command {
  return { file: process.execPath, args: ['--import', 'tsx', join(__dirname, '..', 'upload-file.ts'), file, bucket, key], env: { ...process.env, ...env } };
}

/**
 * MariaDB: the shell baseline vs the agent to a local file, and the agent with its streamed S3 upload
 * vs the baseline followed by a separate upload of its file (the original's order).
 */
export async function benchMysql(context: BenchContext, db: BenchDatabase): Promise<Row[]> {
  const { paths, runs } = context;
  const s3 = await context.services.s3();
  const optionFile = join(paths.root, 'bench-my.cnf');
  await writeFile(optionFile, `[client]\nuser=${db.user}\npassword="${db.password}"\nhost=${db.host}\nport=${db.port}\n`, { mode: 0o600 });
  const uploads: Sample[] = [];
  let sqlBytes: number | undefined;
  let gzBytes = 0;
  let round = 0;
  const samples = await alternate(runs, {
    baseline: async () => {
      const out = join(paths.baselineDir, 'dump.sql.gz');
      const dump = await measure(baselineCommand(optionFile, db, out));
      gzBytes = (await stat(out)).size;
      sqlBytes ??= await cachedSqlBytes(context, out);
      uploads.push(await measure(uploadCommand(out, s3.bucket, `baseline/${round++}.sql.gz`, s3.env)));
      await clearOutputs(paths);
      return dump;
    },
    agentFile: async () => {
      const sample = await measure(agentCommand(paths, { app: WP_APP, engine: 'mysql', projectType: 'wordpress' }));
      parseAgentReport(sample.stdout);
      await clearOutputs(paths);
      return sample;
    },
    agentS3: async () => {
      const sample = await measure(agentCommand(paths, { app: WP_APP, engine: 'mysql', projectType: 'wordpress', s3 }));
      parseAgentReport(sample.stdout);
      await clearOutputs(paths);
      return sample;
    },
  });
  await rm(optionFile, { force: true });
  const original = samples.baseline.map((dump, index) => sequential(dump, uploads[index]));
  const base = samples.baseline;
  const agentFile = summarize(samples.agentFile, sqlBytes, base);
  const agentS3 = summarize(samples.agentS3, sqlBytes, base);
  const sizes = `${mb(sqlBytes)} MB SQL → ${mb(gzBytes)} MB gz`;
  return [
    { case: 'MariaDB dump → .sql.gz', variant: 'baseline: mysqldump | gzip > file', ...summarize(base, sqlBytes, base), note: sizes },
    { case: 'MariaDB dump → .sql.gz', variant: 'agent database step (to file)', ...agentFile, target: '≤ 1.10', pass: atMost(agentFile.ratio, 1.1) },
    { case: 'MariaDB dump + S3', variant: 'agent, streamed upload (vs baseline alone)', ...agentS3, target: '≤ 1.25', pass: atMost(agentS3.ratio, 1.25), note: 's3rver on loopback shares the 2 cores' },
    { case: 'MariaDB dump + S3', variant: "original's order: baseline, then upload the file", ...summarize(original, sqlBytes, base), note: `upload alone ${summarize(uploads).wallS?.toFixed(2)} s` },
  ];
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : (bytes / 1e6).toFixed(0));

/** The uncompressed size of the dump (for MB/s), counted once per generated database. */
async function cachedSqlBytes(context: BenchContext, gzFile: string): Promise<number> {
  const cache = join(context.paths.root, `.mysql-sql-bytes-${GENERATOR_VERSION}-${context.bytes}`);
  const saved = Number(await readFile(cache, 'utf8').catch(() => ''));
  if (saved > 0) return saved;
  let total = 0;
  for await (const chunk of createReadStream(gzFile).pipe(createGunzip())) total += (chunk as Buffer).length;
  await writeFile(cache, String(total));
  return total;
}
