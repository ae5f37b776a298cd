import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { settingsParameterName } from '../../common/names';

/** Props for {@link CliSettings}. */
export interface CliSettingsProps {
  /** The variables the ops CLI reads (`BACKOPPER_*`), as the sync Lambda gets them, plus the bucket. */
  readonly variables: Record<string, string>;
}

/** The published settings' format version: the CLI refuses a parameter of another format. */
export const CLI_SETTINGS_FORMAT = 1;

/**
 * Publishes the deployment's settings in one String parameter, `/backopper/<stack>/settings`:
 * `{ format, stack, region, variables }`. The ops CLI reads it with ssm:GetParameter and fills in every
 * variable the operator did not set, so a profile is all it needs. Intelligent-Tiering: standard
 * (free, 4 KB) unless a long environment list needs advanced.
 */
export class CliSettings extends Construct {
  readonly parameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: CliSettingsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: settingsParameterName(stack.stackName),
      description:
        'Backopper: the settings the ops CLI (backopper status, run, restore...) reads from the deployed stack.',
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
      stringValue: stack.toJsonString({
        format: CLI_SETTINGS_FORMAT,
        stack: stack.stackName,
        region: stack.region,
        variables: props.variables,
      }),
    });
  }
}
