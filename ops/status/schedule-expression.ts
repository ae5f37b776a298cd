/**
 * When a schedule fires next: EventBridge `cron(...)` and `rate(...)` expressions in a time zone.
 * Cron arithmetic is croner's (AWS's six fields map onto croner's 7-part Quartz mode: seconds 0,
 * Sunday = 1, `?`, `L`, `W`, `#`, years); two AWS rules are applied on top: one of day-of-month and
 * day-of-week must be `?`, and a local time skipped by a daylight-saving change does not run that day
 * (AWS skips it; croner would run it after the gap). A repeated local time runs once, the first time,
 * as both do. Anything else is an {@link UnsupportedExpressionError}, shown as "next run unknown",
 * never a wrong time.
 */
import { Cron } from 'croner';

/** The expression could not be read; the message says which part. */
export class UnsupportedExpressionError extends Error {
  override name = 'UnsupportedExpressionError';
}

const RATE_UNITS: Record<string, number> = {
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86_400,
  days: 86_400,
};

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
    const first =
      start > input.after.getTime() ? start : start + (Math.floor((input.after.getTime() - start) / step) + 1) * step;
    return Array.from({ length: count }, (_, index) => new Date(first + index * step));
  }
  const cron = parseCron(input.expression, input.timeZone);
  const runs: Date[] = [];
  let after = input.after;
  // A skipped local time is dropped, so ask for more until `count` real runs (bounded: at most one
  // skip per daylight-saving change).
  for (let asked = 0; runs.length < count && asked < count + 8; asked += 1) {
    const next = cron.nextRun(after);
    if (!next) break;
    if (cron.match(next) && !isRepeatedLocalTime(next, input.timeZone)) runs.push(next);
    after = next;
  }
  return runs;
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/**
 * Whether the local wall time of `instant` already happened earlier that night: the second pass through
 * the hour a fall-back change repeats. AWS runs a repeated local time once (the first time); croner runs
 * an every-hour expression in both passes.
 */
function isRepeatedLocalTime(instant: Date, timeZone: string): boolean {
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', dateStyle: 'short', timeStyle: 'short' });
    wallClocks.set(timeZone, format);
  }
  const wall = format.format(instant);
  // Daylight-saving changes move clocks back by 30, 60 or 120 minutes.
  return [30, 60, 120].some((minutes) => format.format(instant.getTime() - minutes * 60_000) === wall);
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

function parseCron(expression: string, timeZone: string): Cron {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) {
    throw new UnsupportedExpressionError(
      `${expression}: expected cron(minutes hours day-of-month month day-of-week year)`,
    );
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new UnsupportedExpressionError(`${expression}: exactly one of day-of-month and day-of-week must be "?"`);
  }
  try {
    return new Cron(`0 ${fields.join(' ')}`, {
      timezone: timeZone,
      mode: '7-part',
      alternativeWeekdays: true,
      paused: true,
    });
  } catch (error) {
    throw new UnsupportedExpressionError(`${expression}: ${(error as Error).message}`, { cause: error });
  }
}
