/**
 * The pure core of the freshness check: is an app's newest dump in S3 recent enough for its
 * frequency, and is it not much smaller than the one before? Shared by the freshness monitor and
 * `backopper status`.
 */
import type { DbEngine, Frequency } from '../../common/app-spec';
import type { NewestBackups } from '../backup-objects';

/** Seconds between runs per frequency; monthly counts the longest month. */
export const FREQUENCY_SECONDS: Record<Frequency, number> = {
  hourly: 3600,
  daily: 86_400,
  weekly: 7 * 86_400,
  monthly: 31 * 86_400,
};

/** A dump older than this many intervals is stale. */
export const STALE_AFTER_INTERVALS = 2;

/** A dump smaller than this share of the previous one is suspicious. */
export const SHRUNK_BELOW = 0.5;

/**
 * `fresh`; `stale` (the newest dump is older than twice the interval); `missing` (no dump at all);
 * `not-checked` (engine `none`: media only, no dump to look for).
 */
export type Freshness = 'fresh' | 'stale' | 'missing' | 'not-checked';

/** The verdict on one app. */
export interface Assessment {
  freshness: Freshness;
  /** The newest dump is less than half the size of the previous one. */
  shrunk: boolean;
  /** Age of the newest dump in seconds (undefined without one). */
  ageSeconds: number | undefined;
  /** Newest size divided by the previous size (undefined without two dumps, or a previous of 0 bytes). */
  sizeRatio: number | undefined;
}

/** Judges one app's newest dumps at `now`, against a run every `intervalSeconds`. */
export function assessBackups(input: {
  engine: DbEngine;
  intervalSeconds: number | undefined;
  backups: NewestBackups;
  now: Date;
}): Assessment {
  const { newest, previous } = input.backups;
  const ageSeconds = newest ? Math.max(0, Math.round(input.now.getTime() / 1000 - newest.timestamp)) : undefined;
  const sizeRatio = newest && previous && previous.size > 0 ? newest.size / previous.size : undefined;
  const shrunk = sizeRatio !== undefined && sizeRatio < SHRUNK_BELOW;
  if (input.engine === 'none') return { freshness: 'not-checked', shrunk: false, ageSeconds, sizeRatio };
  if (!newest) return { freshness: 'missing', shrunk: false, ageSeconds, sizeRatio };
  const limit = input.intervalSeconds === undefined ? undefined : input.intervalSeconds * STALE_AFTER_INTERVALS;
  const stale = limit !== undefined && (ageSeconds as number) > limit;
  return { freshness: stale ? 'stale' : 'fresh', shrunk, ageSeconds, sizeRatio };
}

/** `3h`, `2d 4h`, `45m`, `12s`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400)
    return `${Math.floor(seconds / 3600)}h${seconds % 3600 >= 60 ? ` ${Math.floor((seconds % 3600) / 60)}m` : ''}`;
  const hours = Math.floor((seconds % 86_400) / 3600);
  return `${Math.floor(seconds / 86_400)}d${hours ? ` ${hours}h` : ''}`;
}

/**
 * Judges one app's media archives as {@link assessBackups} judges dumps, from the run records' transfer
 * steps (`media` holds the two newest successful transfers): `not-checked` when no run record is read or
 * no run tried a transfer (media not configured for the app), `missing` when runs tried but none of the
 * records read has a successful transfer, else fresh/stale by age and shrunk by size. A media-only app
 * (engine `none`) is always checked: media is all it backs up, so no archive is `missing`, never unchecked.
 */
export function assessMedia(input: {
  engine: DbEngine;
  expected: boolean;
  intervalSeconds: number | undefined;
  media: NewestBackups;
  now: Date;
}): Assessment {
  if (!input.expected && input.engine !== 'none')
    return { freshness: 'not-checked', shrunk: false, ageSeconds: undefined, sizeRatio: undefined };
  return assessBackups({
    engine: 'mysql',
    intervalSeconds: input.intervalSeconds,
    backups: input.media,
    now: input.now,
  });
}
