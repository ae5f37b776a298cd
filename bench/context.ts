import type { BenchPaths, Services } from './setup';

/** What every scenario gets from the CLI. */
export interface BenchContext {
  label: string;
  bytes: number;
  runs: number;
  /** Compression threads of the agent (BACKOPPER_COMPRESS_THREADS) and of pigz. */
  threads: number;
  paths: BenchPaths;
  services: Services;
  log: (line: string) => void;
}
