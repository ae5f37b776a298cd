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

/**
 * `mysqldump <the agent's flags> db | <compressor> > out`, the password in a 0600 option file like the
 * agent's: `gzip` (the baseline), `pigz -p N` (the peer), or none, to /dev/null (the floor).
 */
function dumpCommand(optionFile: string, db: BenchDatabase, out: string, compressor: string[]): Command {
  // A shell pipeline by definition; every value is a positional argument, never interpolated: the dump's
  // arguments come first (their count in $3), the compressor's after them.
  const flags = [...MYSQLDUMP_FLAGS, db.database];
  const script = compressor.length
    ? 'cnf=$1 out=$2 n=$3; shift 3; mysqldump --defaults-extra-file="$cnf" "${@:1:$n}" | "${@:$((n + 1))}" > "$out"'
    : 'cnf=$1 out=$2 n=$3; shift 3; mysqldump --defaults-extra-file="$cnf" "$@" > "$out"';
  return { file: 'bash', args: ['-c', script, 'bash', optionFile, out, String(flags.length), ...flags, ...compressor] };
}

/** Uploads a finished file with the agent's uploader, as its own measured process. */
export function uploadCommand(file: string, bucket: string, key: string, env: Record<string, string>): Command {
  return {
    file: process.execPath,
    args: ['--import', 'tsx', join(__dirname, '..', 'upload-file.ts'), file, bucket, key],
    env: { ...process.env, ...env },
  };
}

/**
 * MariaDB: the floor (mysqldump alone), the shell baseline (gzip) and the peer (pigz on the agent's
 * thread count) vs the agent to a local file, and the agent with its streamed S3 upload vs the baseline
 * followed by a separate upload of its file (the original's order).
 */
export async function benchMysql(context: BenchContext, db: BenchDatabase): Promise<Row[]> {
  const { paths, runs, threads } = context;
  const s3 = await context.services.s3();
  const optionFile = join(paths.root, 'bench-my.cnf');
  await writeFile(
    optionFile,
    `[client]\nuser=${db.user}\npassword="${db.password}"\nhost=${db.host}\nport=${db.port}\n`,
    { mode: 0o600 },
  );
  const uploads: Sample[] = [];
  let sqlBytes: number | undefined;
  let gzBytes = 0;
  let pigzBytes = 0;
  let agentBytes: number | undefined;
  let round = 0;
  const samples = await alternate(runs, {
    floor: () => measure(dumpCommand(optionFile, db, '/dev/null', [])),
    baseline: async () => {
      const out = join(paths.baselineDir, 'dump.sql.gz');
      const dump = await measure(dumpCommand(optionFile, db, out, ['gzip']));
      gzBytes = (await stat(out)).size;
      sqlBytes ??= await cachedSqlBytes(context, out);
      uploads.push(await measure(uploadCommand(out, s3.bucket, `baseline/${round++}.sql.gz`, s3.env)));
      await clearOutputs(paths);
      return dump;
    },
    pigz: async () => {
      const out = join(paths.baselineDir, 'dump.sql.gz');
      const dump = await measure(dumpCommand(optionFile, db, out, ['pigz', '-p', String(threads)]));
      pigzBytes = (await stat(out)).size;
      await clearOutputs(paths);
      return dump;
    },
    agentFile: async () => {
      const sample = await measure(
        agentCommand(paths, { app: WP_APP, engine: 'mysql', projectType: 'wordpress', threads }),
      );
      agentBytes = parseAgentReport(sample.stdout).steps.database?.bytes;
      await clearOutputs(paths);
      return sample;
    },
    agentS3: async () => {
      const sample = await measure(
        agentCommand(paths, { app: WP_APP, engine: 'mysql', projectType: 'wordpress', s3, threads }),
      );
      parseAgentReport(sample.stdout);
      await clearOutputs(paths);
      return sample;
    },
  });
  await rm(optionFile, { force: true });
  const original = samples.baseline.map((dump, index) => sequential(dump, uploads[index]));
  const base = samples.baseline;
  const agentFile = summarize(samples.agentFile, sqlBytes, base);
  const vsPigz = summarize(samples.agentFile, sqlBytes, samples.pigz);
  const agentS3 = summarize(samples.agentS3, sqlBytes, base);
  const s3VsFile = summarize(samples.agentS3, sqlBytes, samples.agentFile);
  const floor = summarize(samples.floor, sqlBytes, base);
  const pigz = `pigz -p ${threads}`;
  return [
    {
      case: 'MariaDB dump → .sql.gz',
      variant: 'floor: mysqldump > /dev/null',
      ...floor,
      note: `agent is ${ratio(agentFile.wallS, floor.wallS)} × the floor`,
    },
    {
      case: 'MariaDB dump → .sql.gz',
      variant: 'baseline: mysqldump | gzip > file',
      ...summarize(base, sqlBytes, base),
      note: `${mb(sqlBytes)} MB SQL → ${mb(gzBytes)} MB gz`,
    },
    {
      case: 'MariaDB dump → .sql.gz',
      variant: `peer: mysqldump | ${pigz} > file (vs baseline)`,
      ...summarize(samples.pigz, sqlBytes, base),
      note: `${mb(pigzBytes)} MB gz`,
    },
    {
      case: 'MariaDB dump → .sql.gz',
      variant: `agent database step, ${threads} thread(s) (vs baseline)`,
      ...agentFile,
      target: '≤ 0.60',
      pass: atMost(agentFile.ratio, 0.6),
      note: `${mb(agentBytes)} MB gz`,
    },
    {
      case: 'MariaDB dump → .sql.gz',
      variant: `agent database step (vs peer ${pigz})`,
      ...vsPigz,
      target: '≤ 1.05',
      pass: atMost(vsPigz.ratio, 1.05),
    },
    {
      case: 'MariaDB dump + S3',
      variant: 'agent, streamed upload (vs agent to file)',
      ...s3VsFile,
      target: '≤ 1.15',
      pass: atMost(s3VsFile.ratio, 1.15),
      note: 's3rver on loopback shares the cores',
    },
    {
      case: 'MariaDB dump + S3',
      variant: 'agent, streamed upload (vs baseline alone)',
      ...agentS3,
      target: '≤ 1.25',
      pass: atMost(agentS3.ratio, 1.25),
    },
    {
      case: 'MariaDB dump + S3',
      variant: "original's order: baseline, then upload the file",
      ...summarize(original, sqlBytes, base),
      note: `upload alone ${summarize(uploads).wallS?.toFixed(2)} s`,
    },
  ];
}

const ratio = (value: number | undefined, of: number | undefined) =>
  value === undefined || !of ? '?' : (value / of).toFixed(2);
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
