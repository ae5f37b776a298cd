import { afterEach, describe, expect, it } from 'vitest';
import { AWS_RETRY } from '../../../control/aws-clients';
import { makeApps } from '../../fakes/app-list-api';
import { withoutBackoffWaits } from '../../fakes/instant-backoff';
import { createSyncWorld, type SyncWorld } from '../../fakes/sync-world';

// The fakes answer inside the SDK's middleware stack, so the sync's calls go through the clients its
// handler makes (createAwsClient), with the SDK's retry and paginators: every attempt is counted.
describe.each([
  ['scheduler', 'CreateSchedule'],
  ['rules', 'PutRule'],
] as const)('the sync with the %s backend, through the SDK retry and paginators', (backend, write) => {
  let world: SyncWorld;
  afterEach(async () => {
    await world?.close();
  });

  it(`makes exactly maxAttempts attempts of a ${write} throttled every time, then reports ThrottlingException`, async () => {
    withoutBackoffWaits();
    world = await createSyncWorld({ backend, environments: ['live'] });
    world.api.setList('live', makeApps(2, 'shop'));
    const calls = backend === 'scheduler' ? world.scheduler.calls : world.eventBridge.calls;
    (backend === 'scheduler' ? world.scheduler : world.eventBridge).throttle.always.add(write);
    const outcome = await world.sync();
    expect(outcome.ok).toBe(false);
    const live = outcome.summary.environments[0];
    expect(live).toMatchObject({ status: 'failed', created: 0 });
    expect(live?.errors).toEqual([
      'ScheduleWriteError: create backopper-live-shop-0000: ThrottlingException: Rate exceeded',
      'ScheduleWriteError: create backopper-live-shop-0001: ThrottlingException: Rate exceeded',
    ]);
    // One logical write per app, each AWS_RETRY.maxAttempts requests: no second retry loop around the SDK's.
    expect(calls.counts[write]).toBe(2 * AWS_RETRY.maxAttempts);
    expect(calls.throttledCounts[write]).toBe(2 * AWS_RETRY.maxAttempts);
    expect(world.names()).toEqual([]);
  });

  it('follows every page of the listings (page size 2) and finds every schedule', async () => {
    world = await createSyncWorld({ backend, environments: ['live'], pageSize: 2 });
    world.api.setList('live', makeApps(9, 'shop'));
    expect((await world.sync()).ok).toBe(true);
    if (backend === 'rules') {
      // Three targets on one rule: ListTargetsByRule has two pages for it.
      world.eventBridge.edit('backopper-live-shop-0004', (stored) => {
        for (const id of ['extra-1', 'extra-2'])
          stored.targets.set(id, { Id: id, Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:x' });
      });
    }
    world.resetCounts();
    const second = await world.sync();
    expect(second.ok).toBe(true);
    if (backend === 'scheduler') {
      expect(world.counts()).toEqual({ ListSchedules: 5, GetSchedule: 9 });
      expect(second.summary.environments[0]).toMatchObject({ unchanged: 9, created: 0 });
    } else {
      expect(world.counts()).toMatchObject({ ListRules: 5, ListTargetsByRule: 10, RemoveTargets: 1 });
      expect(second.summary.environments[0]).toMatchObject({ unchanged: 8, updated: 1, created: 0 });
      expect(world.eventBridge.rule('backopper-live-shop-0004')?.targets.map((target) => target.Id)).toEqual([
        'backopper-backup',
      ]);
    }
  });
});
