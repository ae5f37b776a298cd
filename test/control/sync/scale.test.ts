import { describe, expect, it } from 'vitest';
import { measureSyncCalls } from '../../fakes/measure-sync';

describe.each(['scheduler', 'rules'] as const)('sync with the %s backend at scale', (backend) => {
  it('syncs 2,000 apps in each of three environments, then converges with zero writes', async () => {
    const { first, converged } = await measureSyncCalls({ backend, appsPerEnvironment: 2000, throttleEvery: 97 });
    // Printed for the closing note and the benchmark: calls per command of each run.
    console.log(
      `[${backend}] first run: ${JSON.stringify(first.calls)} writes=${first.writes} reads=${first.reads} throttled=${first.throttled} ${first.durationMs} ms`,
    );
    console.log(
      `[${backend}] converged run: ${JSON.stringify(converged.calls)} writes=${converged.writes} reads=${converged.reads} throttled=${converged.throttled} ${converged.durationMs} ms`,
    );

    expect(first.summary.ok).toBe(true);
    expect(first.summary.environments.map((e) => [e.environment, e.fetched, e.created, e.errors.length])).toEqual([
      ['staging', 2000, 2000, 0],
      ['acceptance', 2000, 2000, 0],
      ['live', 2000, 2000, 0],
    ]);
    expect(first.throttled).toBeGreaterThan(0);
    // One CreateSchedule, or one PutRule plus one PutTargets, per app; throttled attempts are retried.
    expect(first.acceptedWrites).toBe(backend === 'scheduler' ? 6000 : 12_000);
    expect(first.storedSchedules).toBe(6000);
    expect(converged.summary.ok).toBe(true);
    expect(converged.summary.environments.map((e) => e.unchanged)).toEqual([2000, 2000, 2000]);
    expect(converged.writes).toBe(0);
    expect(converged.storedSchedules).toBe(6000);
  });
});
