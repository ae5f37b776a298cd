/**
 * The benchmark hook: sync N apps per environment against the fakes twice (first run, then a converged
 * run) and report the AWS calls each made. Used by test/lambda/scale.test.ts and by bench scripts:
 *
 *     import { measureSyncCalls } from '../test/fakes/measure-sync';
 *     const result = await measureSyncCalls({ backend: 'scheduler', appsPerEnvironment: 2000 });
 */
import type { BackendKind } from '../../control/config';
import type { SyncSummary } from '../../control/sync/run-sync';
import { makeApps } from './app-list-api';
import { DOCUMENT_PARAMETER_PATTERNS } from '../../infra/constructs/backup-document';
import { FakeRunCommand } from './fake-run-command';
import { createSyncWorld, WORLD_NOW } from './sync-world';

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
export async function measureSyncCalls(
  options: MeasureSyncOptions,
): Promise<{ first: RunMeasurement; converged: RunMeasurement }> {
  const environments = options.environments ?? ['staging', 'acceptance', 'live'];
  const world = await createSyncWorld({
    backend: options.backend,
    environments,
    pageSize: options.pageSize ?? 100,
    throttleEvery: options.throttleEvery,
    env: { BACKOPPER_CONCURRENCY: '16' },
  });
  try {
    for (const environment of environments)
      world.api.setList(environment, makeApps(options.appsPerEnvironment ?? 2000, environment));
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

/** Invocations one night of backups causes: before placement (tag target) and after (inventory). */
export interface RunsPerNight {
  apps: number;
  servers: number;
  /** Backup schedules the sync keeps (one per app). */
  schedules: number;
  /** Every schedule fired once, SendCommand sent to the SSM fake: instances the commands reached. */
  invocationsByTag: number;
  invocationsByPlacement: number;
  /** Largest number of instances one schedule reached, with placement. */
  maxPerSchedule: number;
}

/**
 * `apps` daily apps spread over `servers` servers of one environment: sync without any inventory (every
 * schedule targets the environment tag), then with every server's `Custom:BackopperApps` report; each
 * time, every stored SendCommand request is sent to the stateful Run Command fake, which resolves its
 * targets to instances, as one night of backups would.
 */
export async function measureRunsPerNight(options: { apps?: number; servers?: number } = {}): Promise<RunsPerNight> {
  const appCount = options.apps ?? 500;
  const serverCount = options.servers ?? 10;
  const world = await createSyncWorld({
    backend: 'scheduler',
    environments: ['live'],
    pageSize: 100,
    env: { BACKOPPER_CONCURRENCY: '16' },
  });
  try {
    const apps = makeApps(appCount, 'site').map((app) => ({ ...app, frequency: 'daily' }) as Record<string, string>);
    world.api.setList('live', apps);
    const servers = Array.from({ length: serverCount }, (_, index) => `i-${String(index).padStart(17, '0')}`);
    const fireAll = () => {
      const runCommand = new FakeRunCommand({
        documents: { 'Backopper-Backup': DOCUMENT_PARAMETER_PATTERNS },
        now: () => WORLD_NOW,
      });
      for (const id of servers) runCommand.addInstance(id, { 'backopper:environment': 'live' });
      const counts = world.names().map((name) => {
        const answer = runCommand.answer('SendCommand', world.sendCommandOf(name)) as {
          Command: { TargetCount: number };
        };
        return answer.Command.TargetCount;
      });
      return { total: counts.reduce((sum, count) => sum + count, 0), max: Math.max(...counts) };
    };
    await world.sync();
    const byTag = fireAll();
    servers.forEach((id, index) =>
      world.reportApps(
        id,
        'live',
        apps.filter((_, appIndex) => appIndex % serverCount === index).map((app) => app.name as string),
      ),
    );
    const outcome = await world.sync();
    if (!outcome.ok) throw new Error(`the sync with placement failed: ${JSON.stringify(outcome.summary)}`);
    const byPlacement = fireAll();
    return {
      apps: appCount,
      servers: serverCount,
      schedules: world.names().length,
      invocationsByTag: byTag.total,
      invocationsByPlacement: byPlacement.total,
      maxPerSchedule: byPlacement.max,
    };
  } finally {
    await world.close();
  }
}
