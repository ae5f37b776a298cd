/**
 * When a schedule fires next: a small, pure reading of EventBridge `cron(...)` and `rate(...)`
 * expressions in a time zone. Supports what Backopper writes and what people usually type by hand
 * (numbers, names, `*`, `?`, lists, ranges, steps, `L` as day of month); anything else is an
 * {@link UnsupportedExpressionError}, shown as "next run unknown", never a wrong time.
 */
import { utcOffsetMinutes } from '../../lambda/sync/slots';

/** The expression could not be read; the message says which part. */
export class UnsupportedExpressionError extends Error {
  override name = 'UnsupportedExpressionError';
}

/** A parsed `cron(min hour day-of-month month day-of-week year)`. */
interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  /** Days 1-31, or undefined for `?`. */
  monthDays: Set<number> | undefined;
  lastDayOfMonth: boolean;
  months: Set<number>;
  /** 0 = Sunday ... 6 = Saturday, or undefined for `?`. */
  weekDays: Set<number> | undefined;
  years: Set<number> | undefined;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const RATE_UNITS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 };
// Days searched for the next match: covers every cron (29 February included) without looping forever.
const SEARCH_DAYS = 366 * 5;

/** Options of {@link nextRuns}. */
export interface NextRunsInput {
  /** `cron(17 2 * * ? *)` or `rate(15 minutes)`. */
  expression: string;
  /** IANA zone the expression is in (`ScheduleExpressionTimezone`; rules: UTC). */
  timeZone: string;
  /** Runs strictly after this instant. */
  after: Date;
  /** How many runs. @default 1 */
  count?: number;
  /** For `rate(...)`: when the schedule started (its first run). Without it a rate has no known next run. */
  anchor?: Date;
}

/** The next `count` run times (UTC instants), or [] when they cannot be known (a rate without an anchor). */
export function nextRuns(input: NextRunsInput): Date[] {
  const count = input.count ?? 1;
  const rate = parseRate(input.expression);
  if (rate !== undefined) {
    if (!input.anchor) return [];
    const step = rate * 1000;
    const start = input.anchor.getTime();
    const first = start > input.after.getTime() ? start : start + (Math.floor((input.after.getTime() - start) / step) + 1) * step;
    return Array.from({ length: count }, (_, index) => new Date(first + index * step));
  }
  const cron = parseCron(input.expression);
  const runs: Date[] = [];
  let after = input.after;
  while (runs.length < count) {
    const next = nextCronRun(cron, input.timeZone, after);
    if (!next) break;
    runs.push(next);
    after = next;
  }
  return runs;
}

/** The typical time between runs in seconds: a rate's period, or the gap between a cron's next two runs. */
export function intervalSeconds(input: Omit<NextRunsInput, 'count'>): number | undefined {
  const rate = parseRate(input.expression);
  if (rate !== undefined) return rate;
  const [first, second] = nextRuns({ ...input, count: 2 });
  return first && second ? Math.round((second.getTime() - first.getTime()) / 1000) : undefined;
}

/** The period of `rate(n unit)` in seconds, or undefined when the expression is not a rate. */
export function parseRate(expression: string): number | undefined {
  const match = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression.trim());
  if (!match) return undefined;
  const unit = RATE_UNITS[match[2] as string];
  const value = Number(match[1]);
  if (!unit || value < 1) throw new UnsupportedExpressionError(`${expression}: not a rate like rate(15 minutes)`);
  return value * unit;
}

function parseCron(expression: string): Cron {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) throw new UnsupportedExpressionError(`${expression}: not a cron(...) with six fields or a rate(...)`);
  const [minute, hour, monthDay, month, weekDay, year] = fields as [string, string, string, string, string, string];
  const field = (text: string, min: number, max: number, names: string[] = [], offset = 0) =>
    parseField({ text, min, max, names, offset, expression });
  const lastDayOfMonth = monthDay === 'L';
  return {
    minutes: field(minute, 0, 59),
    hours: field(hour, 0, 23),
    monthDays: monthDay === '?' || lastDayOfMonth ? undefined : field(monthDay, 1, 31),
    lastDayOfMonth,
    months: field(month, 1, 12, MONTHS, 1),
    // EventBridge numbers the days 1 (SUN) to 7 (SAT); stored as 0-6.
    weekDays: weekDay === '?' ? undefined : new Set([...field(weekDay, 1, 7, DAYS, 1)].map((day) => day - 1)),
    years: year === '*' ? undefined : field(year, 1970, 2199),
  };
}

// One field: `*`, `5`, `1-5`, `*/15`, `10-50/10`, `MON,WED`, `JAN-MAR`.
function parseField(input: { text: string; min: number; max: number; names: string[]; offset: number; expression: string }): Set<number> {
  const { min, max } = input;
  const value = (text: string): number => {
    const named = input.names.indexOf(text.toUpperCase());
    const number = named >= 0 ? named + input.offset : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(number >= min && number <= max)) throw new UnsupportedExpressionError(`${input.expression}: cannot read "${input.text}"`);
    return number;
  };
  const result = new Set<number>();
  for (const part of input.text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new UnsupportedExpressionError(`${input.expression}: cannot read "${input.text}"`);
    let [from, to] = [min, max];
    if (range !== '*') {
      const [start = '', end] = range.split('-');
      from = value(start);
      to = end === undefined ? (stepText === undefined ? from : max) : value(end);
    }
    if (from > to) throw new UnsupportedExpressionError(`${input.expression}: range "${range}" runs backwards`);
    for (let item = from; item <= to; item += step) result.add(item);
  }
  return result;
}

// Walks local calendar days from `after`'s local date; converts each matching local time to UTC.
function nextCronRun(cron: Cron, timeZone: string, after: Date): Date | undefined {
  const local = new Date(after.getTime() + utcOffsetMinutes(timeZone, after) * 60_000);
  const firstDay = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (let day = 0; day < SEARCH_DAYS; day += 1) {
    const date = new Date(firstDay + day * 86_400_000);
    if (!matchesDay(cron, date)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const instant = localToUtc(timeZone, date.getTime() + (hour * 60 + minute) * 60_000);
        if (instant.getTime() > after.getTime()) return instant;
      }
    }
  }
  return undefined;
}

function matchesDay(cron: Cron, date: Date): boolean {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  const day = date.getUTCDate();
  if (cron.years && !cron.years.has(year)) return false;
  if (!cron.months.has(month)) return false;
  if (cron.lastDayOfMonth && day !== new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  if (cron.monthDays && !cron.monthDays.has(day)) return false;
  if (cron.weekDays && !cron.weekDays.has(date.getUTCDay())) return false;
  return true;
}

// A local wall-clock time (as a UTC-based millisecond count) to the instant. A time skipped by a
// daylight-saving jump runs at the same clock reading after the jump (02:30 → 03:30); a repeated time
// runs at its first occurrence.
function localToUtc(timeZone: string, wallClock: number): Date {
  const before = utcOffsetMinutes(timeZone, new Date(wallClock - 86_400_000));
  const after = utcOffsetMinutes(timeZone, new Date(wallClock + 86_400_000));
  const valid = [before, after]
    .map((offset) => ({ offset, instant: wallClock - offset * 60_000 }))
    .filter(({ offset, instant }) => utcOffsetMinutes(timeZone, new Date(instant)) === offset)
    .map(({ instant }) => instant);
  return new Date(valid.length > 0 ? Math.min(...valid) : wallClock - before * 60_000);
}
