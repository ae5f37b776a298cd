import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FAILED_INVOCATION_STATUSES } from './alerts';

/** Namespace of Backopper's own metrics. */
export const METRIC_NAMESPACE = 'Backopper';

/** Props for {@link CommandHistory}. */
export interface CommandHistoryProps {
  /** Name of the backup document whose runs are recorded. */
  readonly documentName: string;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly retention?: logs.RetentionDays;
}

/**
 * The audit trail of backup runs beyond the SSM command history (which shows only the first 24,000
 * characters of output): a log group the commands send their full output to, and a log of every
 * finished invocation's status, from which the succeeded/failed counts are measured.
 */
export class CommandHistory extends Construct {
  /** Full output of every backup command (SendCommand's CloudWatchOutputConfig). */
  readonly outputLogGroup: logs.LogGroup;
  /** One JSON event per finished invocation. */
  readonly statusLogGroup: logs.LogGroup;
  readonly succeeded: cloudwatch.Metric;
  readonly failed: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: CommandHistoryProps) {
    super(scope, id);
    const retention = props.retention ?? logs.RetentionDays.THREE_MONTHS;
    // RETAIN: the record of what was backed up, and why something was not, must outlive the stack.
    this.outputLogGroup = new logs.LogGroup(this, 'Output', { retention, removalPolicy: RemovalPolicy.RETAIN });
    this.statusLogGroup = new logs.LogGroup(this, 'Status', { retention, removalPolicy: RemovalPolicy.RETAIN });

    // The log group as an EventBridge target, with a plain resource policy: the CDK target class would add
    // a custom-resource Lambda just to write that policy.
    const statusLogArn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.statusLogGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    new logs.ResourcePolicy(this, 'StatusDelivery', {
      policyStatements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          principals: [
            new iam.ServicePrincipal('events.amazonaws.com'),
            new iam.ServicePrincipal('delivery.logs.amazonaws.com'),
          ],
          resources: [this.statusLogGroup.logGroupArn],
        }),
      ],
    });
    new events.Rule(this, 'Finished', {
      description: 'Backopper: records the status of every finished backup command invocation.',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Invocation Status-change Notification'],
        detail: { 'document-name': [props.documentName], status: ['Success', ...FAILED_INVOCATION_STATUSES] },
      },
      targets: [{ bind: () => ({ arn: statusLogArn }) }],
    });

    const count = (name: string, statuses: string[]) =>
      new logs.MetricFilter(this, name, {
        logGroup: this.statusLogGroup,
        metricNamespace: METRIC_NAMESPACE,
        metricName: name,
        filterPattern: logs.FilterPattern.any(
          ...statuses.map((status) => logs.FilterPattern.stringValue('$.detail.status', '=', status)),
        ),
        metricValue: '1',
      }).metric({ statistic: 'Sum' });
    this.succeeded = count('BackupsSucceeded', ['Success']);
    this.failed = count('BackupsFailed', FAILED_INVOCATION_STATUSES);
  }
}
