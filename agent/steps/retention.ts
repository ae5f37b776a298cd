import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { calendarPeriods } from '../../common/calendar';
import { LOCAL_DUMP_PATTERN } from '../../common/app-spec';
import { messageOf } from '../errors';

/** What to keep: the newest `keep`, plus the newest of each of the last `weeks` ISO weeks and `months` months. */
export interface KeepPolicy {
  keep: number;
  /** @default 0 */
  weeks?: number;
  /** @default 0 */
  months?: number;
  /** The zone weeks and months are counted in. @default 'UTC' */
  timeZone?: string;
}

/** A file named after a time (unix seconds). */
export interface DatedName {
  name: string;
  timestamp: number;
}

/** How far after `now` a name may be dated before the clock is suspected (a run's timestamp may run a little ahead). */
export const CLOCK_TOLERANCE_SECONDS = 300;

/** What {@link selectExpired} decided: the names to delete, or none and the name that made it suspect the clock. */
export interface Selection {
  expired: string[];
  /** The name dated furthest after `now` (beyond the tolerance): nothing is deleted while it exists. */
  clockSuspect?: DatedName;
}

/**
 * The one selection local dumps and media archives share: the names to delete so that what `policy`
 * keeps remains: the newest `keep`, and for each of the last `weeks` ISO weeks and `months` months the
 * first of that period (the run after the boundary: the one whose run record carries the weekly or
 * monthly tier, see common/retention-tier.ts). The last `weeks` weeks are the week of `now` and the
 * ones before it. When a name is dated more than {@link CLOCK_TOLERANCE_SECONDS} after `now`, either the
 * clock is wrong now or it was when that name was given: no age can be trusted, so nothing is deleted
 * and the selection names the file that made it suspect the clock.
 */
export function selectExpired(items: DatedName[], policy: KeepPolicy, now = Number.POSITIVE_INFINITY): Selection {
  const future = items.filter((item) => item.timestamp > now + CLOCK_TOLERANCE_SECONDS);
  if (future.length > 0) {
    const clockSuspect = future.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
    return { expired: [], clockSuspect };
  }
  const ranked = [...items].sort((a, b) => b.timestamp - a.timestamp || a.name.localeCompare(b.name));
  const kept = new Set(ranked.slice(0, policy.keep).map((item) => item.name));
  if (Number.isFinite(now)) {
    const timeZone = policy.timeZone ?? 'UTC';
    const current = calendarPeriods(now, timeZone);
    const oldestFirst = [...ranked].reverse();
    for (const [span, period] of [
      [policy.weeks ?? 0, 'week'],
      [policy.months ?? 0, 'month'],
    ] as const) {
      const seen = new Set<number>();
      for (const item of oldestFirst) {
        const at = calendarPeriods(item.timestamp, timeZone)[period];
        if (at > current[period] - span && !seen.has(at)) {
          seen.add(at);
          kept.add(item.name);
        }
      }
    }
  }
  return { expired: ranked.filter((item) => !kept.has(item.name)).map((item) => item.name) };
}

/** The warning for a selection that suspected the clock: which file, dated when, against which now. */
export function describeClockSuspect(where: string, timestamp: number, now: number): string {
  return (
    `${where} is dated ${new Date(timestamp * 1000).toISOString()}, after this run's ${new Date(now * 1000).toISOString()}: ` +
    'the clock is wrong now or was when it was named, so nothing was deleted (remove or rename that file once the clock is right)'
  );
}

/** Our dump names among `fileNames`, with their times. */
export function datedDumps(fileNames: string[]): DatedName[] {
  return fileNames.flatMap((name) => {
    const match = LOCAL_DUMP_PATTERN.exec(name);
    return match ? [{ name, timestamp: Number(match[1]) }] : [];
  });
}

/** Names of local dumps to delete so that the newest `keep` of our own naming remain; other files are never chosen. */
export function selectExpiredBackups(fileNames: string[], keep: number, now = Number.POSITIVE_INFINITY): Selection {
  return selectExpired(datedDumps(fileNames), { keep }, now);
}

/** What local retention decides with a bucket configured (see {@link planLocalRetention}). */
export interface LocalRetentionPlan {
  /** Dumps to delete (with their `.json` records): expired and in S3, or pending past the cap. */
  delete: string[];
  /** Expired dumps kept because they are not in S3 yet. */
  keptPending: string[];
  /** Pending dumps deleted because more than `maxPending` were waiting: backups lost, said loudly. */
  droppedPending: string[];
  /** A dump dated after now: the clock is suspect and nothing is deleted (see {@link selectExpired}). */
  clockSuspect?: DatedName;
}

/**
 * Local retention that never deletes the only copy: without a bucket (`inS3` undefined) the newest
 * `keep` remain; with one, an expired dump is deleted only once it is in S3. Dumps not in S3 yet wait
 * for the next run that reaches S3, up to `maxPending` of them; past that the oldest expired ones go
 * (the disk must not fill while S3 stays away), and the plan says which.
 */
export function planLocalRetention(
  fileNames: string[],
  options: { keep: number; now?: number; inS3?: ReadonlySet<string>; maxPending: number },
): LocalRetentionPlan {
  const { expired, clockSuspect } = selectExpiredBackups(fileNames, options.keep, options.now);
  if (clockSuspect) return { delete: [], keptPending: [], droppedPending: [], clockSuspect };
  const { inS3 } = options;
  if (!inS3) return { delete: expired, keptPending: [], droppedPending: [] };
  const pendingCount = datedDumps(fileNames).filter((dump) => !inS3.has(dump.name)).length;
  const expiredPending = expired.filter((name) => !inS3.has(name));
  const byAge = datedDumps(expiredPending).sort((a, b) => a.timestamp - b.timestamp || a.name.localeCompare(b.name));
  const dropped = new Set(byAge.slice(0, Math.max(0, pendingCount - options.maxPending)).map((dump) => dump.name));
  return {
    delete: expired.filter((name) => inS3.has(name) || dropped.has(name)),
    keptPending: expiredPending.filter((name) => !dropped.has(name)),
    droppedPending: expiredPending.filter((name) => dropped.has(name)),
  };
}

/**
 * Applies local retention in `dir`: deletes what {@link planLocalRetention} chose, with each dump's
 * `.json` record, and records left by dumps that are gone. Called only after a successful dump.
 */
export async function pruneLocalBackups(
  dir: string,
  options: { keep: number; now?: number; inS3?: ReadonlySet<string>; maxPending?: number },
): Promise<LocalRetentionPlan> {
  const names = await readdir(dir).catch((error: unknown) => {
    throw new Error(`cannot list ${dir}: ${messageOf(error)}`, { cause: error });
  });
  const plan = planLocalRetention(names, {
    keep: options.keep,
    now: options.now ?? Math.floor(Date.now() / 1000),
    inS3: options.inS3,
    maxPending: options.maxPending ?? Number.POSITIVE_INFINITY,
  });
  const present = new Set(names);
  for (const name of plan.delete) {
    await unlink(join(dir, name));
    present.delete(name);
  }
  for (const name of names) {
    if (name.endsWith('.json') && LOCAL_DUMP_PATTERN.test(name.slice(0, -5)) && !present.has(name.slice(0, -5)))
      await unlink(join(dir, name)).catch(() => undefined);
  }
  return plan;
}

/** The newest local dump of our naming in `fileNames`, or undefined. */
export function newestBackup(fileNames: string[]): string | undefined {
  return selectExpiredBackups(fileNames, 0).expired[0];
}
