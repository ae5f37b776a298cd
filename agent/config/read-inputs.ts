import { InvalidValueError } from '../../common/app-spec';
import { ConfigError } from '../errors';
import { type FlagTypes, parseFlags } from './parse-flags';
import { SETTINGS, type SettingName, type SettingSpec, settingLabel } from './settings';

/** Flags every command that takes settings knows: its own (`extra`) and every setting's. */
function flagTypes(extra: FlagTypes): FlagTypes {
  const settings = Object.values(SETTINGS) as SettingSpec[];
  return { ...Object.fromEntries(settings.map((s) => [s.flag, s.boolean ? 'boolean' : 'string'])), ...extra };
}

/**
 * Reads a command line and the environment, collecting every problem instead of stopping at the
 * first: `setting` applies flag > variable > default, `need` a required flag, `check` runs a
 * validation and records its ConfigError; `done` throws one ConfigError listing them all.
 */
export function readInputs(argv: readonly string[], env: NodeJS.ProcessEnv, extra: FlagTypes) {
  const { values, problems } = parseFlags(argv, flagTypes(extra));
  const setting = (name: SettingName): string | undefined => {
    const spec: SettingSpec = SETTINGS[name];
    const flag = values[spec.flag];
    const value = typeof flag === 'boolean' ? String(flag) : (flag ?? env[spec.variable]);
    return value === undefined || value === '' ? spec.fallback : value;
  };
  /** The result of `what`, or undefined with its problem recorded. */
  const check = <T>(what: () => T): T | undefined => {
    try {
      return what();
    } catch (error) {
      if (error instanceof ConfigError) problems.push(...error.problems);
      else if (error instanceof InvalidValueError) problems.push(error.message);
      else throw error;
      return undefined;
    }
  };
  const need = (flag: string): string => {
    const value = values[flag];
    if (typeof value !== 'string' || value === '') throw new ConfigError(`--${flag} is required`);
    return value;
  };
  const done = (): void => {
    if (problems.length === 1) throw new ConfigError(problems[0]!);
    if (problems.length > 1) throw new ConfigError(problems, { heading: `${problems.length} problems` });
  };
  return { values, setting, check, need, done };
}

/** An absolute folder, trailing slashes removed. */
export function absolutePath(value: string, spec: SettingSpec): string {
  if (!value.startsWith('/'))
    throw new ConfigError(`${settingLabel(spec)} ${JSON.stringify(value)} is not an absolute path`);
  return value.replace(/\/+$/, '') || '/';
}

/** A whole number from `min` to `max`. */
export function integerIn(value: string, min: number, max: number, spec: SettingSpec): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new ConfigError(`${settingLabel(spec)} ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  }
  return number;
}

/** A MySQL client size (`1G`, `512M`, `64K`, bytes) from 1 KiB to 1 GiB, the range mysqldump accepts. */
export function packetSize(value: string, spec: SettingSpec): string {
  const match = /^(\d+)([KMG]?)$/i.exec(value);
  const bytes = match ? Number(match[1]) * 1024 ** ' KMG'.indexOf(match[2]!.toUpperCase() || ' ') : NaN;
  if (!(bytes >= 1024 && bytes <= 1024 ** 3)) {
    throw new ConfigError(
      `${settingLabel(spec)} ${JSON.stringify(value)} is not a size from 1K to 1G (a number of bytes, or with K, M or G)`,
    );
  }
  return value.toUpperCase();
}

/** One of `allowed`. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], spec: SettingSpec): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new ConfigError(`${settingLabel(spec)} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** Unset, or a value matching `pattern` (`what` says what it should be). */
export function optional(
  value: string | undefined,
  pattern: RegExp,
  spec: SettingSpec,
  what: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw new ConfigError(`${settingLabel(spec)} ${JSON.stringify(value)} is not ${what}`);
  return value;
}

/** An unset folder, or an absolute one. */
export function optionalPath(value: string | undefined, spec: SettingSpec): string | undefined {
  return value === undefined ? undefined : absolutePath(value, spec);
}
