import { join } from 'node:path';
import type { BenchContext } from '../context';
import type { BenchDatabase } from '../data/bench-database';
import { type Command, alternate, measure } from '../measure';
import { LARAVEL_APP, agentCommand, clearOutputs, parseAgentReport } from '../setup';
import { atMost, type Row } from '../table';
import { summarize } from './samples';

/** `pg_dump --format=tar -f file`, the same connection as the agent's (password in the child's environment). */
function baselineCommand(db: BenchDatabase, out: string): Command {
  return {
    file: 'pg_dump',
    args: [
      '--format=tar',
      '--no-password',
      `--host=${db.host}`,
      `--port=${db.port}`,
      `--username=${db.user}`,
      `--dbname=${db.database}`,
      '--file',
      out,
    ],
    env: { ...process.env, PGPASSWORD: db.password },
  };
}

/** PostgreSQL: plain `pg_dump --format=tar` to a file vs the agent's database step (same format, plus hashing, checks, fsync). */
export async function benchPostgres(context: BenchContext, db: BenchDatabase): Promise<Row[]> {
  const { paths } = context;
  let tarBytes: number | undefined;
  const samples = await alternate(context.runs, {
    baseline: async () => {
      const sample = await measure(baselineCommand(db, join(paths.baselineDir, 'dump.tar')));
      await clearOutputs(paths);
      return sample;
    },
    agent: async () => {
      const sample = await measure(
        agentCommand(paths, { app: LARAVEL_APP, engine: 'postgres', projectType: 'laravel', threads: context.threads }),
      );
      tarBytes = parseAgentReport(sample.stdout).steps.database?.bytes;
      await clearOutputs(paths);
      return sample;
    },
  });
  const agent = summarize(samples.agent, tarBytes, samples.baseline);
  // The targets: fixed costs weigh more on a small dump.
  const limit = context.bytes >= 1e9 ? 1.05 : 1.15;
  return [
    {
      case: 'PostgreSQL dump → .tar',
      variant: 'baseline: pg_dump --format=tar -f file',
      ...summarize(samples.baseline, tarBytes, samples.baseline),
      note: `${((tarBytes ?? 0) / 1e6).toFixed(0)} MB tar`,
    },
    {
      case: 'PostgreSQL dump → .tar',
      variant: 'agent database step (to file)',
      ...agent,
      target: `≤ ${limit.toFixed(2)}`,
      pass: atMost(agent.ratio, limit),
      note: '1.15 at 200 MB, 1.05 from 1 GB',
    },
  ];
}
