/** Bump when the generated content changes, so cached databases and media are rebuilt. */
export const GENERATOR_VERSION = '2';

/** The role/user the agent and the baselines dump as (a benchmark-only account on local servers). */
export const BENCH_USER = 'backopper_bench';
export const BENCH_PASSWORD = 'bench-only-password';

/** How the agent and the baseline reach a benchmark database. */
export interface BenchDatabase {
  database: string;
  user: string;
  password: string;
  host: string;
  port: number;
}
