import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BackopperConfig } from '../config';

/** What {@link createBackopperFunction} needs. */
export interface BackopperFunctionProps {
  readonly description: string;
  /** The handler's source file (exports `handler`). */
  readonly entry: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/** The function, its role and its log group. */
export interface BackopperFunction {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * A scheduled Backopper Lambda (the sync, the freshness check): Node.js 24 on ARM64, bundled with the
 * local esbuild, never two at a time. It adds `Logs`, `Role` and `Function` to `scope` itself rather
 * than a construct of its own, so the resources keep their logical IDs.
 */
export function createBackopperFunction(scope: Construct, props: BackopperFunctionProps): BackopperFunction {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
  });
  // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this one group only.
  const role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const fn = new nodejs.NodejsFunction(scope, 'Function', {
    description: props.description,
    entry: props.entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    timeout: props.timeout,
    role,
    logGroup,
    // One run at a time: two syncs must never race over the same schedules, nor two checks alert twice.
    reservedConcurrentExecutions: 1,
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: {
      // Local esbuild from node_modules; no Docker on build machines.
      forceDockerBundling: false,
      target: 'node24',
      format: nodejs.OutputFormat.CJS,
      minify: true,
      sourceMap: true,
      // Bundle the SDK clients the tests ran against instead of the runtime's copy.
      externalModules: [],
    },
  });
  return { function: fn, role, logGroup };
}

/** The variables both functions read the app list with: its URL, the secret and the environments. */
export function appListEnvironment(
  api: BackopperConfig['api'],
  environments: BackopperConfig['environments'],
): Record<string, string> {
  return {
    BACKOPPER_API_URL: api.urlTemplate,
    BACKOPPER_API_SECRET_PARAMETER: api.secretParameter,
    BACKOPPER_API_SECRET_HEADER: api.secretHeader,
    BACKOPPER_ENVIRONMENTS: JSON.stringify(
      environments.map(({ name, tagKey, tagValue }) => ({ name, tagKey, tagValue })),
    ),
  };
}
