/**
 * Reads settings from variables (`process.env` of a Lambda or the ops CLI): the text is converted to
 * the setting's JSON type, then the shared rule runs. Errors name the variable.
 */
import { describeValue, InvalidValueError } from '../app-spec';
import { ConfigError } from './config-error';
import type { SettingKind, VariableSetting } from './shared-settings';

/** Variables as `process.env` holds them. */
export type Variables = Readonly<Record<string, string | undefined>>;

/** The variable's text, or undefined when unset or blank. */
export function variableText(env: Variables, name: string): string | undefined {
  const text = env[name]?.trim();
  return text === '' ? undefined : text;
}

/**
 * Converts a variable's text to the setting's JSON type. Text that is not of that type is passed on as
 * it is, so the setting's rule refuses it with its own message ("expected a number from 0 to 1").
 */
export function fromText(text: string, kind: SettingKind): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'integer':
    case 'number':
      return /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : text;
    case 'boolean':
      return /^(true|false)$/i.test(text) ? text.toLowerCase() === 'true' : text;
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        throw new InvalidValueError(`is not JSON: ${describeValue(text)}`);
      }
  }
}

/** Reads one setting from `env`; its fallback when unset, else it is required; throws {@link ConfigError}. */
export function readSetting<T>(env: Variables, setting: VariableSetting<T>): T {
  const text = variableText(env, setting.variable);
  if (text === undefined && setting.fallback === undefined)
    throw new ConfigError('is required', { setting: setting.variable });
  try {
    return setting.parse(text === undefined ? setting.fallback : fromText(text, setting.kind));
  } catch (error) {
    if (error instanceof InvalidValueError) throw new ConfigError(error.message, { setting: setting.variable });
    throw error;
  }
}

/** Like {@link readSetting}, but undefined when the variable is unset and the setting has no fallback. */
export function readOptionalSetting<T>(env: Variables, setting: VariableSetting<T>): T | undefined {
  if (variableText(env, setting.variable) === undefined && setting.fallback === undefined) return undefined;
  return readSetting(env, setting);
}

/** The variable text a synthesized value becomes (what the stack sets on a Lambda). */
export function toVariableText(value: string | number | boolean | object): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
