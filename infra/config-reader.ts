/**
 * Small typed readers over untrusted JSON that record a problem (with the key's full path) instead of
 * throwing, so the config parser can report every mistake at once. Every key a reader looks up is
 * remembered, so {@link unknownKeyProblems} can name the keys nobody reads (a misspelt setting).
 */
import { InvalidValueError } from '../common/app-spec';
import type { SharedSetting } from '../common/settings/shared-settings';

/** A position in the raw configuration: its dotted path, its value, and the shared problem list. */
export interface Reader {
  path: string;
  value: unknown;
  problems: string[];
  /** Every key path looked up so far (shared by all readers of one parse). */
  known: Set<string>;
}

/** The reader of a whole configuration object at `path`. */
export function rootReader(path: string, value: unknown): Reader {
  return { path, value, problems: [], known: new Set([path]) };
}

interface StringRule {
  pattern?: RegExp;
  oneOf?: readonly string[];
  fallback?: string;
  what?: string;
}

interface NumberRule {
  fallback?: number;
  min?: number;
  max?: number;
  oneOf?: readonly number[];
}

function fieldsOf(reader: Reader): Record<string, unknown> {
  const { value } = reader;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function child(reader: Reader, key: string): Reader {
  const path = `${reader.path}.${key}`;
  reader.known.add(path);
  return { path, value: fieldsOf(reader)[key], problems: reader.problems, known: reader.known };
}

function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function checkString(at: Reader, rule: StringRule): string {
  const { value } = at;
  if (typeof value !== 'string') {
    at.problems.push(`${at.path}: expected ${rule.what ?? 'a string'}, got ${shown(value)}`);
    return '';
  }
  if (rule.oneOf && !rule.oneOf.includes(value)) {
    at.problems.push(`${at.path}: ${shown(value)} is not one of ${rule.oneOf.join(', ')}`);
  } else if (rule.pattern && !rule.pattern.test(value)) {
    at.problems.push(`${at.path}: ${shown(value)} is not ${rule.what ?? `matching ${rule.pattern}`}`);
  }
  return value;
}

function checkNumber(at: Reader, rule: NumberRule, integer: boolean): number {
  const { value } = at;
  const kind = integer ? 'a whole number' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    at.problems.push(`${at.path}: expected ${kind}, got ${shown(value)}`);
    return rule.fallback ?? 0;
  }
  if (rule.oneOf && !rule.oneOf.includes(value)) {
    at.problems.push(`${at.path}: ${value} is not one of ${rule.oneOf.join(', ')}`);
  } else if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
    at.problems.push(`${at.path}: ${value} is not ${kind} from ${rule.min ?? '-∞'} to ${rule.max ?? '∞'}`);
  }
  return value;
}

function checkObject(at: Reader): Reader {
  if (at.value === null || typeof at.value !== 'object' || Array.isArray(at.value)) {
    at.problems.push(`${at.path}: expected an object, got ${shown(at.value)}`);
    return { ...at, value: {} };
  }
  return at;
}

/** Readers for required keys; a missing key takes `fallback` when one is given, else it is a problem. */
export const read = {
  string(reader: Reader, key: string, rule: StringRule = {}): string {
    const at = child(reader, key);
    if (at.value === undefined && rule.fallback !== undefined) return rule.fallback;
    return checkString(at, rule);
  },
  integer(reader: Reader, key: string, rule: NumberRule = {}): number {
    const at = child(reader, key);
    if (at.value === undefined && rule.fallback !== undefined) return rule.fallback;
    return checkNumber(at, rule, true);
  },
  number(reader: Reader, key: string, rule: NumberRule = {}): number {
    const at = child(reader, key);
    if (at.value === undefined && rule.fallback !== undefined) return rule.fallback;
    return checkNumber(at, rule, false);
  },
  boolean(reader: Reader, key: string, rule: { fallback?: boolean } = {}): boolean {
    const at = child(reader, key);
    if (at.value === undefined && rule.fallback !== undefined) return rule.fallback;
    if (typeof at.value !== 'boolean') {
      at.problems.push(`${at.path}: expected true or false, got ${shown(at.value)}`);
      return rule.fallback ?? false;
    }
    return at.value;
  },
  object(reader: Reader, key: string, fallback?: Record<string, unknown>): Reader {
    const at = child(reader, key);
    if (at.value === undefined && fallback !== undefined) return { ...at, value: fallback };
    return checkObject(at);
  },
  array(reader: Reader, key: string, rule: { min?: number } = {}): Reader[] {
    const at = child(reader, key);
    if (!Array.isArray(at.value)) {
      at.problems.push(`${at.path}: expected a list, got ${shown(at.value)}`);
      return [];
    }
    if (rule.min !== undefined && at.value.length < rule.min) {
      at.problems.push(
        `${at.path}: expected at least ${rule.min} entr${rule.min === 1 ? 'y' : 'ies'}, got ${at.value.length}`,
      );
    }
    return at.value.map((value, index) => checkObject({ ...at, path: `${at.path}[${index}]`, value }));
  },
};

