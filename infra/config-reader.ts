/**
 * Small typed readers over untrusted JSON that record a problem (with the key's full path) instead of
 * throwing, so the config parser can report every mistake at once.
 */

/** A position in the raw configuration: its dotted path, its value, and the shared problem list. */
export interface Reader {
  path: string;
  value: unknown;
  problems: string[];
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
  return { path: `${reader.path}.${key}`, value: fieldsOf(reader)[key], problems: reader.problems };
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
      at.problems.push(`${at.path}: expected at least ${rule.min} entr${rule.min === 1 ? 'y' : 'ies'}, got ${at.value.length}`);
    }
    return at.value.map((value, index) => checkObject({ path: `${at.path}[${index}]`, value, problems: at.problems }));
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
  return at.value.map((value, index) => checkString({ path: `${at.path}[${index}]`, value, problems: at.problems }, rule));
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
