/**
 * No generated slot falls in a local time that a daylight-saving change skips or repeats. The oracle is
 * independent of the code under test: every UTC minute around each transition day is formatted in the
 * zone, and a slot's local time must occur exactly once on every day.
 */
import { describe, expect, it } from 'vitest';
import { parseBackupWindow } from '../../../common/settings/rules';
import { unstableLocalMinutes } from '../../../control/sync/daylight-saving';
import { slotFor } from '../../../control/sync/slots';

const ZONES = [
  'Europe/Amsterdam',
  'America/New_York',
  'Australia/Sydney',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Africa/Casablanca',
  'UTC',
  'Asia/Kolkata',
];
const YEARS = [2025, 2026, 2027, 2030, 2035];
const WINDOWS = ['01:00-05:00', '00:00-04:00', '02:00-03:00', '22:00-04:00'];
const MINUTE = 60_000;

/** How often each local "YYYY-MM-DD HH:MM" occurs, over the UTC minutes of [from, to). */
function localOccurrences(timeZone: string, from: number, to: number): Map<string, number> {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const counts = new Map<string, number>();
  for (let instant = from; instant < to; instant += MINUTE) {
    const key = format.format(instant);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** UTC days (midnight) on which the zone's offset at 00:00 and 24:00 differ, in `year`. */
function transitionDays(timeZone: string, year: number): number[] {
  const offset = (instant: number) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instant);
    return parts.find((part) => part.type === 'timeZoneName')?.value;
  };
  const days: number[] = [];
  for (let day = Date.UTC(year, 0, 1); day < Date.UTC(year + 1, 0, 1); day += 1440 * MINUTE) {
    if (offset(day) !== offset(day + 1440 * MINUTE)) days.push(day);
  }
  return days;
}

describe('backup slots and daylight saving', () => {
  it.each(ZONES)('no slot in %s is skipped or repeated on any transition day (several years, windows)', (timeZone) => {
    const apps = Array.from({ length: 300 }, (_, index) => `site-${index}`);
    const slots = new Set<number>();
    for (const text of WINDOWS) {
      const window = parseBackupWindow(text);
      for (const app of apps) {
        for (const frequency of ['daily', 'weekly', 'monthly'] as const) {
          const timing = slotFor({ environment: 'live', app, frequency, window, weeklyDay: 'SUN', timeZone });
          slots.add(timing.hour * 60 + timing.minute);
        }
      }
    }
    let checkedDays = 0;
    for (const year of YEARS) {
      for (const day of transitionDays(timeZone, year)) {
        // Two days either side: the local day of the change lies within whatever the offset.
        const counts = localOccurrences(timeZone, day - 2 * 1440 * MINUTE, day + 3 * 1440 * MINUTE);
        const localDates = new Set([...counts.keys()].map((key) => key.slice(0, 10)));
        const dates = [...localDates].sort().slice(1, -1);
        for (const date of dates) {
          for (const slot of slots) {
            const key = `${date}, ${String(Math.floor(slot / 60)).padStart(2, '0')}:${String(slot % 60).padStart(2, '0')}`;
            expect(counts.get(key) ?? 0, `${timeZone} ${key}`).toBe(1);
          }
        }
        checkedDays += 1;
      }
    }
    const expectsTransitions = !['UTC', 'Asia/Kolkata'].includes(timeZone);
    expect(checkedDays > 0).toBe(expectsTransitions);
  });

  it('knows the unstable hour of Amsterdam, the two half hours of Lord Howe and none in UTC', () => {
    const amsterdam = unstableLocalMinutes('Europe/Amsterdam');
    expect([...amsterdam].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, minute) => 120 + minute));
    // Lord Howe moves by 30 minutes: 02:00-02:30 is skipped in October, 01:30-02:00 repeated in April.
    expect([...unstableLocalMinutes('Australia/Lord_Howe')].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, minute) => 90 + minute),
    );
    expect(unstableLocalMinutes('UTC').size).toBe(0);
  });

  it('moves only the apps whose minute was unstable, and starts a window of only unstable minutes after it', () => {
    const window = parseBackupWindow('01:00-05:00');
    const moved = Array.from({ length: 200 }, (_, index) => `site-${index}`).filter((app) => {
      const utc = slotFor({ environment: 'live', app, frequency: 'daily', window, weeklyDay: 'SUN', timeZone: 'UTC' });
      const amsterdam = slotFor({
        environment: 'live',
        app,
        frequency: 'daily',
        window,
        weeklyDay: 'SUN',
        timeZone: 'Europe/Amsterdam',
      });
      return utc.hour !== amsterdam.hour || utc.minute !== amsterdam.minute;
    });
    for (const app of moved)
      expect(
        slotFor({ environment: 'live', app, frequency: 'daily', window, weeklyDay: 'SUN', timeZone: 'UTC' }).hour,
      ).toBe(2);
    expect(moved.length).toBeGreaterThan(20);
    const gapOnly = slotFor({
      environment: 'live',
      app: 'shop',
      frequency: 'daily',
      window: parseBackupWindow('02:00-03:00'),
      weeklyDay: 'SUN',
      timeZone: 'Europe/Amsterdam',
    });
    expect(gapOnly).toMatchObject({ hour: 3, minute: 0 });
  });
});
