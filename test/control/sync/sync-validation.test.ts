import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApps } from '../../fakes/app-list-api';
import { createSyncWorld, type SyncWorld } from '../../fakes/sync-world';

const valid = { frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' };
const hostile: [unknown, string][] = [
  [{ ...valid, name: '../x' }, 'app name "../x" is not a folder name'],
  [{ ...valid, name: 'a;rm -rf /' }, 'app name "a;rm -rf /" is not a folder name'],
  [{ ...valid, name: 'x'.repeat(300) }, `app name "${'x'.repeat(77)}..." is not a folder name`],
  [{ ...valid, name: 'café' }, 'app name "café" is not a folder name'],
  [{ ...valid, name: '.hidden' }, 'app name ".hidden" is not a folder name'],
  [{ ...valid, name: '$(reboot)' }, 'app name "$(reboot)" is not a folder name'],
  [{ ...valid, name: 'a\nb' }, 'app name "a\\nb" is not a folder name'],
  [{ ...valid, name: 42 }, 'app name 42 is not a folder name'],
  [{ ...valid }, 'app name nothing is not a folder name'],
  [null, 'entry 12 is not an object (got null)'],
  ['just-a-string', 'entry 13 is not an object (got string)'],
  [
    { ...valid, name: 'fortnightly-app', frequency: 'fortnightly' },
    'app "fortnightly-app": frequency "fortnightly" is not one of',
  ],
  [{ ...valid, name: 'oracle-app', db_engine: 'oracle' }, 'app "oracle-app": db engine "oracle" is not one of'],
  [
    { ...valid, name: 'typeless-app', project_type: '../../etc' },
    'app "typeless-app": project type "../../etc" is not valid',
  ],
  [
    { ...valid, name: '-rf' },
    'app name "-rf" is not a folder name (letters, digits, . _ -, not starting with "." or "-"',
  ],
];

describe.each(['scheduler', 'rules'] as const)('sync with the %s backend: validating the list', (backend) => {
  let world: SyncWorld;

  beforeEach(async () => {
    world = await createSyncWorld({ backend, environments: ['live'] });
  });
  afterEach(async () => {
    await world.close();
  });

  it('rejects hostile names and bad entries with warnings, and schedules the others', async () => {
    const good = makeApps(3, 'shop');
    world.api.setList('live', [...good, ...hostile.map(([entry]) => entry)]);
    const outcome = await world.sync();
    expect(outcome.ok).toBe(true);
    const live = outcome.summary.environments[0];
    expect(live).toMatchObject({ fetched: 3 + hostile.length, created: 3 });
    expect(live?.skipped).toHaveLength(hostile.length);
    hostile.forEach(([, reason], index) => expect(live?.skipped[index]?.reason).toContain(reason));
    const warnings = world.logs.filter((log) => log.level === 'warn' && log.message === 'app list entry skipped');
    expect(warnings).toHaveLength(hostile.length);
    expect(warnings[1]?.fields).toMatchObject({ environment: 'live', reason: expect.stringContaining('a;rm -rf /') });
    expect(world.names()).toEqual(['backopper-live-shop-0000', 'backopper-live-shop-0001', 'backopper-live-shop-0002']);
  });

  it('keeps the existing schedule of an app whose entry turns invalid, instead of deleting it', async () => {
    world.api.setList('live', makeApps(4, 'shop'));
    await world.sync();
    const before = world.expressionOf('backopper-live-shop-0001');
    const apps = makeApps(4, 'shop');
    apps[1] = { ...apps[1], frequency: 'every other tuesday' } as (typeof apps)[number];
    world.api.setList('live', apps);
    world.resetCounts();

    const outcome = await world.sync();
    expect(outcome.ok).toBe(true);
    expect(outcome.summary.environments[0]).toMatchObject({ kept: 1, deleted: 0, unchanged: 3 });
    expect(world.expressionOf('backopper-live-shop-0001')).toBe(before);
    expect(world.writes()).toBe(0);
  });

  it('keeps the first of duplicate names, warns about the others, ignores unknown fields', async () => {
    world.api.setList('live', [
      { name: 'dup', frequency: 'daily', db_engine: 'mariadb', project_type: 'WordPress', colour: 'blue' },
      { name: 'dup', frequency: 'weekly', db_engine: 'pgsql', project_type: 'laravel' },
    ]);
    const outcome = await world.sync();
    expect(outcome.summary.environments[0]?.skipped).toEqual([
      { app: 'dup', reason: 'app "dup" appears again at entry 1 (first at entry 0); the first one wins' },
    ]);
    expect(world.parametersOf('backopper-live-dup')).toMatchObject({ engine: 'mysql', projectType: 'wordpress' });
    expect(world.expressionOf('backopper-live-dup')).toMatch(/^cron\(\d+ \d+ \* \* \? \*\)$/);
  });

  it('gives an app with a 64-character name a shortened, hashed schedule name and converges', async () => {
    const long = `a-very-long-client-name-${'x'.repeat(40)}`;
    world.api.setList('live', [
      { ...valid, name: long },
      { ...valid, name: `${long.slice(0, -1)}y` },
    ]);
    const first = await world.sync();
    expect(first.summary.environments[0]).toMatchObject({ status: 'ok', created: 2 });
    const names = world.names();
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/^backopper-live-a-very-long-client-name-x+-[0-9a-f]{8}$/);
    }
    expect(world.parametersOf(names[0] as string)?.app).toHaveLength(64);
    world.resetCounts();
    await world.sync();
    expect(world.writes()).toBe(0);
  });
});
