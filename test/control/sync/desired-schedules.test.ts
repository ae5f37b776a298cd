import { describe, expect, it } from 'vitest';
import type { AppSpec } from '../../../common/app-spec';
import { parseBackupWindow } from '../../../common/settings/rules';
import { buildDesiredSchedules, type DesiredContext } from '../../../control/sync/desired-schedules';
import { parseManagedMarker, scheduleName } from '../../../common/schedule-name';
import { utcOffsetMinutes } from '../../../control/sync/daylight-saving';
import { cronExpression, type ScheduleTiming, slotFor, toUtcTiming } from '../../../control/sync/slots';

const context: DesiredContext = {
  environment: { name: 'live', tagKey: 'backopper:environment', tagValue: 'live' },
  timeZone: 'Europe/Amsterdam',
  window: parseBackupWindow('01:00-05:00'),
  weeklyDay: 'SUN',
  documentName: 'Backopper-Backup',
  executionTimeoutSeconds: 3600,
  deliveryTimeoutSeconds: 600,
  logGroupName: undefined,
};
const app = (name: string, frequency: AppSpec['frequency'] = 'daily'): AppSpec => ({
  name,
  frequency,
  engine: 'mysql',
  projectType: 'wordpress',
});
const fifty = Array.from({ length: 50 }, (_, i) => app(`client-site-${i}`));

describe('buildDesiredSchedules: slots', () => {
  it('spreads fifty daily apps over the window instead of starting them all at 01:00', () => {
    const starts = buildDesiredSchedules(fifty, context).map((s) => s.timing.hour * 60 + s.timing.minute);
    expect(starts.every((start) => start >= 60 && start < 300)).toBe(true);
    expect(new Set(starts).size).toBeGreaterThanOrEqual(40);
    const perHour = [1, 2, 3, 4].map((hour) => starts.filter((start) => Math.floor(start / 60) === hour).length);
    expect(Math.max(...perHour)).toBeLessThanOrEqual(25);
    // 02:00-03:00 in Amsterdam is skipped in March and repeated in October: no app starts then.
    expect(perHour[1]).toBe(0);
    expect(Math.min(perHour[0] as number, perHour[2] as number, perHour[3] as number)).toBeGreaterThanOrEqual(5);
  });

  it('keeps an app in its slot when other apps come and go, and from run to run', () => {
    const slotOf = (apps: AppSpec[]) =>
      buildDesiredSchedules(apps, context).find((s) => s.app === 'client-site-7')?.timing;
    expect(slotOf(fifty)).toEqual(slotOf(fifty.slice(5, 10)));
    expect(slotOf(fifty)).toEqual(slotOf([...fifty].reverse()));
  });

  it('gives the same app different slots in different environments', () => {
    const slots = ['live', 'staging', 'acceptance'].map((environment) =>
      JSON.stringify(
        slotFor({
          environment,
          app: 'shop',
          frequency: 'daily',
          window: context.window,
          weeklyDay: 'SUN',
          timeZone: context.timeZone,
        }),
      ),
    );
    expect(new Set(slots).size).toBe(3);
  });

  it('handles a window past midnight', () => {
    const window = parseBackupWindow('23:00-01:00');
    const hours = fifty.map(
      (a) =>
        slotFor({
          environment: 'live',
          app: a.name,
          frequency: 'daily',
          window,
          weeklyDay: 'SUN',
          timeZone: context.timeZone,
        }).hour,
    );
    expect(new Set(hours)).toEqual(new Set([23, 0]));
  });

  it.each([
    ['hourly', /^cron\((\d+) \* \* \* \? \*\)$/],
    ['daily', /^cron\((\d+) ([1-4]) \* \* \? \*\)$/],
    ['weekly', /^cron\((\d+) ([1-4]) \? \* SUN \*\)$/],
    ['monthly', /^cron\((\d+) ([1-4]) 1 \* \? \*\)$/],
  ] as const)('writes a %s cron expression', (frequency, pattern) => {
    const [spec] = buildDesiredSchedules([app('shop', frequency)], context);
    expect(cronExpression(spec?.timing as ScheduleTiming)).toMatch(pattern);
  });

  it('sends the document parameters and a bounded comment naming app and environment', () => {
    const long = 'x'.repeat(64);
    const [spec] = buildDesiredSchedules([app(long)], {
      ...context,
      environment: { name: 'e'.repeat(32), tagKey: 'k', tagValue: 'v' },
    });
    expect(spec?.command.parameters).toEqual({
      app: long,
      environment: 'e'.repeat(32),
      engine: 'mysql',
      projectType: 'wordpress',
      executionTimeout: '3600',
    });
    expect(spec?.command.comment).toHaveLength(100);
    expect(spec?.command.comment.startsWith(`backopper backup of ${long} (`)).toBe(true);
    expect(spec?.command.targets).toEqual([{ key: 'tag:k', values: ['v'] }]);
    expect(parseManagedMarker(spec?.description)).toEqual({ environment: 'e'.repeat(32), app: long });
  });
});

