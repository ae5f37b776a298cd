/**
 * Comparing schedule definitions: a canonical JSON form (sorted keys, undefined dropped) so that the
 * same definition always compares equal, and a list of the fields that differ, for plan reasons.
 */

/** A JSON value without undefined. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Returns `value` with object keys sorted and undefined members dropped. */
export function canonicalize(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => canonicalize(item));
  if (typeof value === 'object') {
    const result: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) result[key] = canonicalize(member);
    }
    return result;
  }
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  return String(value);
}

/** The canonical JSON text of `value`: equal texts mean equal definitions. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/**
 * Parses a JSON string and returns it canonicalized, so a stored `Input` compares by content rather
 * than by spacing or key order. Text that is not JSON is kept as the string itself.
 */
export function canonicalJsonText(text: string | undefined): Json {
  if (text === undefined) return null;
  try {
    return canonicalize(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Dotted paths (up to `depth` levels) where `a` and `b` differ: `['scheduleExpression', 'target.input']`. */
export function diffPaths(a: unknown, b: unknown, depth = 2, prefix = ''): string[] {
  const left = canonicalize(a);
  const right = canonicalize(b);
  if (JSON.stringify(left) === JSON.stringify(right)) return [];
  if (depth <= 0 || !isObject(left) || !isObject(right)) return [prefix || '(value)'];
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return keys.flatMap((key) => diffPaths(left[key], right[key], depth - 1, prefix ? `${prefix}.${key}` : key));
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
