/**
 * The rules for every setting that more than one deployable reads: synth (cdk.json context), the
 * Lambdas (their environment) and the ops CLI (the same variables). Each rule takes the value already
 * of its JSON type (a variable's text is converted first, see read-variables.ts) and returns it
 * normalized, or throws {@link InvalidValueError} with a message that says what was expected.
 */
import { describeValue, InvalidValueError, validateEnvironment } from '../app-spec';

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

// Tag keys and values reach IAM conditions, SendCommand targets and a JSON variable: no spaces or quotes.
const TAG_KEY = /^(?!aws:)[A-Za-z0-9_.:/=+@-]{1,128}$/;
const TAG_VALUE = /^[A-Za-z0-9_.:/=+@-]{1,256}$/;

/** Requires a string matching `pattern`; `what` completes "expected ...". */
export function matching(pattern: RegExp, what: string): (value: unknown) => string {
  return (value) => {
    if (typeof value !== 'string' || !pattern.test(value))
      throw new InvalidValueError(`expected ${what}, got ${describeValue(value)}`);
    return value;
  };
}

/** Requires one of `choices` (case-insensitive); returns it as spelled in `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: unknown) => T {
  return (value) => {
    const found =
      typeof value === 'string' ? choices.find((choice) => choice.toLowerCase() === value.toLowerCase()) : undefined;
    if (found === undefined)
      throw new InvalidValueError(`expected one of ${choices.join(', ')}, got ${describeValue(value)}`);
    return found;
  };
}

/** Requires true or false. */
export function trueOrFalse(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidValueError(`expected true or false, got ${describeValue(value)}`);
  return value;
}

/** Requires a whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): (value: unknown) => number {
  return (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidValueError(`expected a whole number from ${min} to ${max}, got ${describeValue(value)}`);
    }
    return value;
  };
}

/** Requires a number from `min` to `max`. */
export function numberFrom(min: number, max: number): (value: unknown) => number {
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidValueError(`expected a number from ${min} to ${max}, got ${describeValue(value)}`);
    }
    return value;
  };
}

/**
 * The app-list URL template: https with `{environment}`; plain http only to this machine (a local
 * app-list API in tests and the demo).
 */
export function parseApiUrlTemplate(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  const local = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(text);
  if (!(
    (/^https:\/\//.test(text) || local) &&
    text.includes('{environment}') &&
    !/[\s'"\\]/.test(text) &&
    URL.canParse(text)
  )) {
    throw new InvalidValueError(`expected an https URL containing {environment}, got ${describeValue(value)}`);
  }
  return text;
}

/** An environment list: each item a name (`"live"`) or `{"name", "tagKey"?, "tagValue"?}`. */
export function parseEnvironmentList(raw: unknown): EnvironmentConfig[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidValueError(`expected a non-empty list of environments, got ${describeValue(raw)}`);
  }
  const environments = raw.map((item: unknown, index) => parseEnvironment(item, index));
  checkDistinctPrefixes(environments.map((environment) => environment.name));
  return environments;
}

function parseEnvironment(item: unknown, index: number): EnvironmentConfig {
  if (typeof item !== 'string' && (typeof item !== 'object' || item === null || Array.isArray(item))) {
    throw new InvalidValueError(`item ${index} must be a name or an object with "name", got ${describeValue(item)}`);
  }
  const fields = (typeof item === 'string' ? { name: item } : item) as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !['name', 'tagKey', 'tagValue'].includes(key));
  if (unknown.length > 0)
    throw new InvalidValueError(`item ${index}: unknown setting ${unknown.join(', ')} (known: name, tagKey, tagValue)`);
  const name = validateEnvironment(fields.name);
  // The usual setup tags each server with its environment's name.
  const tagKey = fields.tagKey ?? DEFAULT_TAG_KEY;
  const tagValue = fields.tagValue ?? name;
  if (typeof tagKey !== 'string' || !TAG_KEY.test(tagKey)) {
    throw new InvalidValueError(
      `environment ${describeValue(name)}: tagKey ${describeValue(tagKey)} is not a tag key (no spaces, not aws:)`,
    );
  }
  if (typeof tagValue !== 'string' || !TAG_VALUE.test(tagValue)) {
    throw new InvalidValueError(
      `environment ${describeValue(name)}: tagValue ${describeValue(tagValue)} is not a tag value (no spaces)`,
    );
  }
  return { name, tagKey, tagValue };
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

/** Parses `HH:MM-HH:MM` (24-hour clock, 00:00 to 23:59); the end is exclusive and may be past midnight. */
export function parseBackupWindow(value: unknown): BackupWindow {
  const text = typeof value === 'string' ? value : '';
  const match = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text.trim());
  const minutes = match ? [toMinutes(match[1], match[2]), toMinutes(match[3], match[4])] : [];
  const [start, end] = minutes;
  if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end) || start === end) {
    throw new InvalidValueError(
      `${describeValue(value)} is not a window like 01:00-05:00 (HH:MM-HH:MM from 00:00 to 23:59, start != end)`,
    );
  }
  return { startMinute: start, lengthMinutes: (end - start + 1440) % 1440 };
}

function toMinutes(hours: string | undefined, minutes: string | undefined): number {
  const h = Number(hours);
  const m = Number(minutes);
  return h <= 23 && m <= 59 ? h * 60 + m : Number.NaN;
}

/** Parses a day of the week: `sun`, `Sunday`, `SUN`... */
export function parseWeekday(value: unknown): Weekday {
  const text = typeof value === 'string' ? value.trim() : '';
  const key = text.slice(0, 3).toUpperCase();
  const full = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
  const index = WEEKDAYS.indexOf(key as Weekday);
  const upper = text.toUpperCase();
  if (index < 0 || (upper.length > 3 && upper !== full[index])) {
    throw new InvalidValueError(`${describeValue(value)} is not a day of the week (SUN..SAT or sunday..saturday)`);
  }
  return WEEKDAYS[index] as Weekday;
}

/** Checks an IANA time zone name (`Europe/Amsterdam`, `UTC`). */
export function parseTimeZone(value: unknown): string {
  try {
    if (typeof value !== 'string' || value === '') throw new RangeError('not a string');
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    throw new InvalidValueError(`${describeValue(value)} is not an IANA time zone (e.g. Europe/Amsterdam, UTC)`);
  }
}
