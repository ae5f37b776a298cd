import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../ops/commands/run-cli';
import { loadConfig } from '../../../control/config';
import {
  isVerifyScheduleName,
  MAX_SCHEDULE_NAME_LENGTH,
  parseManagedMarker,
  scheduleName,
  verifyMarker,
  verifyScheduleName,
} from '../../../common/schedule-name';
import { createSyncWorld, type SyncWorld } from '../../fakes/sync-world';

describe('restore-check schedule names', () => {
  it.each([
    ['live', 'shop', 'backopper-live-.verify-shop'],
    ['staging', 'a.b_c-d', 'backopper-staging-.verify-a.b_c-d'],
  ])('%s/%s is %s', (environment, app, name) => {
    expect(verifyScheduleName(environment, app)).toBe(name);
    expect(isVerifyScheduleName(environment, name)).toBe(true);
    expect(isVerifyScheduleName(environment, scheduleName(environment, app))).toBe(false);
  });

  it('stays within 64 characters, unique and distinct from every backup schedule name', () => {
    const environments = ['live', `E${'e'.repeat(31)}`];
    const apps = ['shop', 'x'.repeat(64), `${'x'.repeat(63)}y`, '-verify-shop', '_x', 'verify-shop'];
    const names = environments.flatMap((environment) =>
      apps.flatMap((app) => [scheduleName(environment, app), verifyScheduleName(environment, app)]),
    );
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(MAX_SCHEDULE_NAME_LENGTH);
    expect(names.filter((name) => name.includes('.verify-'))).toHaveLength(environments.length * apps.length);
  });

  it('carries the managed marker, so the sync manages it', () => {
    expect(parseManagedMarker(verifyMarker('live', 'shop'))).toEqual({ environment: 'live', app: 'shop' });
  });

  it('is configured by BACKOPPER_VERIFY_* variables, off by default', () => {
    const base = {
      BACKOPPER_API_URL: 'https://api.example.com/{environment}',
      BACKOPPER_API_SECRET_PARAMETER: '/s',
      BACKOPPER_ENVIRONMENTS: '["live"]',
      BACKOPPER_SCHEDULE_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
    };
    expect(loadConfig(base).verify).toBeUndefined();
    expect(
      loadConfig({ ...base, BACKOPPER_VERIFY_DOCUMENT_NAME: 'Backopper-Verify', BACKOPPER_VERIFY_DAY: 'saturday' })
        .verify,
    ).toEqual({
      documentName: 'Backopper-Verify',
      weeklyDay: 'SAT',
      window: { startMinute: 360, lengthMinutes: 120 },
      executionTimeoutSeconds: 3600,
    });
    expect(() =>
      loadConfig({ ...base, BACKOPPER_VERIFY_DOCUMENT_NAME: 'Backopper-Verify', BACKOPPER_VERIFY_WINDOW: 'mornings' }),
    ).toThrow('BACKOPPER_VERIFY_WINDOW: "mornings" is not a window like 01:00-05:00');
  });
});

describe.each(['scheduler', 'rules'] as const)('the sync with restore checks on (%s backend)', (backend) => {
  let world: SyncWorld;
  const verifyEnv = {
    BACKOPPER_VERIFY_DOCUMENT_NAME: 'Backopper-Verify',
    BACKOPPER_VERIFY_DAY: 'SAT',
    BACKOPPER_VERIFY_WINDOW: '06:00-08:00',
  };
  const apps = [
    { name: 'shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
    { name: 'crm', frequency: 'hourly', db_engine: 'postgres', project_type: 'laravel' },
    { name: 'static', frequency: 'daily', db_engine: 'none', project_type: 'wordpress' },
  ];
  afterEach(async () => {
    await world?.close();
  });

  it('adds one weekly check per app with a database, converges, and retires the checks when turned off', async () => {
    world = await createSyncWorld({ backend, environments: ['live'], env: verifyEnv });
    world.api.setList('live', apps);
    expect((await world.sync()).ok).toBe(true);
    expect(world.names().sort()).toEqual([
      'backopper-live-.verify-crm',
      'backopper-live-.verify-shop',
      'backopper-live-crm',
      'backopper-live-shop',
      'backopper-live-static',
    ]);
    expect(world.parametersOf('backopper-live-.verify-shop')).toEqual({
      app: 'shop',
      environment: 'live',
      executionTimeout: '3600',
    });
    // Amsterdam is UTC+1 in January: a 06:00-08:00 local window is 05:00-07:00 UTC for rules.
    expect(world.expressionOf('backopper-live-.verify-shop')).toMatch(
      backend === 'scheduler' ? /^cron\(\d+ [67] \? \* SAT \*\)$/ : /^cron\(\d+ [56] \? \* SAT \*\)$/,
    );
    if (backend === 'scheduler') {
      const input = JSON.parse(
        world.scheduler.schedule('backopper-live-.verify-shop')?.Target?.Input as string,
      ) as Record<string, unknown>;
      expect(input).toMatchObject({ DocumentName: 'Backopper-Verify', Comment: 'backopper verify of shop (live)' });
    } else {
      expect([...(world.eventBridge.rule('backopper-live-.verify-shop')?.targets.values() ?? [])][0]?.Arn).toBe(
        'arn:aws:ssm:eu-west-1:123456789012:document/Backopper-Verify',
      );
    }
    world.resetCounts();
    expect((await world.sync()).summary.environments[0]).toMatchObject({
      unchanged: 5,
      created: 0,
      updated: 0,
      deleted: 0,
    });
    expect(world.writes()).toBe(0);

    // An entry garbled for one run keeps both of its schedules; a disabled app loses both.
    world.api.setList('live', [
      { ...apps[0], frequency: 'fortnightly' },
      { ...apps[1], frequency: 'disabled' },
      apps[2],
    ]);
    const garbled = await world.sync();
    expect(garbled.summary.environments[0]).toMatchObject({ kept: 2, deleted: 2 });
    expect(world.names().sort()).toEqual([
      'backopper-live-.verify-shop',
      'backopper-live-shop',
      'backopper-live-static',
    ]);

    world.api.setList('live', apps);
    expect((await world.sync()).summary.environments[0]).toMatchObject({ created: 2 });
    const out: string[] = [];
    const off = { ...world.env, BACKOPPER_VERIFY_DOCUMENT_NAME: '' };
    await runCli(['plan'], {
      env: off,
      stdout: (line) => out.push(line),
      stderr: () => undefined,
      deps: { ...world.deps(), logger: undefined },
    });
    expect(out.join('\n')).toMatch(
      /delete +backopper-live-\.verify-crm +restore checks are off \(BACKOPPER_VERIFY_DOCUMENT_NAME unset\)/,
    );
    expect(out.join('\n')).toMatch(/delete +backopper-live-\.verify-shop +restore checks are off/);
    expect(out.join('\n')).toContain('unchanged 3');
  });
});
