import { calendarPeriods } from './calendar';
import { RETENTION_TIERS, type RetentionTier } from './run-record';

/**
 * The retention tier of a backup made at `current` (unix seconds): the largest calendar boundary, in
 * `timeZone`, crossed since the previous successful backup. A new year makes it `yearly`, a new month
 * `monthly`, a new ISO week (weeks start on Monday) `weekly`, anything else `daily`. With no previous
 * backup known (the first one, or a lost state), it is `yearly`: keeping one backup too long costs a
 * little, expiring the only one of a year costs the year. A previous time at or after `current` (a
 * clock that went back) crosses nothing: `daily`.
 */
export function retentionTier(previous: number | undefined, current: number, timeZone: string): RetentionTier {
  if (previous === undefined) return 'yearly';
  if (previous >= current) return 'daily';
  const before = calendarPeriods(previous, timeZone);
  const now = calendarPeriods(current, timeZone);
  if (now.year !== before.year) return 'yearly';
  if (now.month !== before.month) return 'monthly';
  if (now.week !== before.week) return 'weekly';
  return 'daily';
}

/** The tier kept longer of two. */
export function longerTier(a: RetentionTier, b: RetentionTier): RetentionTier {
  return RETENTION_TIERS.indexOf(a) >= RETENTION_TIERS.indexOf(b) ? a : b;
}
