/**
 * The benchmark hook: sync N apps per environment against the fakes twice (first run, then a converged
 * run) and report the AWS calls each made. Used by test/lambda/scale.test.ts and by bench scripts:
 *
 *     import { measureSyncCalls } from '../test/fakes/measure-sync';
 *     const result = await measureSyncCalls({ backend: 'scheduler', appsPerEnvironment: 2000 });
 */
import type { BackendKind } from '../../lambda/shared/config';
import type { SyncSummary } from '../../lambda/sync/run-sync';
import { makeApps } from './app-list-api';
import { createSyncWorld } from './sync-world';

/** The calls of one run. */
export interface RunMeasurement {
  /** Calls per command name (throttled attempts included). */
  calls: Record<string, number>;
  /** Calls that change state. */
  writes: number;
  /** Calls that only read. */
  reads: number;
  /** Calls answered with ThrottlingException (and retried). */
  throttled: number;
  /** Write calls the service accepted (`writes` minus throttled writes). */
  acceptedWrites: number;
  /** Schedules (or rules) in the fake's store after the run. */
  storedSchedules: number;
  /** Wall time of the run in milliseconds. */
  durationMs: number;
  summary: SyncSummary;
}

/** Options of {@link measureSyncCalls}. */
export interface MeasureSyncOptions {
  backend: BackendKind;
  /** @default 2000 */
  appsPerEnvironment?: number;
  /** @default ['staging', 'acceptance', 'live'] */
  environments?: string[];
  /** List page size of the fakes (the real services return up to 100). @default 100 */
  pageSize?: number;
  /** Throttle every n-th AWS call. @default 0 */
  throttleEvery?: number;
}

/** Runs a first and a converged sync of `appsPerEnvironment` apps in each environment. */
export async function measureSyncCalls(options: MeasureSyncOptions): Promise<{ first: RunMeasurement; converged: RunMeasurement }> {
  const environments = options.environments ?? ['staging', 'acceptance', 'live'];
  const world = await createSyncWorld({
    backend: options.backend,
    environments,
    pageSize: options.pageSize ?? 100,
    throttleEvery: options.throttleEvery,
    env: { BACKOPPER_CONCURRENCY: '16' },
  });
  try {
    for (const environment of environments) world.api.setList(environment, makeApps(options.appsPerEnvironment ?? 2000, environment));
    const measure = async (): Promise<RunMeasurement> => {
      world.resetCounts();
      const started = performance.now();
      const outcome = await world.sync();
      return {
        calls: world.counts(),
        writes: world.writes(),
        reads: world.reads(),
        throttled: world.throttled(),
        acceptedWrites: world.acceptedWrites(),
        storedSchedules: world.names().length,
        durationMs: Math.round(performance.now() - started),
        summary: outcome.summary,
      };
    };
    const first = await measure();
    const converged = await measure();
    return { first, converged };
  } finally {
    await world.close();
  }
}