describe('scheduleName', () => {
  it.each([
    ['live', 'shop', 'backopper-live-shop'],
    ['live', 'a'.repeat(49), `backopper-live-${'a'.repeat(49)}`], // exactly 64
  ])('names %s/%s plainly when it fits', (environment, app, name) => {
    expect(scheduleName(environment, app)).toBe(name);
  });

  it('shortens deterministically with a hash when the name would pass 64 characters', () => {
    const a = scheduleName('acceptance', `${'a'.repeat(60)}-one`);
    const b = scheduleName('acceptance', `${'a'.repeat(60)}-two`);
    expect(a).toHaveLength(64);
    expect(a).toMatch(/^backopper-acceptance-a+-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(scheduleName('acceptance', `${'a'.repeat(60)}-one`)).toBe(a);
    expect(scheduleName('e'.repeat(32), 'z'.repeat(64))).toHaveLength(64);
  });
});

describe('toUtcTiming (EventBridge rules run in UTC)', () => {
  const winter = new Date('2025-01-15T12:00:00Z');
  const summer = new Date('2025-07-15T12:00:00Z');
  const local = (frequency: AppSpec['frequency'], hour: number, minute: number): ScheduleTiming => ({
    frequency,
    hour,
    minute,
    weekday: 'SUN',
    monthDay: 1,
  });
  it.each([
    ['Amsterdam winter', 'Europe/Amsterdam', winter, local('daily', 2, 15), 'cron(15 1 * * ? *)'],
    ['Amsterdam summer', 'Europe/Amsterdam', summer, local('daily', 2, 15), 'cron(15 0 * * ? *)'],
    ['weekly moving to Saturday', 'Europe/Amsterdam', summer, local('weekly', 1, 30), 'cron(30 23 ? * SAT *)'],
    ['monthly moving to the last day', 'Europe/Amsterdam', winter, local('monthly', 0, 30), 'cron(30 23 L * ? *)'],
    ['New York weekly moving to Monday', 'America/New_York', winter, local('weekly', 22, 0), 'cron(0 3 ? * MON *)'],
    ['New York monthly moving to day 2', 'America/New_York', winter, local('monthly', 22, 0), 'cron(0 3 2 * ? *)'],
    ['India shifts the minute of hourly apps', 'Asia/Kolkata', winter, local('hourly', 0, 10), 'cron(40 * * * ? *)'],
    ['UTC stays', 'UTC', winter, local('daily', 3, 5), 'cron(5 3 * * ? *)'],
  ] as const)('%s', (_, zone, at, timing, expected) => {
    expect(cronExpression(toUtcTiming(timing, zone, at))).toBe(expected);
  });

  it('knows the offsets', () => {
    expect([
      utcOffsetMinutes('Europe/Amsterdam', winter),
      utcOffsetMinutes('Europe/Amsterdam', summer),
      utcOffsetMinutes('Asia/Kolkata', winter),
    ]).toEqual([60, 120, 330]);
  });
});
