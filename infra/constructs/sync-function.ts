import * as path from 'node:path';
import { Annotations, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import type { BackopperConfig } from '../config';
import { REPOSITORY_ROOT } from './agent-bundle';
import { appListEnvironment, createBackopperFunction } from './backopper-function';
import { RULE_NAME_PREFIX, type ScheduleTarget } from './schedule-target';

/** Props for {@link SyncFunction}. */
export interface SyncFunctionProps {
  readonly api: BackopperConfig['api'];
  readonly environments: BackopperConfig['environments'];
  readonly schedule: BackopperConfig['schedule'];
  readonly target: ScheduleTarget;
  readonly documentName: string;
  readonly documentArn: string;
  /** Log group the backup commands write their output to. */
  readonly commandLogGroup: logs.ILogGroup;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** The handler's source file. @default lambda/sync/handler.ts */
  readonly entry?: string;
  /** The weekly restore check, when enabled: its document and settings. @default - off */
  readonly verify?: { documentName: string; weeklyDay: string; window: string; executionTimeoutSeconds: number };
  /** Resources that must exist before the run on deploy (the document, the schedule role...). @default - none */
  readonly runAfter?: Construct[];
}

/**
 * The sync Lambda (lambda/sync/handler.ts): turns the app list into one schedule per app. It runs every few
 * minutes and once on deploy, never two at a time (reserved concurrency 1), and may touch only
 * Backopper's own schedules, pass only the schedule role, and read only the API secret.
 */
export class SyncFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly trigger: triggers.Trigger;
  /** The function's `BACKOPPER_*` variables (the ops CLI reads the same, published by CliSettings). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: SyncFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { schedule, target } = props;
    const timeout = Duration.minutes(5);

    this.environment = {
      ...appListEnvironment(props.api, props.environments),
      BACKOPPER_SCHEDULE_BACKEND: target.backend,
      BACKOPPER_SCHEDULE_GROUP: target.groupName,
      BACKOPPER_DOCUMENT_NAME: props.documentName,
      BACKOPPER_DOCUMENT_ARN: props.documentArn,
      BACKOPPER_SCHEDULE_ROLE_ARN: target.role.roleArn,
      BACKOPPER_TIMEZONE: schedule.timezone,
      BACKOPPER_BACKUP_WINDOW: schedule.backupWindow,
      BACKOPPER_WEEKLY_DAY: schedule.weeklyDay,
      BACKOPPER_DEAD_LETTER_ARN: target.deadLetterQueue.queueArn,
      BACKOPPER_COMMAND_LOG_GROUP: props.commandLogGroup.logGroupName,
      BACKOPPER_EXECUTION_TIMEOUT: String(schedule.executionTimeoutSeconds),
      BACKOPPER_MAX_DELETE_FRACTION: String(schedule.maxDeleteFraction),
      ...(props.verify
        ? {
            BACKOPPER_VERIFY_DOCUMENT_NAME: props.verify.documentName,
            BACKOPPER_VERIFY_DAY: props.verify.weeklyDay,
            BACKOPPER_VERIFY_WINDOW: props.verify.window,
            BACKOPPER_VERIFY_EXECUTION_TIMEOUT: String(props.verify.executionTimeoutSeconds),
          }
        : {}),
    };
    const {
      function: fn,
      role,
      logGroup,
    } = createBackopperFunction(this, {
      description: 'Backopper: syncs the app list into one backup schedule per app.',
      entry: props.entry ?? path.join(REPOSITORY_ROOT, 'lambda', 'sync', 'handler.ts'),
      timeout,
      logRetention: props.logRetention,
      environment: this.environment,
    });
    this.function = fn;
    this.logGroup = logGroup;

    ssm.StringParameter.fromSecureStringParameterAttributes(this, 'ApiSecret', {
      parameterName: props.api.secretParameter,
    }).grantRead(this.function);
    for (const statement of scheduleStatements(stack, target)) this.function.addToRolePolicy(statement);
    // Which server holds which app (Custom:BackopperApps); GetInventory has no resource-level permissions.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadServerInventory',
        actions: ['ssm:GetInventory', 'ssm:DescribeInstanceInformation'],
        resources: ['*'],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PassOnlyTheScheduleRole',
        actions: ['iam:PassRole'],
        resources: [target.role.roleArn],
        conditions: {
          StringEquals: {
            'iam:PassedToService': target.backend === 'scheduler' ? 'scheduler.amazonaws.com' : 'events.amazonaws.com',
          },
        },
      }),
    );

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${target.backend === 'scheduler' ? 'scheduler:ListSchedules' : 'events:ListRules'} and ssm:GetInventory and ssm:DescribeInstanceInformation have no resource-level permissions; every write is scoped to Backopper's own schedules.`,
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${managedSchedulesPattern(target)}]`,
      reason:
        "The sync creates and deletes one schedule per app, named at run time; the wildcard is limited to Backopper's schedule group (or backopper- rules).",
    });

    new events.Rule(this, 'Every', {
      description: 'Backopper: periodic sync of the app list into backup schedules.',
      schedule: events.Schedule.rate(Duration.minutes(schedule.syncEveryMinutes)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    // Runs the sync during `cdk deploy` (on the first deploy and whenever the code or a setting changes),
    // so the schedules exist when the deploy finishes; a failed sync fails the deploy and says why.
    this.trigger = new triggers.Trigger(this, 'RunOnDeploy', {
      handler: this.function,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      timeout,
      executeOnHandlerChange: true,
    });
    if (props.runAfter) this.trigger.executeAfter(...props.runAfter);
    Annotations.of(this.function).acknowledgeWarning(
      '@aws-cdk/aws-lambda:addPermissionsToVersionOrAlias',
      'The schedule rule invokes the unqualified function (resource policy); the deploy trigger invokes the version through its own role policy, not a resource policy.',
    );
  }
}

/** The managed schedules' ARN pattern as cdk-nag prints it. */
function managedSchedulesPattern(target: ScheduleTarget): string {
  return target.backend === 'scheduler'
    ? `arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${target.groupName}/*`
    : `arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${RULE_NAME_PREFIX}*`;
}

/** IAM for the chosen backend: Backopper's schedule group, or rules named backopper-*, and nothing else. */
function scheduleStatements(stack: Stack, target: ScheduleTarget): iam.PolicyStatement[] {
  if (target.backend === 'scheduler') {
    return [
      // ListSchedules has no resource-level permissions; the handler lists only its own group.
      new iam.PolicyStatement({ sid: 'ListSchedules', actions: ['scheduler:ListSchedules'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'ManageBackopperSchedules',
        actions: [
          'scheduler:GetSchedule',
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
        ],
        resources: [
          stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${target.groupName}/*` }),
        ],
      }),
    ];
  }
  return [
    // ListRules has no resource-level permissions; the handler lists by the backopper- prefix.
    new iam.PolicyStatement({ sid: 'ListRules', actions: ['events:ListRules'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'ManageBackopperRules',
      actions: [
        'events:DescribeRule',
        'events:PutRule',
        'events:DeleteRule',
        'events:PutTargets',
        'events:RemoveTargets',
        'events:ListTargetsByRule',
      ],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: `${RULE_NAME_PREFIX}*` })],
    }),
  ];
}
