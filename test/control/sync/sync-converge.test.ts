import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApps } from '../../fakes/app-list-api';
import { withoutBackoffWaits } from '../../fakes/instant-backoff';
import { createSyncWorld, type SyncWorld } from '../../fakes/sync-world';

describe.each(['scheduler', 'rules'] as const)('sync with the %s backend: converging', (backend) => {
  let world: SyncWorld;

  beforeEach(async () => {
    world = await createSyncWorld({ backend });
    world.api.setList('staging', makeApps(10, 'stage'));
    world.api.setList('live', makeApps(3, 'shop'));
  });
  afterEach(async () => {
    await world.close();
  });

  it('creates one schedule per app on the first run and makes zero writes on the second', async () => {
    const first = await world.sync();
    expect(first.ok).toBe(true);
    expect(first.summary.environments.map((e) => [e.environment, e.status, e.fetched, e.created])).toEqual([
      ['staging', 'ok', 10, 10],
      ['live', 'ok', 3, 3],
    ]);
    expect(world.names()).toHaveLength(13);
    expect(world.names()).toContain('backopper-staging-stage-0009');
    expect(world.parametersOf('backopper-live-shop-0001')).toEqual({
      app: 'shop-0001',
      environment: 'live',
      engine: 'postgres',
      projectType: 'wordpress',
      executionTimeout: '3600',
    });

    world.resetCounts();
    const second = await world.sync();
    expect(second.ok).toBe(true);
    expect(world.writes()).toBe(0);
    expect(world.reads()).toBeGreaterThan(0);
    expect(second.summary.environments.map((e) => [e.created, e.updated, e.deleted, e.unchanged])).toEqual([
      [0, 0, 0, 10],
      [0, 0, 0, 3],
    ]);
  });

  it('reads the secret once per invocation and sends it in the header', async () => {
    await world.sync();
    expect(world.ssm.calls.counts.GetParameter).toBe(1);
    expect(world.api.requests.map((r) => [r.environment, r.authorized])).toEqual([
      ['staging', true],
      ['live', true],
    ]);
  });

  it('lists every page: with pages of 3 and 10 apps, the converged run still writes nothing', async () => {
    await world.close();
    world = await createSyncWorld({ backend, pageSize: 3 });
    world.api.setList('staging', makeApps(10, 'stage'));
    world.api.setList('live', makeApps(3, 'shop'));
    await world.sync();
    world.resetCounts();
    const second = await world.sync();
    expect(second.ok).toBe(true);
    expect(world.writes()).toBe(0);
    expect(world.counts()[backend === 'scheduler' ? 'ListSchedules' : 'ListRules']).toBe(4 + 1);
  });

  it('repairs schedules edited by hand (time, target, state) and recreates one deleted by hand', async () => {
    await world.sync();
    const original = world.expressionOf('backopper-staging-stage-0001');
    world.editExpressionByHand('backopper-staging-stage-0001', 'cron(0 12 * * ? *)');
    world.editTargetByHand('backopper-staging-stage-0002', 'somebody-else');
    world.disableByHand('backopper-staging-stage-0003');
    expect(world.isEnabled('backopper-staging-stage-0003')).toBe(false);
    world.deleteByHand('backopper-live-shop-0002');
    expect(world.expressionOf('backopper-live-shop-0002')).toBeUndefined();

    const repair = await world.sync();
    expect(repair.ok).toBe(true);
    const [staging, live] = repair.summary.environments;
    expect([staging?.updated, staging?.unchanged, live?.created, live?.unchanged]).toEqual([3, 7, 1, 2]);
    expect(world.isEnabled('backopper-staging-stage-0003')).toBe(true);
    expect(world.expressionOf('backopper-staging-stage-0001')).toBe(original);
    expect(world.parametersOf('backopper-staging-stage-0002')?.app).toBe('stage-0002');
    expect(world.parametersOf('backopper-live-shop-0002')?.app).toBe('shop-0002');

    world.resetCounts();
    await world.sync();
    expect(world.writes()).toBe(0);
  });

  it('follows the list: a changed frequency updates, a disabled or removed app is deleted', async () => {
    const apps = makeApps(10, 'stage');
    await world.sync();
    apps[0] = { ...apps[0], frequency: 'Hourly' } as (typeof apps)[number];
    apps[1] = { ...apps[1], frequency: 'disabled' } as (typeof apps)[number];
    world.api.setList('staging', apps.slice(0, 9));

    const outcome = await world.sync();
    expect(outcome.ok).toBe(true);
    const staging = outcome.summary.environments[0];
    expect([staging?.updated, staging?.deleted, staging?.disabled, staging?.unchanged]).toEqual([1, 2, 1, 7]);
    expect(world.expressionOf('backopper-staging-stage-0000')).toMatch(/^cron\(\d+ \* \* \* \? \*\)$/);
    expect(world.expressionOf('backopper-staging-stage-0001')).toBeUndefined();
    expect(world.expressionOf('backopper-staging-stage-0009')).toBeUndefined();
  });

  it('retries throttled calls: every 4th call throttled, the sync still converges', async () => {
    withoutBackoffWaits();
    await world.close();
    world = await createSyncWorld({ backend, throttleEvery: 4 });
    world.api.setList('staging', makeApps(10, 'stage'));
    world.api.setList('live', makeApps(3, 'shop'));
    const first = await world.sync();
    expect(first.ok).toBe(true);
    expect(world.throttled()).toBeGreaterThan(0);
    expect(world.names()).toHaveLength(13);
    // The SDK retried each throttled attempt: one accepted write per change, and the throttled ones on top.
    expect(world.acceptedWrites()).toBe(backend === 'scheduler' ? 13 : 26);
    expect(world.writes()).toBeGreaterThan(world.acceptedWrites());
    world.resetCounts();
    await world.sync();
    expect(world.writes()).toBe(0);
  });

  it('plans without writing when invoked with {"dryRun": true}', async () => {
    const outcome = await world.sync({ event: { dryRun: true } });
    expect(outcome.ok).toBe(true);
    expect(outcome.summary.dryRun).toBe(true);
    expect(outcome.summary.environments.map((e) => e.created)).toEqual([10, 3]);
    expect(world.writes()).toBe(0);
    expect(world.names()).toEqual([]);
  });
});
