/**
 * Parsers for the structured configuration values (environments, backup window, weekday, time zone).
 * Each throws a plain message; `config.ts` attaches the variable's name.
 */
import { describeValue, InvalidValueError, validateEnvironment } from '../app-spec';
import { describeJsonType } from '../app-list';

/** Days of the week as cron spells them. */
export const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** A day of the week in cron spelling. */
export type Weekday = (typeof WEEKDAYS)[number];

/** The daily window in which backups start, in the configured time zone. */
export interface BackupWindow {
  /** Minutes after local midnight of the first possible start. */
  startMinute: number;
  /** Length in minutes (a window may run past midnight: `22:00-02:00` is 240 minutes). */
  lengthMinutes: number;
}

/** One environment the sync manages, and how its servers are found. */
export interface EnvironmentConfig {
  /** The name used in the API URL, schedule names and the agent's `--environment`. */
  name: string;
  /** Tag key of the environment's servers (SSM targets `tag:<key>`). */
  tagKey: string;
  /** Tag value of the environment's servers. */
  tagValue: string;
}

/** Tag key used when an environment does not set `tagKey`. */
export const DEFAULT_TAG_KEY = 'backopper:environment';

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;

/**
 * Parses `BACKOPPER_ENVIRONMENTS`: a JSON array whose items are either a name (`"live"`) or an object
 * `{"name": "live", "tagKey": "backopper:environment", "tagValue": "live"}` (tag key and value default
 * to {@link DEFAULT_TAG_KEY} and the name).
 */
export function parseEnvironments(text: string): EnvironmentConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidValueError(`is not JSON: ${describeValue(text)}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidValueError(`must be a non-empty JSON array, got ${describeJsonType(raw)}`);
  }
  const environments = raw.map((item: unknown, index) => parseEnvironment(item, index));
  checkDistinctPrefixes(environments.map((environment) => environment.name));
  return environments;
}

function parseEnvironment(item: unknown, index: number): EnvironmentConfig {
  if (typeof item !== 'string' && (typeof item !== 'object' || item === null || Array.isArray(item))) {
    throw new InvalidValueError(`item ${index} must be a name or an object with "name", got ${describeJsonType(item)}`);
  }
  const fields = (typeof item === 'string' ? { name: item } : item) as Record<string, unknown>;
  const name = validateEnvironment(fields.name);
  const tagKey = fields.tagKey ?? DEFAULT_TAG_KEY;
  const tagValue = fields.tagValue ?? name;
  for (const [field, value, max] of [['tagKey', tagKey, 128], ['tagValue', tagValue, 256]] as const) {
    if (typeof value !== 'string' || !TAG_TEXT.test(value) || value.length > max || value.startsWith('aws:')) {
      throw new InvalidValueError(`environment ${describeValue(name)}: ${field} ${describeValue(value)} is not a valid tag ${field === 'tagKey' ? 'key' : 'value'}`);
    }
  }
  return { name, tagKey: tagKey as string, tagValue: tagValue as string };
}

// Schedule names are `backopper-<environment>-<app>`: with environments `live` and `live-eu`, the name
// `backopper-live-eu-shop` could belong to either, so such pairs are refused.
function checkDistinctPrefixes(names: string[]): void {
  for (const a of names) {
    for (const b of names) {
      if (a === b && names.indexOf(a) !== names.lastIndexOf(a)) {
        throw new InvalidValueError(`environment ${describeValue(a)} is listed twice`);
      }
      if (a !== b && b.startsWith(`${a}-`)) {
        throw new InvalidValueError(
          `environments ${describeValue(a)} and ${describeValue(b)} would give ambiguous schedule names ` +
            `(backopper-${b}-x could be app "${b.slice(a.length + 1)}-x" of ${a}); rename one`,
        );
      }
    }
  }
}

/** Parses `HH:MM-HH:MM` (24-hour clock); the end is exclusive and may be past midnight. */
export function parseBackupWindow(text: string): BackupWindow {
  const match = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text.trim());
  const minutes = match ? [toMinutes(match[1], match[2]), toMinutes(match[3], match[4])] : [];
  const [start, end] = minutes;
  if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end) || start === end) {
    throw new InvalidValueError(`${describeValue(text)} is not a window like 01:00-05:00 (HH:MM-HH:MM, start != end)`);
  }
  return { startMinute: start, lengthMinutes: (end - start + 1440) % 1440 };
}

function toMinutes(hours: string | undefined, minutes: string | undefined): number {
  const h = Number(hours);
  const m = Number(minutes);
  return h <= 23 && m <= 59 ? h * 60 + m : Number.NaN;
}

/** Parses a day of the week: `sun`, `Sunday`, `SUN`... */
export function parseWeekday(text: string): Weekday {
  const key = text.trim().slice(0, 3).toUpperCase();
  const full = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
  const index = WEEKDAYS.indexOf(key as Weekday);
  const upper = text.trim().toUpperCase();
  if (index < 0 || (upper.length > 3 && upper !== full[index])) {
    throw new InvalidValueError(`${describeValue(text)} is not a day of the week (SUN..SAT or sunday..saturday)`);
  }
  return WEEKDAYS[index] as Weekday;
}

/** Checks an IANA time zone name (`Europe/Amsterdam`, `UTC`). */
export function parseTimeZone(text: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: text });
    return text;
  } catch {
    throw new InvalidValueError(`${describeValue(text)} is not an IANA time zone (e.g. Europe/Amsterdam, UTC)`);
  }
}
