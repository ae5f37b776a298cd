import { describe, expect, it } from 'vitest';
import { retentionTier } from '../../common/retention-tier';

const at = (iso: string) => Date.parse(iso) / 1000;

describe('retentionTier', () => {
  const cases: [string, string | undefined, string, string, string][] = [
    ['no previous backup', undefined, '2024-06-12T02:00:00Z', 'UTC', 'yearly'],
    ['the same day', '2024-06-12T01:00:00Z', '2024-06-12T13:00:00Z', 'UTC', 'daily'],
    ['Monday to Tuesday', '2024-01-08T02:00:00Z', '2024-01-09T02:00:00Z', 'UTC', 'daily'],
    ['Sunday to Monday: a new ISO week', '2024-01-14T02:00:00Z', '2024-01-15T02:00:00Z', 'UTC', 'weekly'],
    ['Saturday to Sunday stays in the week', '2024-01-13T02:00:00Z', '2024-01-14T02:00:00Z', 'UTC', 'daily'],
    ['end of month within one week', '2024-01-31T02:00:00Z', '2024-02-01T02:00:00Z', 'UTC', 'monthly'],
    ['new year within one ISO week', '2020-12-31T02:00:00Z', '2021-01-01T02:00:00Z', 'UTC', 'yearly'],
    ['new year on a Monday', '2023-12-31T02:00:00Z', '2024-01-01T02:00:00Z', 'UTC', 'yearly'],
    ['Friday 1 January to Monday 4 January', '2021-01-01T02:00:00Z', '2021-01-04T02:00:00Z', 'UTC', 'weekly'],
    ['a gap of two weeks in one month', '2024-03-04T02:00:00Z', '2024-03-20T02:00:00Z', 'UTC', 'weekly'],
    ['a gap over two months', '2024-03-30T02:00:00Z', '2024-05-02T02:00:00Z', 'UTC', 'monthly'],
    ['midnight UTC is a new week in UTC', '2024-01-14T23:30:00Z', '2024-01-15T00:30:00Z', 'UTC', 'weekly'],
    ['...but both Monday in Amsterdam', '2024-01-14T23:30:00Z', '2024-01-15T00:30:00Z', 'Europe/Amsterdam', 'daily'],
    ['...and both Sunday in New York', '2024-01-14T23:30:00Z', '2024-01-15T00:30:00Z', 'America/New_York', 'daily'],
    [
      'new year in Amsterdam, not yet in UTC',
      '2023-12-31T22:00:00Z',
      '2023-12-31T23:30:00Z',
      'Europe/Amsterdam',
      'yearly',
    ],
    ['...the same day in UTC', '2023-12-31T22:00:00Z', '2023-12-31T23:30:00Z', 'UTC', 'daily'],
    [
      'new month in UTC is still the last day in New York',
      '2024-02-29T20:00:00Z',
      '2024-03-01T03:00:00Z',
      'America/New_York',
      'daily',
    ],
    ['across a daylight saving change', '2024-03-30T12:00:00Z', '2024-03-31T12:00:00Z', 'Europe/Amsterdam', 'daily'],
    [
      'Auckland is a day ahead: its new year',
      '2023-12-31T09:00:00Z',
      '2023-12-31T12:00:00Z',
      'Pacific/Auckland',
      'yearly',
    ],
    ['a clock that went back crosses nothing', '2024-06-12T02:00:00Z', '2024-06-11T02:00:00Z', 'UTC', 'daily'],
  ];
  it.each(cases)('%s: %s -> %s in %s is %s', (_, previous, current, timeZone, tier) => {
    expect(retentionTier(previous === undefined ? undefined : at(previous), at(current), timeZone)).toBe(tier);
  });
});
