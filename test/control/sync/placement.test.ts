/**
 * Each app's schedule targets the server(s) that hold it, from the servers' SSM Inventory, through the
 * stateful fakes (GetInventory with its pages and filters; SendCommand resolving the stored targets).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApps } from '../../fakes/app-list-api';
import { FakeRunCommand } from '../../fakes/fake-run-command';
import { createSyncWorld, type SyncWorld, WORLD_NOW } from '../../fakes/sync-world';
import { buildPlacement, type InventoryReport } from '../../../control/placement';

const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(WORLD_NOW.getTime() - daysAgo * DAY);
const report = (instanceId: string, apps: string[], daysAgo = 0, environment = 'live'): InventoryReport => ({
  instanceId,
  capturedAt: at(daysAgo),
  rows: apps.map((app) => ({ app, environment })),
});

describe('buildPlacement', () => {
  it.each([
    {
      case: 'one server',
      reports: [report('i-b', ['shop']), report('i-a', ['blog'])],
      app: 'shop',
      expected: { kind: 'held', instanceIds: ['i-b'] },
    },
    {
      case: 'two servers: the first in sort order',
      reports: [report('i-b', ['shop']), report('i-a', ['shop'])],
      app: 'shop',
      expected: { kind: 'several', instanceIds: ['i-a'], holders: ['i-a', 'i-b'] },
    },
    { case: 'no server', reports: [report('i-a', ['blog'])], app: 'shop', expected: { kind: 'unknown' } },
    {
      case: 'a stale report is ignored',
      reports: [report('i-a', ['shop'], 4), report('i-b', ['shop'], 1)],
      app: 'shop',
      expected: { kind: 'held', instanceIds: ['i-b'] },
    },
    {
      case: "another environment's rows are ignored",
      reports: [report('i-a', ['shop'], 0, 'staging')],
      app: 'shop',
      expected: { kind: 'unknown' },
    },
  ])('$case', ({ reports, app, expected }) => {
    expect(buildPlacement({ reports, environment: 'live', now: WORLD_NOW, maxAgeDays: 3 }).placementOf(app)).toEqual(
      expected,
    );
  });

  it('says which servers were stale and whether the environment is inventoried at all', () => {
    const map = buildPlacement({
      reports: [report('i-old', ['shop'], 10), report('i-new', ['blog'])],
      environment: 'live',
      now: WORLD_NOW,
      maxAgeDays: 3,
    });
    expect([map.inventoried, map.servers, map.stale]).toEqual([true, ['i-new'], ['i-old']]);
    expect(
      buildPlacement({ reports: [report('i-old', ['shop'], 10)], environment: 'live', now: WORLD_NOW, maxAgeDays: 3 })
        .inventoried,
    ).toBe(false);
  });
});

describe('buildPlacement, with what SSM says of each server now', () => {
  const online = (...ids: string[]) => new Map(ids.map((id) => [id, { pingStatus: 'Online' }]));
  it.each([
    {
      case: 'moved app: the old server still reports it (older report), the new one too: the newest report wins',
      reports: [report('i-a', ['shop'], 2), report('i-b', ['shop'], 0.5)],
      instances: online('i-a', 'i-b'),
      expected: { kind: 'several', instanceIds: ['i-b'], holders: ['i-a', 'i-b'] },
    },
    {
      case: 'replaced server: the old id is within the inventory window but SSM no longer lists it',
      reports: [report('i-a', ['shop'], 0.2), report('i-b', ['shop'], 1)],
      instances: online('i-b'),
      expected: { kind: 'held', instanceIds: ['i-b'] },
    },
    {
      case: 'replaced server: the old id is listed but its agent is ConnectionLost',
      reports: [report('i-a', ['shop'], 0.2), report('i-b', ['shop'], 1)],
      instances: new Map([
        ['i-a', { pingStatus: 'ConnectionLost' }],
        ['i-b', { pingStatus: 'Online' }],
      ]),
      expected: { kind: 'held', instanceIds: ['i-b'] },
    },
    {
      case: 'stale copy: a first-in-sort-order server with an older report does not win',
      reports: [report('i-0', ['shop'], 1), report('i-z', ['shop'], 0)],
      instances: online('i-0', 'i-z'),
      expected: { kind: 'several', instanceIds: ['i-z'], holders: ['i-0', 'i-z'] },
    },
    {
      case: 'a clock that lies: a report dated in the future does not outrank a real newer one for ever',
      reports: [report('i-z', ['shop'], -300), report('i-a', ['shop'], 0)],
      instances: online('i-a', 'i-z'),
      expected: { kind: 'several', instanceIds: ['i-a'], holders: ['i-a', 'i-z'] },
    },
    {
      case: 'the only holder is not running: the tag, never the dead server',
      reports: [report('i-a', ['shop'], 0)],
      instances: new Map(),
      expected: { kind: 'unknown' },
    },
  ])('$case', ({ reports, instances, expected }) => {
    const map = buildPlacement({ reports, instances, environment: 'live', now: WORLD_NOW, maxAgeDays: 3 });
    expect(map.placementOf('shop')).toEqual(expected);
  });

  it('names the servers it did not target because they are not running', () => {
    const map = buildPlacement({
      reports: [report('i-gone', ['shop']), report('i-new', ['shop'])],
      instances: new Map([['i-new', { pingStatus: 'Online' }]]),
      environment: 'live',
      now: WORLD_NOW,
      maxAgeDays: 3,
    });
    expect([map.servers, map.notRunning]).toEqual([['i-new'], ['i-gone']]);
  });
});

describe.each(['scheduler', 'rules'] as const)('sync with the %s backend: placement', (backend) => {
  let world: SyncWorld;
  const name = (app: string) => `backopper-live-${app}`;

  beforeEach(async () => {
    world = await createSyncWorld({ backend, environments: ['live'] });
    world.api.setList('live', makeApps(4, 'shop'));
  });
  afterEach(async () => {
    await world.close();
  });

  it('targets the server that holds the app, the first of two (flagged), and the tag when none does (flagged)', async () => {
    world.reportApps('i-0000000000000000b', 'live', ['shop-0000', 'shop-0001']);
    world.reportApps('i-0000000000000000a', 'live', ['shop-0001', 'shop-0002']);
    const outcome = await world.sync();
    expect(outcome.ok).toBe(true);
    expect(world.targetsOf(name('shop-0000'))).toEqual([{ Key: 'InstanceIds', Values: ['i-0000000000000000b'] }]);
    expect(world.targetsOf(name('shop-0001'))).toEqual([{ Key: 'InstanceIds', Values: ['i-0000000000000000a'] }]);
    expect(world.targetsOf(name('shop-0003'))).toEqual([{ Key: 'tag:backopper:environment', Values: ['live'] }]);
    expect(outcome.summary.environments[0]?.placement).toEqual({
      targeted: 3,
      fallback: 1,
      onSeveralServers: [
        {
          app: 'shop-0001',
          instanceId: 'i-0000000000000000a',
          holders: ['i-0000000000000000a', 'i-0000000000000000b'],
        },
      ],
      onNoServer: ['shop-0003'],
      staleServers: [],
    });
    expect(world.logs.some((log) => log.level === 'warn' && log.message.startsWith('app on several servers'))).toBe(
      true,
    );
  });

  it('moves the schedule to the new server on the next sync (a drift in the target), and leaves it alone after', async () => {
    world.reportApps('i-0000000000000000a', 'live', ['shop-0000']);
    await world.sync();
    world.reportApps('i-0000000000000000a', 'live', []);
    world.reportApps('i-0000000000000000c', 'live', ['shop-0000']);
    const moved = await world.sync();
    expect(moved.summary.environments[0]?.updated).toBe(1);
    expect(world.targetsOf(name('shop-0000'))).toEqual([{ Key: 'InstanceIds', Values: ['i-0000000000000000c'] }]);
    world.resetCounts();
    const again = await world.sync();
    expect([again.summary.environments[0]?.updated, world.writes()]).toEqual([0, 0]);
  });

  it('falls back to the tag for a server whose report is older than BACKOPPER_INVENTORY_MAX_AGE_DAYS', async () => {
    world.reportApps('i-0000000000000000a', 'live', ['shop-0000'], at(2));
    await world.sync({ env: { BACKOPPER_INVENTORY_MAX_AGE_DAYS: '3' } });
    expect(world.targetsOf(name('shop-0000'))?.[0]?.Key).toBe('InstanceIds');
    const outcome = await world.sync({ env: { BACKOPPER_INVENTORY_MAX_AGE_DAYS: '1' } });
    expect(world.targetsOf(name('shop-0000'))?.[0]?.Key).toBe('tag:backopper:environment');
    expect(outcome.summary.environments[0]?.placement?.staleServers).toEqual(['i-0000000000000000a']);
  });

  it('never targets a replaced server SendCommand would refuse, and targets its successor', async () => {
    world.reportApps('i-0000000000000000a', 'live', ['shop-0000'], at(0.1));
    world.reportApps('i-0000000000000000b', 'live', ['shop-0000'], at(1));
    // i-...a was terminated and deregistered: SSM no longer lists it, though its report is in the window.
    world.ssm.managed.delete('i-0000000000000000a');
    const outcome = await world.sync();
    expect(world.targetsOf(name('shop-0000'))).toEqual([{ Key: 'InstanceIds', Values: ['i-0000000000000000b'] }]);
    expect(outcome.summary.environments[0]?.placement).toMatchObject({
      onSeveralServers: [],
      notRunning: ['i-0000000000000000a'],
    });
  });

  it('moves a moved app to the server with the newest report, flagging the stale copy left behind', async () => {
    world.reportApps('i-0000000000000000a', 'live', ['shop-0000'], at(1));
    world.reportApps('i-0000000000000000b', 'live', ['shop-0000'], at(0.1));
    const outcome = await world.sync();
    expect(world.targetsOf(name('shop-0000'))).toEqual([{ Key: 'InstanceIds', Values: ['i-0000000000000000b'] }]);
    expect(outcome.summary.environments[0]?.placement?.onSeveralServers).toEqual([
      { app: 'shop-0000', instanceId: 'i-0000000000000000b', holders: ['i-0000000000000000a', 'i-0000000000000000b'] },
    ]);
  });

  it('reads every page of the inventory (50 servers a page) and finds an app on the last one', async () => {
    for (let index = 0; index < 120; index += 1)
      world.reportApps(
        `i-${String(index).padStart(17, '0')}`,
        'live',
        index === 119 ? ['shop-0002'] : [`other-${index}`],
      );
    world.reportApps('i-zzzzzzzzzzzzzzzzz', 'staging', ['shop-0003']);
    world.resetCounts();
    await world.sync();
    expect(world.ssm.calls.counts.GetInventory).toBe(3);
    expect(world.targetsOf(name('shop-0002'))).toEqual([
      { Key: 'InstanceIds', Values: [`i-${'119'.padStart(17, '0')}`] },
    ]);
    expect(world.targetsOf(name('shop-0003'))?.[0]?.Key).toBe('tag:backopper:environment');
  });

  it('targets the tag for every app, and still syncs, when the inventory cannot be read', async () => {
    world.reportApps('i-0000000000000000a', 'live', ['shop-0000']);
    const answer = world.ssm.answer.bind(world.ssm);
    world.ssm.answer = (command, input) => {
      if (command === 'GetInventory')
        throw Object.assign(new Error('User is not authorized to perform: ssm:GetInventory'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        });
      return answer(command, input);
    };
    const outcome = await world.sync();
    expect(outcome.ok).toBe(true);
    expect(world.targetsOf(name('shop-0000'))?.[0]?.Key).toBe('tag:backopper:environment');
    expect(outcome.summary.environments[0]?.placement?.error).toContain('ssm:GetInventory');
  });
});

describe('the stored SendCommand, sent', () => {
  it('runs once per app on its server with explicit MaxConcurrency and MaxErrors; the fallback reaches every server', async () => {
    const world = await createSyncWorld({ backend: 'scheduler', environments: ['live'] });
    try {
      world.api.setList('live', makeApps(2, 'shop'));
      world.reportApps('i-0000000000000000a', 'live', ['shop-0000']);
      await world.sync();
      const ssm = new FakeRunCommand({ documents: { 'Backopper-Backup': {} }, now: () => WORLD_NOW });
      for (const id of ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'])
        ssm.addInstance(id, { 'backopper:environment': 'live' });
      const invocations = (app: string) => {
        const request = { ...world.sendCommandOf(`backopper-live-${app}`), Parameters: {} };
        expect(request).toMatchObject({ MaxConcurrency: '100%', MaxErrors: '100%' });
        return (ssm.answer('SendCommand', request) as { Command: { TargetCount: number } }).Command.TargetCount;
      };
      expect([invocations('shop-0000'), invocations('shop-0001')]).toEqual([1, 3]);
    } finally {
      await world.close();
    }
  });
});
