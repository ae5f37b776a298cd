import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FAILURE_DETAIL_TYPE, FAILURE_EVENT_SOURCE, RUN_STEP } from '../../common/names';
import { REPOSITORY_ROOT } from './agent-bundle';

/** Invocation statuses that mean a backup did not happen (or did not finish). */
export const FAILED_INVOCATION_STATUSES = ['Failed', 'TimedOut', 'Cancelled', 'Undeliverable'];

/** Props for {@link Alerts}. */
export interface AlertsProps {
  /** Addresses subscribed to the alert topic (each must confirm the subscription e-mail). */
  readonly emails: string[];
  /** Name of the backup document whose failed runs alert. */
  readonly documentName: string;
  /** Other documents whose failed runs alert too (the restore check). @default - none */
  readonly extraDocumentNames?: string[];
  /** Queue for events that could not be delivered (also alarmed on). */
  readonly deadLetterQueue: sqs.IQueue;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Gets a failed backup to a person: an SNS topic with e-mail subscriptions; a rule on the SSM
 * invocation status events of the backup document; a small function that looks up the failed run's
 * app, environment and reason; and the rule that formats its `Backup failed` event into the e-mail.
 * Alarms created with {@link alarm} notify the same topic.
 */
export class Alerts extends Construct {
  readonly topic: sns.Topic;
  readonly describeFunction: nodejs.NodejsFunction;
  readonly failureRule: events.Rule;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    // A customer managed key: EventBridge and CloudWatch alarms cannot publish with the AWS managed SNS key.
    const key = new kms.Key(this, 'TopicKey', { description: 'Backopper alert topic', enableKeyRotation: true });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          principals: [new iam.ServicePrincipal(service)],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Backopper alerts', masterKey: key, enforceSSL: true });
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    const logGroup = new logs.LogGroup(this, 'DescribeLogs', { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });
    const role = new iam.Role(this, 'DescribeRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.describeFunction = new nodejs.NodejsFunction(this, 'Describe', {
      description: 'Backopper: looks up the app, environment and reason of a failed backup command for the alert.',
      entry: path.join(REPOSITORY_ROOT, 'lambda', 'describe-failure', 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      environment: { BACKOPPER_RUN_STEP: RUN_STEP },
      bundling: { forceDockerBundling: false, target: 'node24', minify: true, externalModules: [] },
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadCommandDetails',
        // Neither action supports resource-level permissions.
        actions: ['ssm:ListCommands', 'ssm:GetCommandInvocation'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ssm:ListCommands and ssm:GetCommandInvocation have no resource-level permissions; the function only reads the failed command it was told about.',
    });
    events.EventBus.fromEventBusName(this, 'DefaultBus', 'default').grantPutEventsTo(role);

    new events.Rule(this, 'FailedCommands', {
      description: 'Backopper: a backup command failed, timed out, was cancelled or could not be delivered.',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Invocation Status-change Notification'],
        detail: { 'document-name': [props.documentName, ...(props.extraDocumentNames ?? [])], status: FAILED_INVOCATION_STATUSES },
      },
      targets: [new targets.LambdaFunction(this.describeFunction, { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: props.deadLetterQueue })],
    });

    const field = (name: string) => events.EventField.fromPath(`$.detail.${name}`);
    this.failureRule = new events.Rule(this, 'BackupFailed', {
      description: 'Backopper: e-mails a described backup failure.',
      eventPattern: { source: [FAILURE_EVENT_SOURCE], detailType: [FAILURE_DETAIL_TYPE] },
      targets: [
        new targets.SnsTopic(this.topic, {
          deadLetterQueue: props.deadLetterQueue,
          // One line: EventBridge hands SNS the template as a JSON string, so a newline would arrive as "\n".
          message: events.RuleTargetInput.fromText(
            [
              `Backopper: the ${field('task')} of ${field('app')} (${field('environment')}) ${field('status')} on instance ${field('instance')}.`,
              `Reason: ${field('summary')}`,
              `Requested at ${field('requestedAt')}, command ${field('commandId')}.`,
              `Output: ${field('consoleUrl')}`,
            ].join(' '),
          ),
        }),
      ],
    });

    this.alarm('DescribeErrors', {
      metric: this.describeFunction.metricErrors({ period: Duration.minutes(5) }),
      description: 'Backopper could not describe a failed backup: check the command history in Systems Manager.',
    });
  }

  /** Creates an alarm (threshold: at least 1 in one period) that notifies the alert topic. */
  alarm(id: string, props: { metric: cloudwatch.IMetric; description: string }): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: props.metric,
      alarmDescription: props.description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
