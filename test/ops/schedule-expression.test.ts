import { describe, expect, it } from 'vitest';
import { intervalSeconds, nextRuns, UnsupportedExpressionError } from '../../ops/status/schedule-expression';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('nextRuns', () => {
  it.each([
    // expression, zone, after, expected next runs (UTC)
    ['cron(17 2 * * ? *)', 'UTC', '2025-01-15T12:00:00Z', ['2025-01-16T02:17:00.000Z', '2025-01-17T02:17:00.000Z']],
    ['cron(17 2 * * ? *)', 'UTC', '2025-01-15T02:16:59Z', ['2025-01-15T02:17:00.000Z', '2025-01-16T02:17:00.000Z']],
    ['cron(17 2 * * ? *)', 'UTC', '2025-01-15T02:17:00Z', ['2025-01-16T02:17:00.000Z', '2025-01-17T02:17:00.000Z']],
    // Amsterdam: UTC+1 in winter, UTC+2 in summer; 02:17 local stays 02:17 local.
    [
      'cron(17 2 * * ? *)',
      'Europe/Amsterdam',
      '2025-01-15T12:00:00Z',
      ['2025-01-16T01:17:00.000Z', '2025-01-17T01:17:00.000Z'],
    ],
    [
      'cron(17 2 * * ? *)',
      'Europe/Amsterdam',
      '2025-07-15T12:00:00Z',
      ['2025-07-16T00:17:00.000Z', '2025-07-17T00:17:00.000Z'],
    ],
    // Spring forward (30 March 2025, 02:00 → 03:00): 02:17 does not exist that night; EventBridge
    // Scheduler skips it, so the next run is the night after.
    [
      'cron(17 2 * * ? *)',
      'Europe/Amsterdam',
      '2025-03-29T12:00:00Z',
      ['2025-03-31T00:17:00.000Z', '2025-04-01T00:17:00.000Z'],
    ],
    // ...while a time after the gap that night still runs.
    [
      'cron(17 3 * * ? *)',
      'Europe/Amsterdam',
      '2025-03-29T12:00:00Z',
      ['2025-03-30T01:17:00.000Z', '2025-03-31T01:17:00.000Z'],
    ],
    [
      'cron(*/20 * * * ? *)',
      'Europe/Amsterdam',
      '2025-03-30T00:50:00Z',
      ['2025-03-30T01:00:00.000Z', '2025-03-30T01:20:00.000Z'],
    ],
    // Fall back (26 October 2025, 03:00 → 02:00): 02:17 happens twice and runs once, the first time.
    [
      'cron(17 2 * * ? *)',
      'Europe/Amsterdam',
      '2025-10-25T12:00:00Z',
      ['2025-10-26T00:17:00.000Z', '2025-10-27T01:17:00.000Z'],
    ],
    [
      'cron(5 * * * ? *)',
      'Europe/Amsterdam',
      '2025-01-15T12:10:00Z',
      ['2025-01-15T13:05:00.000Z', '2025-01-15T14:05:00.000Z'],
    ],
    // Weekly on Sunday (15 January 2025 is a Wednesday).
    ['cron(30 4 ? * SUN *)', 'UTC', '2025-01-15T12:00:00Z', ['2025-01-19T04:30:00.000Z', '2025-01-26T04:30:00.000Z']],
    ['cron(30 4 ? * 1 *)', 'UTC', '2025-01-15T12:00:00Z', ['2025-01-19T04:30:00.000Z', '2025-01-26T04:30:00.000Z']],
    [
      'cron(0 9 ? * MON-FRI *)',
      'UTC',
      '2025-01-17T10:00:00Z',
      ['2025-01-20T09:00:00.000Z', '2025-01-21T09:00:00.000Z'],
    ],
    // Monthly on day 1; the rules backend's converted forms L (last day) and 2.
    [
      'cron(17 2 1 * ? *)',
      'Europe/Amsterdam',
      '2025-01-15T12:00:00Z',
      ['2025-02-01T01:17:00.000Z', '2025-03-01T01:17:00.000Z'],
    ],
    ['cron(30 23 L * ? *)', 'UTC', '2025-01-31T23:30:00Z', ['2025-02-28T23:30:00.000Z', '2025-03-31T23:30:00.000Z']],
    ['cron(0 0 29 2 ? *)', 'UTC', '2025-01-01T00:00:00Z', ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']],
    ['cron(*/20 8-9 * * ? *)', 'UTC', '2025-01-15T09:30:00Z', ['2025-01-15T09:40:00.000Z', '2025-01-16T08:00:00.000Z']],
    ['cron(0,30 12 * JAN,FEB ? 2025)', 'UTC', '2025-02-28T12:30:00Z', []],
    // What AWS accepts and people type: the third Friday (6#3, Sunday = 1), the weekday nearest the 15th.
    ['cron(0 12 ? * 6#3 *)', 'UTC', '2025-01-01T00:00:00Z', ['2025-01-17T12:00:00.000Z', '2025-02-21T12:00:00.000Z']],
    ['cron(0 12 15W * ? *)', 'UTC', '2025-03-01T00:00:00Z', ['2025-03-14T12:00:00.000Z', '2025-04-15T12:00:00.000Z']],
    ['cron(0 12 ? * 6L *)', 'UTC', '2025-01-01T00:00:00Z', ['2025-01-31T12:00:00.000Z', '2025-02-28T12:00:00.000Z']],
  ])('%s in %s after %s', (expression, timeZone, after, expected) => {
    expect(iso(nextRuns({ expression, timeZone, after: new Date(after), count: 2 }))).toEqual(expected);
  });

  it('counts a rate from the schedule start, and knows no next run of a rate without one', () => {
    const after = new Date('2025-01-15T12:00:00Z');
    expect(
      iso(
        nextRuns({
          expression: 'rate(15 minutes)',
          timeZone: 'UTC',
          after,
          anchor: new Date('2025-01-15T11:50:00Z'),
          count: 2,
        }),
      ),
    ).toEqual(['2025-01-15T12:05:00.000Z', '2025-01-15T12:20:00.000Z']);
    expect(
      iso(nextRuns({ expression: 'rate(1 day)', timeZone: 'UTC', after, anchor: new Date('2025-02-01T00:00:00Z') })),
    ).toEqual(['2025-02-01T00:00:00.000Z']);
    expect(nextRuns({ expression: 'rate(15 minutes)', timeZone: 'UTC', after })).toEqual([]);
  });

  it.each([
    'cron(0 2 * * ?)',
    'cron(0 25 * * ? *)',
    'cron(0 2 * * * *)',
    'cron(0 2 ? * ? *)',
    'cron(0 2 ? * 9 *)',
    'rate(2 weeks)',
    'at(2025-01-01T00:00:00)',
    'cron(0 5-2 * * ? *)',
  ])('refuses %s instead of guessing', (expression) => {
    expect(() => nextRuns({ expression, timeZone: 'UTC', after: new Date() })).toThrow(UnsupportedExpressionError);
  });
});

describe('intervalSeconds', () => {
  it.each([
    ['cron(5 * * * ? *)', 3600],
    ['cron(17 2 * * ? *)', 86_400],
    ['cron(17 2 ? * SUN *)', 7 * 86_400],
    ['cron(17 2 1 * ? *)', 28 * 86_400], // February follows
    ['rate(6 hours)', 6 * 3600],
  ])('%s runs every %i seconds', (expression, seconds) => {
    expect(intervalSeconds({ expression, timeZone: 'UTC', after: new Date('2025-01-15T12:00:00Z') })).toBe(seconds);
  });
});
