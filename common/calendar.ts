/**
 * Calendar periods of a moment in a time zone: the day, the ISO week (Monday to Sunday) and the month
 * it falls in, as whole numbers that count up by one per period. Tiered retention (which boundary a
 * backup crossed) and the media server's weekly/monthly keeps both pick periods this way.
 */

const FORMATS = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hourCycle: 'h23',
    });
    FORMATS.set(timeZone, format);
  }
  return format;
}

/** The periods a unix time (seconds) falls in, in `timeZone` (IANA). */
export interface CalendarPeriods {
  year: number;
  /** year * 12 + month - 1 */
  month: number;
  /** ISO week: weeks since the Monday 1969-12-29, so a week starts on Monday. */
  week: number;
  /** Days since 1970-01-01 of the local date. */
  day: number;
}

export function calendarPeriods(timestamp: number, timeZone: string): CalendarPeriods {
  const parts = Object.fromEntries(
    formatFor(timeZone)
      .formatToParts(new Date(timestamp * 1000))
      .map((part) => [part.type, part.value]),
  );
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Math.round(Date.UTC(year, month - 1, Number(parts.day)) / 86_400_000);
  // 1970-01-01 was a Thursday: day + 3 counts from the Monday before it.
  return { year, month: year * 12 + month - 1, week: Math.floor((day + 3) / 7), day };
}
