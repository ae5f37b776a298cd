/**
 * When each app's backup starts: a slot in the backup window chosen by a stable hash of environment and
 * app (so fifty daily apps do not all start at 01:00, and an app keeps its slot run after run), turned
 * into a cron expression. Pure functions.
 */
import { createHash } from 'node:crypto';
import type { Frequency } from '../../common/app-spec';
import { type BackupWindow, WEEKDAYS, type Weekday } from '../../common/settings/rules';
import { unstableLocalMinutes, utcOffsetMinutes } from './daylight-saving';

/** When a schedule fires, in one time zone. */
export interface ScheduleTiming {
  frequency: Frequency;
  /** 0-59. */
  minute: number;
  /** 0-23 (ignored for hourly). */
  hour: number;
  /** Day of a weekly backup. */
  weekday: Weekday;
  /** Day of a monthly backup: 1, or 2 / `L` (last day) after conversion to UTC. */
  monthDay: number | 'L';
}

/** Frequencies that run more than once a day. */
export const SUB_DAILY_FREQUENCIES: ReadonlySet<Frequency> = new Set<Frequency>(['hourly']);

/**
 * The time zone a schedule of `frequency` runs in: UTC for sub-daily ones (a local time zone's spring
 * forward skips one local hour, and AWS Scheduler skips a run whose local time does not exist, so an
 * hourly backup would lose a run each year; UTC has no such hour), `timeZone` for daily and longer
 * (their slots avoid the skipped and repeated minutes instead, and stay at the local time people expect).
 */
export function scheduleTimeZone(frequency: Frequency, timeZone: string): string {
  return SUB_DAILY_FREQUENCIES.has(frequency) ? 'UTC' : timeZone;
}

/** A stable 32-bit hash of `text` (the first four bytes of its sha256). */
export function stableHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/**
 * The local start time of an app's backup: hourly apps at a spread minute of every hour, the others at
 * a spread minute of the backup window; weekly on `weeklyDay`, monthly on day 1. A minute that a
 * daylight-saving change of `timeZone` skips or repeats is never chosen: the app gets another minute
 * of the window (spread by the same hash), or when the whole window is such minutes, the first stable
 * minute after it. Apps whose minute was stable keep it.
 */
export function slotFor(input: {
  environment: string;
  app: string;
  frequency: Frequency;
  window: BackupWindow;
  weeklyDay: Weekday;
  timeZone: string;
}): ScheduleTiming {
  const hash = stableHash(`${input.environment}/${input.app}`);
  const base = { frequency: input.frequency, weekday: input.weeklyDay, monthDay: 1 };
  if (input.frequency === 'hourly') return { ...base, minute: hash % 60, hour: 0 };
  const start = stableMinute(input.window, hash, unstableLocalMinutes(input.timeZone));
  return { ...base, minute: start % 60, hour: Math.floor(start / 60) };
}

function stableMinute(window: BackupWindow, hash: number, unstable: ReadonlySet<number>): number {
  const at = (offset: number) => (window.startMinute + offset) % 1440;
  const first = at(hash % window.lengthMinutes);
  if (!unstable.has(first)) return first;
  const stable = Array.from({ length: window.lengthMinutes }, (_, offset) => at(offset)).filter(
    (minute) => !unstable.has(minute),
  );
  if (stable.length > 0) return stable[hash % stable.length] as number;
  let after = at(window.lengthMinutes);
  while (unstable.has(after)) after = (after + 1) % 1440;
  return after;
}

/** The cron expression (Scheduler and EventBridge syntax: six fields, `?` in day-of-month or -week). */
export function cronExpression(timing: ScheduleTiming): string {
  const { minute, hour } = timing;
  switch (timing.frequency) {
    case 'hourly':
      return `cron(${minute} * * * ? *)`;
    case 'daily':
      return `cron(${minute} ${hour} * * ? *)`;
    case 'weekly':
      return `cron(${minute} ${hour} ? * ${timing.weekday} *)`;
    case 'monthly':
      return `cron(${minute} ${hour} ${timing.monthDay} * ? *)`;
  }
}

/**
 * Converts a local timing to UTC with the offset `timeZone` has at `at` (EventBridge rules only know
 * UTC). A day shift moves the weekday, and day 1 becomes `L` (the last day of the previous month) or 2.
 */
export function toUtcTiming(timing: ScheduleTiming, timeZone: string, at: Date): ScheduleTiming {
  const offset = utcOffsetMinutes(timeZone, at);
  if (timing.frequency === 'hourly') return { ...timing, minute: (((timing.minute - offset) % 60) + 60) % 60 };
  const local = timing.hour * 60 + timing.minute - offset;
  const dayShift = Math.floor(local / 1440);
  const utc = ((local % 1440) + 1440) % 1440;
  const weekday = WEEKDAYS[(WEEKDAYS.indexOf(timing.weekday) + dayShift + 7) % 7] as Weekday;
  const monthDay = dayShift === 0 ? timing.monthDay : dayShift < 0 ? 'L' : 2;
  return { ...timing, minute: utc % 60, hour: Math.floor(utc / 60), weekday, monthDay };
}

/** `daily 02:17`, `weekly SUN 02:17`, `hourly at :17`, `monthly day 1 02:17`. */
export function describeTiming(timing: ScheduleTiming): string {
  const time = `${String(timing.hour).padStart(2, '0')}:${String(timing.minute).padStart(2, '0')}`;
  switch (timing.frequency) {
    case 'hourly':
      return `hourly at :${String(timing.minute).padStart(2, '0')}`;
    case 'daily':
      return `daily ${time}`;
    case 'weekly':
      return `weekly ${timing.weekday} ${time}`;
    case 'monthly':
      return `monthly day ${timing.monthDay} ${time}`;
  }
}
