/**
 * The settings a deployed stack publishes for the CLI (`/backopper/<stack>/settings`, written by
 * infra/constructs/cli-settings.ts) and how they combine with the operator's variables: a variable
 * that is set wins, the published value fills in the rest. Pure.
 */
import type { Environment } from '../../control/config';

/** The parameter's JSON. */
export interface PublishedSettings {
  format: 1;
  stack: string;
  region: string;
  /** `BACKOPPER_*` variables, as the sync Lambda gets them, plus `BACKOPPER_BUCKET`. */
  variables: Record<string, string>;
}

/** Parses the parameter's value; throws naming the parameter when it is not Backopper's format 1. */
export function parsePublishedSettings(text: string, parameterName: string): PublishedSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${parameterName} is not JSON: is it Backopper's settings parameter?`);
  }
  const object = value as Partial<PublishedSettings> | null;
  if (
    typeof object !== 'object' ||
    object === null ||
    typeof object.variables !== 'object' ||
    object.variables === null
  ) {
    throw new Error(`${parameterName} has no "variables" object: is it Backopper's settings parameter?`);
  }
  if (object.format !== 1)
    throw new Error(
      `${parameterName} has settings format ${JSON.stringify(object.format)}; this backopper reads format 1 (upgrade the CLI or redeploy the stack)`,
    );
  const variables: Record<string, string> = {};
  for (const [name, setting] of Object.entries(object.variables)) {
    if (!/^BACKOPPER_[A-Z0-9_]+$/.test(name) || typeof setting !== 'string')
      throw new Error(`${parameterName}: variables.${name} is not a BACKOPPER_* text setting`);
    variables[name] = setting;
  }
  return { format: 1, stack: String(object.stack ?? ''), region: String(object.region ?? ''), variables };
}

/** The variables to read the configuration from: the operator's where set (non-empty), else the published ones. */
export function mergeSettings(published: PublishedSettings | undefined, env: Environment): Environment {
  const merged: Record<string, string> = { ...(published?.variables ?? {}) };
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[name] = value;
  return merged;
}

/** Whether the published settings must be read: a stack was named, or a variable the command needs is not set. */
export function needsPublishedSettings(env: Environment, required: readonly string[], stackNamed: boolean): boolean {
  return stackNamed || required.some((name) => !env[name]);
}