/** A required list of strings, each checked against the rule. */
export function readList(reader: Reader, key: string, rule: StringRule & { min?: number }): string[] {
  const at = child(reader, key);
  if (!Array.isArray(at.value)) {
    at.problems.push(`${at.path}: expected a list of ${rule.what ?? 'strings'}, got ${shown(at.value)}`);
    return [];
  }
  if (rule.min !== undefined && at.value.length < rule.min) {
    at.problems.push(`${at.path}: expected at least ${rule.min} ${rule.what ?? 'entry'}, got none`);
  }
  return at.value.map((value, index) => checkString({ ...at, path: `${at.path}[${index}]`, value }, rule));
}

/**
 * Reads a shared setting (common/settings) at its context path below `root`, with the rule the
 * Lambdas apply to its variable. Returns the rule's result, or undefined after recording a problem.
 */
export function readSetting<T>(root: Reader, setting: SharedSetting<T>): T | undefined {
  const at = settingReader(root, setting);
  const value = at.value === undefined ? setting.fallback : at.value;
  if (value === undefined) {
    at.problems.push(`${at.path}: missing`);
    return undefined;
  }
  try {
    return setting.parse(value);
  } catch (error) {
    if (!(error instanceof InvalidValueError)) throw error;
    at.problems.push(`${at.path}: ${error.message}`);
    return undefined;
  }
}

/** Like {@link readSetting}, but keeps the value as written (for settings passed on as text). */
export function readSettingText(root: Reader, setting: SharedSetting<unknown>): string {
  const at = settingReader(root, setting);
  const problems = at.problems.length;
  readSetting(root, setting);
  return at.problems.length === problems ? String(at.value ?? setting.fallback) : '';
}

function settingReader(root: Reader, setting: SharedSetting<unknown>): Reader {
  const keys = setting.context.split('.');
  let at = root;
  for (const key of keys.slice(0, -1)) {
    const next = child(at, key);
    at = next.value === undefined ? { ...next, value: {} } : checkObject(next);
  }
  return child(at, keys.at(-1) as string);
}

/**
 * One problem per key in `raw` that no reader looked up: `backopper.Media: unknown setting; did you
 * mean backopper.media?`. Values read as a whole (a list handed to a rule) are not looked into.
 */
export function unknownKeyProblems(root: Reader): string[] {
  const problems: string[] = [];
  const visit = (path: string, value: unknown): void => {
    const below = [...root.known].filter((known) => known.startsWith(`${path}.`) || known.startsWith(`${path}[`));
    if (below.length === 0 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(`${path}[${index}]`, item));
      return;
    }
    const siblings = below.filter((known) => !/[.[]/.test(known.slice(path.length + 1)));
    for (const [key, inner] of Object.entries(value)) {
      const keyPath = `${path}.${key}`;
      if (root.known.has(keyPath)) visit(keyPath, inner);
      else problems.push(`${keyPath}: unknown setting${suggestion(keyPath, siblings)}`);
    }
  };
  visit(root.path, root.value);
  return problems;
}

function suggestion(path: string, candidates: string[]): string {
  const ranked = candidates
    .map((candidate) => ({ candidate, distance: editDistance(path.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  const names = candidates.map((candidate) => candidate.slice(candidate.lastIndexOf('.') + 1));
  if (best && best.distance <= Math.max(2, Math.floor(path.length / 8))) return `; did you mean ${best.candidate}?`;
  return names.length > 0 ? ` (known here: ${names.join(', ')})` : '';
}

// Levenshtein distance: small strings, computed once per unknown key.
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** Readers for optional keys: absent (or null) gives undefined. */
export const readOptional = {
  string(reader: Reader, key: string, rule: StringRule = {}): string | undefined {
    const at = child(reader, key);
    return at.value === undefined || at.value === null ? undefined : checkString(at, rule);
  },
  object(reader: Reader, key: string): Reader | undefined {
    const at = child(reader, key);
    return at.value === undefined || at.value === null ? undefined : checkObject(at);
  },
  list(reader: Reader, key: string, rule: StringRule): string[] | undefined {
    const at = child(reader, key);
    return at.value === undefined || at.value === null ? undefined : readList(reader, key, rule);
  },
};
