/**
 * Validation of the app list the API returns (`GET <api>/backups/<environment>`), entry by entry, with
 * the shared vocabulary of `app-spec.ts`. One bad entry never affects the others: it is skipped with a
 * reason naming the app and the value, as the original tool did.
 */
import {
  type AppSpec,
  describeValue,
  InvalidValueError,
  normalizeEngine,
  normalizeFrequency,
  validateAppName,
  validateProjectType,
} from './app-spec';

/** Why an entry of the list was not turned into a schedule. */
export interface SkippedEntry {
  /** Position of the entry in the list (0-based). */
  index: number;
  /** The app name, when it is a valid one (an entry with a bad frequency still names its app). */
  app?: string;
  /** `invalid-name`: no usable name; `invalid-entry`: valid name, bad field; `duplicate`: name seen before. */
  kind: 'invalid-name' | 'invalid-entry' | 'duplicate';
  /** A sentence naming the app and the offending value. */
  reason: string;
}

/** The outcome of {@link parseAppList}. */
export interface ParsedAppList {
  /** Entries to schedule, in list order. */
  apps: AppSpec[];
  /** Apps whose frequency is `none` or `disabled`: they get no schedule. */
  disabled: string[];
  /** Entries that were not understood, with reasons. */
  skipped: SkippedEntry[];
  /** How many entries the list had. */
  total: number;
}

/** The JSON type of a value, for messages: `array`, `object`, `null`, `string`... */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Validates an app list. Throws {@link InvalidValueError} only when `raw` is not an array at all (the
 * whole list is then unusable); every problem with a single entry is reported in `skipped` instead.
 * Unknown extra fields are ignored. When a name appears twice, the first entry wins.
 */
export function parseAppList(raw: unknown): ParsedAppList {
  if (!Array.isArray(raw)) {
    throw new InvalidValueError(`app list is not a JSON array (got ${describeJsonType(raw)})`);
  }
  const result: ParsedAppList = { apps: [], disabled: [], skipped: [], total: raw.length };
  const firstIndex = new Map<string, number>();
  raw.forEach((entry: unknown, index) => {
    const outcome = parseEntry(entry, index);
    const app = outcome.app;
    if (app !== undefined) {
      const first = firstIndex.get(app);
      if (first !== undefined) {
        result.skipped.push({
          index,
          app,
          kind: 'duplicate',
          reason: `app ${describeValue(app)} appears again at entry ${index} (first at entry ${first}); the first one wins`,
        });
        return;
      }
      firstIndex.set(app, index);
    }
    if ('skipped' in outcome) result.skipped.push(outcome.skipped);
    else if (outcome.spec) result.apps.push(outcome.spec);
    else if (app !== undefined) result.disabled.push(app);
  });
  return result;
}

type EntryOutcome = { app?: string; skipped: SkippedEntry } | { app: string; spec: AppSpec | null };

function parseEntry(entry: unknown, index: number): EntryOutcome {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return {
      skipped: {
        index,
        kind: 'invalid-name',
        reason: `entry ${index} is not an object (got ${describeJsonType(entry)})`,
      },
    };
  }
  const fields = entry as Record<string, unknown>;
  let app: string;
  try {
    app = validateAppName(fields.name);
  } catch (error) {
    return { skipped: { index, kind: 'invalid-name', reason: `entry ${index}: ${messageOf(error)}` } };
  }
  try {
    const frequency = normalizeFrequency(fields.frequency);
    if (frequency === null) return { app, spec: null };
    const engine = normalizeEngine(fields.db_engine);
    const projectType = validateProjectType(fields.project_type);
    return { app, spec: { name: app, frequency, engine, projectType } };
  } catch (error) {
    return {
      app,
      skipped: { index, app, kind: 'invalid-entry', reason: `app ${describeValue(app)}: ${messageOf(error)}` },
    };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof InvalidValueError) return error.message;
  throw error;
}
