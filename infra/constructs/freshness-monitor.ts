import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { FRESHNESS_METRICS, FRESHNESS_NAMESPACE } from '../../common/names';
import { DRILL_METRICS } from '../../common/drill-record';
import type { BackopperConfig } from '../config';
import { REPOSITORY_ROOT } from './agent-bundle';
import { appListEnvironment, createBackopperFunction } from './backopper-function';

/** Props for {@link FreshnessMonitor}. */
export interface FreshnessMonitorProps {
  readonly api: BackopperConfig['api'];
  readonly environments: BackopperConfig['environments'];
  readonly bucket: s3.IBucket;
  /** The alert topic (its KMS key is granted too). */
  readonly topic: sns.ITopic;
  /** Hour (UTC) of the daily check. @default 6 */
  readonly hourUtc?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** The stack runs weekly restore drills (cdk.json `verify.enabled`): alert on failed and overdue ones. @default true */
  readonly drills?: boolean;
  /** The handler's source. @default lambda/freshness/handler.ts */
  readonly entry?: string;
}

/**
 * The daily freshness check (lambda/freshness/handler.ts): the newest dump of every app in the app list against
 * its frequency and the previous dump's size, the newest restore drills (failed, overdue), one alert message
 * for every problem, counts as metrics. It may list the backup bucket and read the run and drill records
 * (never a dump), read the API secret, and publish to the topic.
 */
export class FreshnessMonitor extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  /** The counts it emits (Embedded Metric Format), by what they count. */
  readonly metrics: Record<keyof typeof FRESHNESS_METRICS, cloudwatch.Metric>;
  /** The drill counts it emits (undefined when drills are off). */
  readonly drillMetrics: Record<keyof typeof DRILL_METRICS, cloudwatch.Metric> | undefined;

  constructor(scope: Construct, id: string, props: FreshnessMonitorProps) {
    super(scope, id);
    const {
      function: fn,
      role,
      logGroup,
    } = createBackopperFunction(this, {
      description: 'Backopper: daily check that every app has a recent, plausibly sized backup in S3.',
      entry: props.entry ?? path.join(REPOSITORY_ROOT, 'lambda', 'freshness', 'handler.ts'),
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      environment: {
        ...appListEnvironment(props.api, props.environments),
        BACKOPPER_BUCKET: props.bucket.bucketName,
        BACKOPPER_ALERT_TOPIC_ARN: props.topic.topicArn,
        BACKOPPER_DRILLS_ENABLED: String(props.drills ?? true),
      },
    });
    this.function = fn;
    this.logGroup = logGroup;
    // Dumps: listing only (ages and sizes come from ListObjectsV2). Media: the run records; drills: their records.
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ListBackups', actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadRunAndDrillRecords',
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects('*/runs/*.json'), props.bucket.arnForObjects('*/drills/*.json')],
      }),
    );
    ssm.StringParameter.fromSecureStringParameterAttributes(this, 'ApiSecret', {
      parameterName: props.api.secretParameter,
    }).grantRead(role);
    // Which server holds which app, to name apps on no server (GetInventory has no resource-level permissions).
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadServerInventory',
        actions: ['ssm:GetInventory', 'ssm:DescribeInstanceInformation'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ssm:GetInventory and ssm:DescribeInstanceInformation have no resource-level permissions; the function only reads the Custom:BackopperApps inventory.',
    });
    // sns:Publish on the topic, and kms:Decrypt/GenerateDataKey on its key.
    props.topic.grantPublish(role);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).resolve((props.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string}.Arn>/*/runs/*.json]`,
      reason:
        'The run records of every app and environment (<app>/<environment>/runs/<ts>_<host>.json): read-only, that key pattern only; dumps are only listed.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).resolve((props.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string}.Arn>/*/drills/*.json]`,
      reason:
        'The drill records of every app and environment (<app>/<environment>/drills/<ts>_<host id>.json): read-only, that key pattern only.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* (the permission AWS documents for SNS publishers), granted on the alert topic's own key only.",
    });

    new events.Rule(this, 'Daily', {
      description: 'Backopper: daily backup freshness check.',
      schedule: events.Schedule.cron({ minute: '0', hour: String(props.hourUtc ?? 6) }),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    const metric = (name: string) =>
      new cloudwatch.Metric({
        namespace: FRESHNESS_NAMESPACE,
        metricName: name,
        statistic: 'Maximum',
        period: Duration.days(1),
      });
    this.metrics = {
      checked: metric(FRESHNESS_METRICS.checked),
      stale: metric(FRESHNESS_METRICS.stale),
      missing: metric(FRESHNESS_METRICS.missing),
      shrunk: metric(FRESHNESS_METRICS.shrunk),
      errors: metric(FRESHNESS_METRICS.errors),
      mediaStale: metric(FRESHNESS_METRICS.mediaStale),
      mediaMissing: metric(FRESHNESS_METRICS.mediaMissing),
      mediaShrunk: metric(FRESHNESS_METRICS.mediaShrunk),
      onSeveralServers: metric(FRESHNESS_METRICS.onSeveralServers),
      onNoServer: metric(FRESHNESS_METRICS.onNoServer),
      runsSucceeded: metric(FRESHNESS_METRICS.runsSucceeded),
      runsFailed: metric(FRESHNESS_METRICS.runsFailed),
    };
    this.drillMetrics =
      (props.drills ?? true)
        ? { failed: metric(DRILL_METRICS.failed), overdue: metric(DRILL_METRICS.overdue) }
        : undefined;
  }
}
