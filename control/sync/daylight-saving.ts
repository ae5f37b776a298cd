/**
 * Local times that a time zone's daylight-saving changes skip or repeat. EventBridge Scheduler skips a
 * run whose local time does not exist (spring forward) and runs a repeated one once (fall back), so a
 * backup slot in either loses or blurs a run once a year: slots avoid them. Computed once per zone
 * from the zone's rules over a fixed span of years (deterministic: the same slots every run).
 */

/** The years whose transitions are considered. */
export const DAYLIGHT_SAVING_YEARS = { first: 2020, last: 2045 } as const;

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const cache = new Map<string, ReadonlySet<number>>();

/** Minutes of the local day (0-1439) skipped or repeated by any transition of `timeZone` in the span. */
export function unstableLocalMinutes(timeZone: string): ReadonlySet<number> {
  const cached = cache.get(timeZone);
  if (cached) return cached;
  const offsetAt = offsetReader(timeZone);
  const minutes = new Set<number>();
  const end = Date.UTC(DAYLIGHT_SAVING_YEARS.last + 1, 0, 1);
  let before = Date.UTC(DAYLIGHT_SAVING_YEARS.first, 0, 1, 12);
  let beforeOffset = offsetAt(before);
  for (let after = before + DAY; after < end; after += DAY) {
    const afterOffset = offsetAt(after);
    if (afterOffset !== beforeOffset) {
      const change = findChange(offsetAt, before, after);
      // Local wall times from (change + the smaller offset) to (change + the larger one) are skipped
      // (spring forward) or happen twice (fall back).
      const from = change + Math.min(beforeOffset, afterOffset) * MINUTE;
      const length = Math.abs(afterOffset - beforeOffset);
      for (let minute = 0; minute < length; minute += 1)
        minutes.add(Math.floor((((from / MINUTE + minute) % 1440) + 1440) % 1440));
    }
    before = after;
    beforeOffset = afterOffset;
  }
  cache.set(timeZone, minutes);
  return minutes;
}

// The first UTC minute with the new offset, by bisection between two instants a day apart.
function findChange(offsetAt: (instant: number) => number, from: number, to: number): number {
  const old = offsetAt(from);
  let low = from;
  let high = to;
  while (high - low > MINUTE) {
    const middle = low + Math.floor((high - low) / MINUTE / 2) * MINUTE;
    if (offsetAt(middle) === old) low = middle;
    else high = middle;
  }
  return high;
}

/** Minutes to add to UTC to get local time in `timeZone` at instant `at` (Amsterdam in summer: 120). */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  return offsetReader(timeZone)(at.getTime());
}

const readers = new Map<string, (instant: number) => number>();

// Minutes to add to UTC for local time, with one formatter per zone (formatters are costly to make).
function offsetReader(timeZone: string): (instant: number) => number {
  const known = readers.get(timeZone);
  if (known) return known;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const reader = (instant: number): number => {
    const parts = format.formatToParts(instant);
    const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((local - Math.floor(instant / MINUTE) * MINUTE) / MINUTE);
  };
  readers.set(timeZone, reader);
  return reader;
}
