import { type Sample, median } from '../measure';
import type { Row } from '../table';

/** Medians of a variant's samples, as the numeric columns of a row. */
export function summarize(
  samples: readonly Sample[],
  inputBytes?: number,
  baseline?: readonly Sample[],
): Pick<Row, 'runs' | 'wallS' | 'ratio' | 'mbPerS' | 'rssMiB' | 'cpuS'> {
  const wallS = median(samples.map((sample) => sample.wallS));
  const baselineWall = baseline ? median(baseline.map((sample) => sample.wallS)) : undefined;
  const rss = samples.flatMap((sample) => (sample.peakRssMiB === undefined ? [] : [sample.peakRssMiB]));
  return {
    runs: samples.length,
    wallS,
    ratio: wallS !== undefined && baselineWall ? wallS / baselineWall : undefined,
    mbPerS: wallS && inputBytes ? inputBytes / 1e6 / wallS : undefined,
    rssMiB: rss.length ? Math.max(...rss) : undefined,
    cpuS: median(samples.flatMap((sample) => (sample.cpuS === undefined ? [] : [sample.cpuS]))),
  };
}

/** Adds two sequential samples (a dump, then its upload) into one. */
export function sequential(first: Sample, second: Sample): Sample {
  return {
    wallS: first.wallS + second.wallS,
    cpuS: first.cpuS !== undefined && second.cpuS !== undefined ? first.cpuS + second.cpuS : undefined,
    peakRssMiB: Math.max(first.peakRssMiB ?? 0, second.peakRssMiB ?? 0) || undefined,
    stdout: '',
  };
}
