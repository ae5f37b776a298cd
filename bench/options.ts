/** The parts of the benchmark that `--only` can pick. */
import { availableParallelism } from 'node:os';

export const PARTS = ['mysql', 'postgres', 'drill', 'media', 'snapshots', 'sync', 'rss', 'load'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  /** Bytes of SQL per database and of media (decimal: 1g = 10^9). */
  bytes: number;
  /** The size as given, normalised (`1g`): names the cached databases and folders. */
  label: string;
  runs: number;
  only: Set<Part>;
  /** BACKOPPER_COMPRESS_THREADS of the agent runs, and pigz's -p. @default every core */
  threads: number;
}

export const DEFAULT_SIZE = '1g';
/** Alternating runs per variant by default: what fits in 10 minutes at 1 GB on the 2-core machine (see docs/performance.md). */
export const DEFAULT_RUNS = 1;

const UNITS: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

/** `200m` → 2e8, `4g` → 4e9; throws naming the value otherwise. */
export function parseSize(value: string): { bytes: number; label: string } {
  const match = /^(\d+)([kmg])$/i.exec(value.trim());
  if (!match) throw new Error(`--size ${JSON.stringify(value)} is not a size like 200m, 1g or 4g`);
  const bytes = Number(match[1]) * UNITS[match[2].toLowerCase()];
  if (bytes < 1e6) throw new Error(`--size ${value} is too small (at least 1m)`);
  return { bytes, label: `${match[1]}${match[2].toLowerCase()}` };
}

/** Parses `--size 1g --runs 3 --only mysql,media --threads 2`. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let size = DEFAULT_SIZE;
  let runs = DEFAULT_RUNS;
  let only = new Set<Part>(PARTS);
  let threads = availableParallelism();
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--size') size = value();
    else if (flag === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1`);
    } else if (flag === '--threads') {
      threads = Number(value());
      if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a whole number ≥ 1`);
    } else if (flag === '--only') {
      const parts = value()
        .split(',')
        .map((part) => part.trim());
      const unknown = parts.filter((part) => !(PARTS as readonly string[]).includes(part));
      if (unknown.length) throw new Error(`--only: unknown part ${unknown.join(', ')} (expected ${PARTS.join(', ')})`);
      only = new Set(parts as Part[]);
    } else throw new Error(`unknown option ${argv[i]} (expected --size, --runs, --only, --threads)`);
  }
  return { ...parseSize(size), runs, only, threads };
}
