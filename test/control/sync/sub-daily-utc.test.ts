/**
 * Hourly schedules run in UTC, where no local hour is ever skipped; daily and longer keep the
 * environment's zone. Checked on the desired schedules (a table), through a sync against the Scheduler
 * fake, and with the status command's next-run arithmetic over a spring-forward day.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSpec } from '../../../common/app-spec';
import { parseBackupWindow } from '../../../common/settings/rules';
import { buildDesiredSchedules, type DesiredContext } from '../../../control/sync/desired-schedules';
import { scheduleTimeZone } from '../../../control/sync/slots';
import { nextRuns } from '../../../ops/status/schedule-expression';
import { createSyncWorld, type SyncWorld } from '../../fakes/sync-world';

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

// The Amsterdam days of 2026's changes: 23 hours (spring forward) and 25 hours (fall back: 02:00-03:00 twice).
const DAYS = {
  spring: { from: new Date('2026-03-28T23:00:00Z'), to: new Date('2026-03-29T22:00:00Z'), hours: 23 },
  fall: { from: new Date('2026-10-24T22:00:00Z'), to: new Date('2026-10-25T23:00:00Z'), hours: 25 },
};

/** The runs of `expression` in `timeZone` during one of {@link DAYS}, as the status command computes them. */
function runsDuring(day: keyof typeof DAYS, expression: string, timeZone: string): Date[] {
  const { from, to } = DAYS[day];
  return nextRuns({ expression, timeZone, after: new Date(from.getTime() - 1), count: 40 }).filter((run) => run < to);
}

const gapsOf = (runs: Date[]) => runs.slice(1).map((run, index) => run.getTime() - (runs[index] as Date).getTime());

describe('the time zone a schedule runs in', () => {
  it.each([
    ['hourly', 'Europe/Amsterdam', 'UTC'],
    ['hourly', 'America/New_York', 'UTC'],
    ['hourly', 'UTC', 'UTC'],
    ['daily', 'Europe/Amsterdam', 'Europe/Amsterdam'],
    ['weekly', 'Australia/Sydney', 'Australia/Sydney'],
    ['monthly', 'America/Santiago', 'America/Santiago'],
  ] as const)('puts a %s schedule of an environment in %s into %s', (frequency, zone, expected) => {
    expect(scheduleTimeZone(frequency, zone)).toBe(expected);
    const app: AppSpec = { name: 'shop', frequency, engine: 'mysql', projectType: 'wordpress' };
    const [spec] = buildDesiredSchedules([app], { ...context, timeZone: zone });
    expect(spec?.timeZone).toBe(expected);
  });
});

describe('sync with the scheduler backend: sub-daily schedules in UTC', () => {
  let world: SyncWorld;
  const apps = [
    { name: 'hourly-shop', frequency: 'hourly', db_engine: 'mysql', project_type: 'wordpress' },
    { name: 'daily-blog', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
    { name: 'weekly-crm', frequency: 'weekly', db_engine: 'postgres', project_type: 'laravel' },
  ];

  beforeEach(async () => {
    world = await createSyncWorld({ backend: 'scheduler', environments: ['live'] });
    world.api.setList('live', apps);
  });
  afterEach(async () => {
    await world.close();
  });

  const zoneOf = (name: string) => world.scheduler.schedule(name)?.ScheduleExpressionTimezone;

  it('creates the hourly schedule in UTC and keeps the daily and weekly ones in the local zone', async () => {
    expect((await world.sync()).ok).toBe(true);
    expect(zoneOf('backopper-live-hourly-shop')).toBe('UTC');
    expect(zoneOf('backopper-live-daily-blog')).toBe('Europe/Amsterdam');
    expect(zoneOf('backopper-live-weekly-crm')).toBe('Europe/Amsterdam');
  });

  it('moves an hourly schedule an older sync left in local time to UTC, then writes nothing', async () => {
    await world.sync();
    world.scheduler.edit('backopper-live-hourly-shop', (schedule) => {
      schedule.ScheduleExpressionTimezone = 'Europe/Amsterdam';
    });
    const moved = await world.sync();
    expect(moved.ok).toBe(true);
    expect(moved.summary.environments[0]).toMatchObject({ updated: 1, unchanged: 2 });
    expect(zoneOf('backopper-live-hourly-shop')).toBe('UTC');
    world.resetCounts();
    await world.sync();
    expect(world.writes()).toBe(0);
  });

  it.each(['spring', 'fall'] as const)(
    'runs the hourly backup once in every hour of the %s daylight-saving day, where local time would not',
    async (day) => {
      await world.sync();
      const expression = world.expressionOf('backopper-live-hourly-shop') as string;
      expect(expression).toMatch(/^cron\d* ?\(\d+ \* \* \* \? \*\)$/);
      const runs = runsDuring(day, expression, zoneOf('backopper-live-hourly-shop') as string);
      expect(runs).toHaveLength(DAYS[day].hours);
      expect(new Set(gapsOf(runs))).toEqual(new Set([3_600_000]));
    },
  );

  it('shows why: the same expression in local time runs the repeated hour once, leaving a 2-hour gap', async () => {
    await world.sync();
    const expression = world.expressionOf('backopper-live-hourly-shop') as string;
    const local = runsDuring('fall', expression, 'Europe/Amsterdam');
    expect(local).toHaveLength(DAYS.fall.hours - 1);
    expect(Math.max(...gapsOf(local))).toBe(2 * 3_600_000);
  });
});

describe('status next runs over the fall-back night agree with AWS (a repeated local time runs once, the first time)', () => {
  const zone = 'Europe/Amsterdam';
  it.each([
    [
      'daily 02:30, asked the day before',
      'cron(30 2 * * ? *)',
      '2026-10-24T12:00:00Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    ],
    [
      'daily 02:30, asked between the two passes',
      'cron(30 2 * * ? *)',
      '2026-10-25T00:45:00Z',
      ['2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z'],
    ],
    [
      'hourly :30 in local time, through the repeated hour',
      'cron(30 * * * ? *)',
      '2026-10-24T23:45:00Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00.000Z'],
    ],
    [
      'hourly :30 in UTC, through the same night',
      'cron(30 * * * ? *)',
      '2026-10-24T23:45:00Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
      'UTC',
    ],
  ])('%s', (_title, expression, after, expected, timeZone = zone) => {
    const runs = nextRuns({ expression, timeZone, after: new Date(after), count: 2 });
    expect(runs.map((run) => run.toISOString())).toEqual(expected);
  });
});
