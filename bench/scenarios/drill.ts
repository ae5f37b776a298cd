import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_BUNDLE, agentEnv } from '../../test/services/agent';
import type { BenchContext } from '../context';
import type { BenchDatabase } from '../data/bench-database';
import { exec } from '../exec';
import { type Command, type Sample, alternate, measure, median } from '../measure';
import { LARAVEL_APP, WP_APP, agentCommand, clearOutputs, parseAgentReport } from '../setup';
import { atMost, type Row } from '../table';
import { summarize } from './samples';

/** The by-hand restores' own scratch databases: named like the drill's, so a left-over one is recognisable. */
const scratchName = () => `bkbench_drill_${randomBytes(4).toString('hex')}`;

/** The local admin connections the drill uses by default (root over MariaDB's socket, `postgres` over PostgreSQL's). */
const PG_SOCKET = ['--host=/var/run/postgresql', '--username=postgres', '--no-password'];

/**
 * By hand, from a dump file already on disk: create a database, restore into it (`gunzip -c | mysql`,
 * `pg_restore` with the agent's flags). The scratch database is dropped after the measured command.
 */
function byHandCommand(engine: 'mysql' | 'postgres', dump: string, database: string): Command {
  if (engine === 'mysql')
    return {
      file: 'bash',
      args: [
        '-c',
        'set -o pipefail; mysql -uroot -e "CREATE DATABASE \\`$1\\`" && gunzip -c "$2" | mysql -uroot --default-character-set=utf8mb4 --max-allowed-packet=1G "$1"',
        'bash',
        database,
        dump,
      ],
    };
  return {
    file: 'bash',
    args: [
      '-c',
      'db=$1 dump=$2; shift 2; createdb "$@" "$db" && pg_restore "$@" --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$db" "$dump"',
      'bash',
      database,
      dump,
      ...PG_SOCKET,
    ],
  };
}

async function dropDatabase(engine: 'mysql' | 'postgres', database: string): Promise<void> {
  if (engine === 'mysql') await exec('mysql', ['-uroot', '-e', `DROP DATABASE IF EXISTS \`${database}\``]);
  else await exec('dropdb', [...PG_SOCKET, '--if-exists', database]);
}

interface DrillReportFields {
  status: string;
  restoreSeconds?: number;
  bytes?: number;
  rows?: number;
  differences?: string[];
  error?: string;
}

/** The agent's drill report (its last stdout line); throws unless the drill passed. */
function parseDrillReport(stdout: string): DrillReportFields {
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as DrillReportFields;
  if (report.status !== 'passed') throw new Error(`the drill did not pass: ${JSON.stringify(report)}`);
  return report;
}

/**
 * Restore drills at the bench's size: the agent backs each database up to the bench's S3 once (not
 * measured), then `backopper-agent drill --key <that dump>` (download, sha256 against its `.sha256`,
 * scratch database, restore, manifest comparison, drop, drill record) alternates with the same restore
 * by hand from the local copy of the dump. The drill's own restoreSeconds (the restore alone) is shown too.
 */
export async function benchDrill(
  context: BenchContext,
  dbs: { mysql?: BenchDatabase; postgres?: BenchDatabase },
): Promise<Row[]> {
  const { paths, runs, threads } = context;
  const s3 = await context.services.s3();
  const rows: Row[] = [];
  const engines = [
    ...(dbs.mysql
      ? [{ engine: 'mysql' as const, app: WP_APP, projectType: 'wordpress' as const, label: 'MariaDB' }]
      : []),
    ...(dbs.postgres
      ? [{ engine: 'postgres' as const, app: LARAVEL_APP, projectType: 'laravel' as const, label: 'PostgreSQL' }]
      : []),
  ];
  for (const { engine, app, projectType, label } of engines) {
    const backup = parseAgentReport(
      (await measure(agentCommand(paths, { app, engine, projectType, s3, threads }))).stdout,
    );
    const key = backup.steps.upload?.key;
    const local = backup.steps.database?.path;
    if (!key || !local)
      throw new Error(`the ${label} backup reported no S3 key or local path: ${JSON.stringify(backup)}`);
    // The by-hand restores read their own copy: the drill never sees the local dump.
    const dumpDir = join(paths.root, 'drill-dump');
    await mkdir(dumpDir, { recursive: true });
    const dump = join(dumpDir, local.slice(local.lastIndexOf('/') + 1));
    await copyFile(local, dump);
    await clearOutputs(paths);
    const drillCommand: Command = {
      file: process.execPath,
      args: [AGENT_BUNDLE, 'drill', '--app', app, '--environment', 'bench', '--key', key],
      env: agentEnv({
        ...s3.env,
        BACKOPPER_BUCKET: s3.bucket,
        BACKOPPER_TMP_DIR: paths.tmpDir,
        TMPDIR: paths.osTmp,
        BACKOPPER_PRIORITY: 'normal',
      }),
    };
    const reports: DrillReportFields[] = [];
    const samples = await alternate(runs, {
      byHand: async (): Promise<Sample> => {
        const database = scratchName();
        try {
          return await measure(byHandCommand(engine, dump, database));
        } finally {
          await dropDatabase(engine, database);
        }
      },
      drill: async () => {
        const sample = await measure(drillCommand);
        reports.push(parseDrillReport(sample.stdout));
        return sample;
      },
    });
    const restoreSeconds = median(reports.map((report) => report.restoreSeconds ?? NaN));
    const byHandWall = median(samples.byHand.map((sample) => sample.wallS));
    const drill = summarize(samples.drill, reports[0]?.bytes, samples.byHand);
    const byHandText =
      engine === 'mysql' ? 'CREATE DATABASE; gunzip -c dump | mysql' : 'createdb; pg_restore (the agent flags)';
    rows.push(
      {
        case: `${label} restore drill`,
        variant: `by hand: ${byHandText}`,
        ...summarize(samples.byHand, reports[0]?.bytes, samples.byHand),
        note: `${((reports[0]?.bytes ?? 0) / 1e6).toFixed(0)} MB dump, ${reports[0]?.rows ?? '?'} rows, from the local file`,
      },
      {
        case: `${label} restore drill`,
        variant: 'drill (the agent): download, sha256, restore, manifest (vs by hand)',
        ...drill,
        target: '≤ 1.15',
        pass: atMost(drill.ratio, 1.15),
        note: `restoreSeconds ${restoreSeconds?.toFixed(2) ?? '?'} (the restore alone: ${
          restoreSeconds && byHandWall ? (restoreSeconds / byHandWall).toFixed(2) : '?'
        } × by hand)`,
      },
    );
  }
  return rows;
}
