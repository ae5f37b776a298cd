import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/settings/config-error';
import { type ApiBehaviour, makeApps } from '../../fakes/app-list-api';
import { createSyncWorld, type SyncWorld } from '../../fakes/sync-world';

const garbage: [string, ApiBehaviour, number][] = [
  ['HTTP 500 (retried)', { kind: 'raw', status: 500, body: 'Internal Server Error', contentType: 'text/plain' }, 2],
  ['a timeout (retried)', { kind: 'hang' }, 2],
  [
    'an HTML page with status 200',
    { kind: 'raw', status: 200, body: '<!doctype html><h1>Maintenance</h1>', contentType: 'text/html' },
    1,
  ],
  ['{} instead of an array', { kind: 'raw', status: 200, body: '{}' }, 1],
  ['truncated JSON', { kind: 'raw', status: 200, body: JSON.stringify(makeApps(5, 'stage')).slice(0, 150) }, 1],
  ['HTTP 404', { kind: 'raw', status: 404, body: '{"error":"not found"}' }, 1],
];

describe.each(['scheduler', 'rules'] as const)('sync with the %s backend: safety', (backend) => {
  let world: SyncWorld;

  beforeEach(async () => {
    world = await createSyncWorld({ backend });
    world.api.setList('staging', makeApps(6, 'stage'));
    world.api.setList('live', makeApps(4, 'shop'));
    const first = await world.sync();
    expect(first.ok).toBe(true);
    world.resetCounts();
    world.api.requests.length = 0;
  });
  afterEach(async () => {
    await world.close();
  });

  it.each(garbage)(
    'leaves an environment untouched and fails the invocation when the API answers %s',
    async (_, behaviour, requests) => {
      const before = world.names().map((name) => [name, world.expressionOf(name)]);
      world.api.setBehaviour('staging', behaviour);
      world.api.setList('live', makeApps(5, 'shop')); // live still syncs: one new app

      const outcome = await world.sync();
      expect(outcome.ok).toBe(false);
      const [staging, live] = outcome.summary.environments;
      expect(staging).toMatchObject({ status: 'unknown', created: 0, updated: 0, deleted: 0 });
      expect(live).toMatchObject({ status: 'ok', created: 1 });
      expect(world.writes()).toBe(backend === 'scheduler' ? 1 : 2); // the one live create, nothing for staging
      expect(world.names().filter((name) => name.startsWith('backopper-staging-'))).toHaveLength(6);
      expect(before.every(([name, expression]) => world.expressionOf(name as string) === expression)).toBe(true);
      expect(world.api.requests.filter((request) => request.environment === 'staging')).toHaveLength(requests);

      const logged = JSON.stringify(world.logs) + JSON.stringify(outcome.summary) + String(outcome.error);
      expect(logged).toContain(`${world.api.urlTemplate.replace('{environment}', 'staging')}`);
      expect(logged).not.toContain(world.secret);
    },
  );

  it('recovers when a retry of a 500 succeeds', async () => {
    world.api.setBehaviour('staging', {
      kind: 'sequence',
      count: 1,
      first: { kind: 'raw', status: 503, body: 'busy' },
      then: { kind: 'list', entries: makeApps(7, 'stage') },
    });
    const outcome = await world.sync();
    expect(outcome.ok).toBe(true);
    expect(outcome.summary.environments[0]).toMatchObject({ status: 'ok', created: 1, unchanged: 6 });
  });

  it('leaves every environment untouched when the secret cannot be read', async () => {
    world.ssm.parameters.clear();
    const outcome = await world.sync();
    expect(outcome.ok).toBe(false);
    expect(outcome.summary.environments.map((e) => e.status)).toEqual(['unknown', 'unknown']);
    expect(outcome.summary.environments[0]?.errors[0]).toContain('/backopper/api-secret');
    expect(world.api.requests).toHaveLength(0);
    expect(world.writes() + world.reads()).toBe(0);
  });

  it('holds the mass-delete guard when the list comes back empty', async () => {
    world.api.setList('staging', []);
    const outcome = await world.sync();
    expect(outcome.ok).toBe(false);
    expect(outcome.summary.environments[0]).toMatchObject({ status: 'failed', fetched: 0, deleted: 0 });
    expect(outcome.summary.environments[0]?.errors.join()).toContain('mass-delete guard: this run would delete 6 of 6');
    expect(world.writes()).toBe(0);
    expect(world.names().filter((name) => name.startsWith('backopper-staging-'))).toHaveLength(6);
    expect(world.logs.some((log) => log.level === 'error' && log.message.includes('mass-delete guard'))).toBe(true);
  });

  it('holds the guard above BACKOPPER_MAX_DELETE_FRACTION but deletes up to it', async () => {
    world.api.setList('staging', makeApps(6, 'stage').slice(0, 2)); // 4 of 6 would go
    expect((await world.sync()).summary.environments[0]).toMatchObject({ status: 'failed', deleted: 0 });
    world.api.setList('staging', makeApps(6, 'stage').slice(0, 3)); // 3 of 6 is exactly half
    expect((await world.sync()).summary.environments[0]).toMatchObject({ status: 'ok', deleted: 3 });
  });

  it('deletes everything only with BACKOPPER_ALLOW_MASS_DELETE=true', async () => {
    world.api.setList('staging', []);
    const outcome = await world.sync({ env: { BACKOPPER_ALLOW_MASS_DELETE: 'true' } });
    expect(outcome.ok).toBe(true);
    expect(outcome.summary.environments[0]).toMatchObject({ status: 'ok', deleted: 6 });
    expect(world.names().filter((name) => name.startsWith('backopper-staging-'))).toEqual([]);
  });

  it('never touches schedules outside its prefix and marker, and never creates over them', async () => {
    const ours = new Set(world.names());
    world.seedForeign('backopper-live-handmade'); // our prefix, no marker
    world.seedForeign('nightly-report'); // another prefix
    world.seedForeign('backopper-live-shop-0004'); // the name a new app will want
    // The marker of an environment that is no longer configured.
    world.seedForeign('backopper-live-eu-shop', 'backopper', 'managed by backopper (environment live-eu, app shop)');
    if (backend === 'scheduler') world.seedForeign('backopper-live-shop-0001', 'default'); // same name, another group
    const foreign = world.names().filter((name) => !ours.has(name));
    expect(foreign).toHaveLength(4);
    const snapshot = () =>
      JSON.stringify([
        foreign.map((name) => world.expressionOf(name)),
        world.scheduler.schedule('backopper-live-shop-0001', 'default'),
      ]);
    const before = snapshot();
    world.api.setList('live', makeApps(5, 'shop'));

    const outcome = await world.sync();
    expect(outcome.ok).toBe(false); // the name conflict is reported
    const live = outcome.summary.environments[1];
    expect(live).toMatchObject({ status: 'failed', created: 0, deleted: 0, unchanged: 4 });
    expect(live?.errors.join()).toContain(
      'backopper-live-shop-0004: name taken by a schedule without the backopper marker',
    );
    expect(world.expressionOf('backopper-live-shop-0004')).toBe('cron(0 3 * * ? *)');
    expect(snapshot()).toBe(before);
    expect(world.names()).toEqual(expect.arrayContaining(foreign));
  });

  it('fails at start, naming the variable, when the configuration is wrong', async () => {
    await expect(world.sync({ env: { BACKOPPER_ENVIRONMENTS: '{"name":"live"}' } })).rejects.toThrow(ConfigError);
    await expect(world.sync({ env: { BACKOPPER_ENVIRONMENTS: '{"name":"live"}' } })).rejects.toThrow(
      /^BACKOPPER_ENVIRONMENTS: /,
    );
    await expect(world.sync({ env: { BACKOPPER_SCHEDULE_ROLE_ARN: '' } })).rejects.toThrow(
      /BACKOPPER_SCHEDULE_ROLE_ARN: is required/,
    );
    expect(world.writes() + world.reads()).toBe(0);
  });
});
