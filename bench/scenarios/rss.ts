import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context';
import { measure } from '../measure';
import { BENCH_ROOT, WP_APP, agentCommand, clearOutputs, parseAgentReport } from '../setup';
import type { Row } from '../table';

/** The largest streaming configuration (MariaDB dump, gzip, hash, file and S3 upload at once), for peak RSS. */
export async function measureAgentRss(context: BenchContext): Promise<number> {
  const s3 = await context.services.s3();
  let peak = 0;
  for (let run = 0; run < context.runs; run += 1) {
    const sample = await measure(
      agentCommand(context.paths, {
        app: WP_APP,
        engine: 'mysql',
        projectType: 'wordpress',
        s3,
        threads: context.threads,
      }),
    );
    parseAgentReport(sample.stdout);
    await clearOutputs(context.paths);
    peak = Math.max(peak, sample.peakRssMiB ?? 0);
  }
  return peak;
}

/** Saved results of one size: what later invocations compare peak RSS against. */
export interface SavedResults {
  label: string;
  date: string;
  agentPeakRssMiB?: number;
  rows: Row[];
}

export const resultsFile = (label: string) => join(BENCH_ROOT, `results-${label}.json`);

const RSS_LIMIT_MIB = 150;
const SAME_RSS = 1.1;

/** The RSS rows: the ceiling at this size, and the comparison with the other sizes measured on this machine. */
export function rssRows(label: string, peakMiB: number, runs: number): Row[] {
  const rows: Row[] = [
    {
      case: 'agent peak RSS',
      variant: `largest agent process, ${label}`,
      runs,
      rssMiB: peakMiB,
      target: `≤ ${RSS_LIMIT_MIB} MiB`,
      pass: peakMiB <= RSS_LIMIT_MIB,
    },
  ];
  for (const other of ['1g', '4g']) {
    if (other === label || !existsSync(resultsFile(other))) continue;
    const saved = JSON.parse(readFileSync(resultsFile(other), 'utf8')) as SavedResults;
    if (!saved.agentPeakRssMiB) continue;
    const ratio = peakMiB / saved.agentPeakRssMiB;
    rows.push({
      case: 'agent peak RSS',
      variant: `${label} vs ${other} (${other} measured ${saved.date.slice(0, 10)})`,
      runs,
      rssMiB: peakMiB,
      ratio,
      target: `same (≤ ${SAME_RSS}×)`,
      pass: ratio <= SAME_RSS,
      note: `${other}: ${saved.agentPeakRssMiB.toFixed(0)} MiB`,
    });
  }
  return rows;
}
