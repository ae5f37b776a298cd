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
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { RUN_STEP } from '../../common/names';
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
  /** How long failures are gathered into one message per environment. @default 120 */
  readonly batchWindowSeconds?: number;
  /** AWS Chatbot to this Slack channel, besides e-mail. @default - none */
  readonly slack?: { workspaceId: string; channelId: string };
  /** The backup bucket: each alert names the app's newest good backup from its run records. @default - not named */
  readonly bucket?: s3.IBucket;
}

/** Failures within this many seconds become one message per environment. */
export const DEFAULT_BATCH_WINDOW_SECONDS = 120;

/**
 * Gets a failed backup to a person: an SNS topic with e-mail subscriptions (and optionally AWS Chatbot
 * to Slack); rules on the SSM status events of the backup documents into a queue; a small function
 * that takes the queue in batches, looks up each failed run's app, environment, server and reason, and
 * publishes one message per environment whose subject says what failed, where and why. Alarms created
 * with {@link alarm} notify the same topic.
 */
export class Alerts extends Construct {
  readonly topic: sns.Topic;
  readonly describeFunction: nodejs.NodejsFunction;
  readonly failureQueue: sqs.Queue;
  readonly chatChannel?: chatbot.SlackChannelConfiguration;
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

    const logGroup = new logs.LogGroup(this, 'DescribeLogs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    const role = new iam.Role(this, 'DescribeRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const timeout = Duration.minutes(1);
    this.describeFunction = new nodejs.NodejsFunction(this, 'Describe', {
      description: 'Backopper: turns failed backup commands into one alert per environment (what failed, where, why).',
      entry: path.join(REPOSITORY_ROOT, 'lambda', 'describe-failure', 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout,
      role,
      logGroup,
      environment: {
        BACKOPPER_RUN_STEP: RUN_STEP,
        BACKOPPER_ALERT_TOPIC_ARN: this.topic.topicArn,
        ...(props.bucket ? { BACKOPPER_BUCKET: props.bucket.bucketName } : {}),
      },
      bundling: { forceDockerBundling: false, target: 'node24', minify: true, externalModules: [] },
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadCommandDetails',
        // None of these actions supports resource-level permissions.
        actions: [
          'ssm:ListCommands',
          'ssm:ListCommandInvocations',
          'ssm:GetCommandInvocation',
          // The server's computer name for the alert.
          'ssm:DescribeInstanceInformation',
        ],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ssm:ListCommands, ssm:ListCommandInvocations, ssm:GetCommandInvocation and ssm:DescribeInstanceInformation have no resource-level permissions; the function only reads the failed commands it was told about and their servers.',
    });
    // The run records (`<app>/<env>/runs/*.json`) name each app's newest good backup; read only, nothing else.
    if (props.bucket) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadRunRecords',
          actions: ['s3:GetObject'],
          resources: [props.bucket.arnForObjects('*/runs/*.json')],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ListRunRecords',
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': ['*/runs/*'] } },
        }),
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(props.bucket.node.defaultChild as never)}.Arn>/*/runs/*.json]`,
        reason: 'Only the run records of any app: the alert names its newest good backup.',
      });
    }
    // Also grants the topic key's Decrypt and GenerateDataKey*, which publishing to an encrypted topic needs.
    this.topic.grantPublish(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "grantPublish's key grant for the alert topic's own key (the only resource): SNS needs a data key to encrypt each published message.",
    });

    // The status events wait in a queue so that a burst (a database server dead at night) reaches the
    // function as one batch: one message per environment instead of one e-mail per app.
    this.failureQueue = new sqs.Queue(this, 'FailureEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda needs at least the function timeout; six times it leaves room for retries of a batch.
      visibilityTimeout: Duration.minutes(6),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.describeFunction.addEventSource(
      new sources.SqsEventSource(this.failureQueue, {
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(props.batchWindowSeconds ?? DEFAULT_BATCH_WINDOW_SECONDS),
        reportBatchItemFailures: true,
      }),
    );
    const documents = [props.documentName, ...(props.extraDocumentNames ?? [])];
    const toQueue = () =>
      new targets.SqsQueue(this.failureQueue, {
        retryAttempts: 4,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: props.deadLetterQueue,
      });
    new events.Rule(this, 'FailedCommands', {
      description:
        'Backopper: a backup command failed, timed out, was cancelled or could not be delivered on a server.',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Invocation Status-change Notification'],
        detail: { 'document-name': documents, status: FAILED_INVOCATION_STATUSES },
      },
      targets: [toQueue()],
    });
    new events.Rule(this, 'UnstartedCommands', {
      description: 'Backopper: a backup command ended badly as a whole (alerted when no server ever ran it).',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Status-change Notification'],
        detail: { 'document-name': documents, status: FAILED_INVOCATION_STATUSES },
      },
      targets: [toQueue()],
    });

    if (props.slack) {
      // Optional chat channel: AWS Chatbot posts the topic's alerts (and alarms) to one Slack channel.
      const channel = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `${Stack.of(this).stackName}-alerts`.slice(0, 128),
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [this.topic],
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
      this.chatChannel = channel;
    }

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
