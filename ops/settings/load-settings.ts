/**
 * Reads the deployed stack's published settings (one ssm:GetParameter) when the command needs them,
 * and merges them under the operator's variables. A stack that publishes none is an error when it was
 * named (`--stack`, BACKOPPER_STACK); otherwise the variables alone are used, and the note says where
 * the settings were looked for, for the error about the first missing one.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_STACK_NAME, settingsParameterName } from '../../common/names';
import { ConfigError } from '../../common/settings/config-error';
import { createAwsClient } from '../../control/aws-clients';
import type { Environment } from '../../control/config';
import {
  mergeSettings,
  needsPublishedSettings,
  parsePublishedSettings,
  type PublishedSettings,
} from './stack-settings';

/** What {@link loadSettings} found. */
export interface LoadedSettings {
  env: Environment;
  /** The settings parameter read, when one was. */
  published?: PublishedSettings & { parameter: string };
  /** Why nothing was published (the parameter does not exist), when it was looked for and missing. */
  note?: string;
}

/** Loads the variables for one command. `stack` from `--stack`, else BACKOPPER_STACK, else Backopper. */
export async function loadSettings(input: {
  env: Environment;
  required: readonly string[];
  stack?: string;
  ssm?: SSMClient;
}): Promise<LoadedSettings> {
  const named = input.stack ?? input.env.BACKOPPER_STACK;
  if (named === 'none') return { env: input.env };
  if (!needsPublishedSettings(input.env, input.required, named !== undefined)) return { env: input.env };
  const stack = named ?? DEFAULT_STACK_NAME;
  const parameter = settingsParameterName(stack);
  const ssm = input.ssm ?? createAwsClient(SSMClient);
  let text: string;
  try {
    const answer = await ssm.send(new GetParameterCommand({ Name: parameter }));
    text = answer.Parameter?.Value ?? '';
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ParameterNotFound')) throw error;
    const region = await regionOf(ssm);
    const where = `no settings parameter ${parameter} in ${region}`;
    if (named !== undefined) {
      throw new ConfigError(
        `${where}: is stack ${stack} deployed in this account and region (this version publishes it)? Check the profile's region or set AWS_REGION`,
        { setting: '--stack' },
      );
    }
    return {
      env: input.env,
      note: `${where} (deploy the stack there, pass --stack <name> for another one, or set the variables)`,
    };
  }
  const published = parsePublishedSettings(text, parameter);
  return { env: mergeSettings(published, input.env), published: { ...published, parameter } };
}

async function regionOf(ssm: SSMClient): Promise<string> {
  try {
    return await ssm.config.region();
  } catch {
    return 'the configured region';
  }
}
