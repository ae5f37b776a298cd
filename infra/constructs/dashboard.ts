import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props for {@link BackupDashboard}. */
export interface BackupDashboardProps {
  readonly succeeded: cloudwatch.IMetric;
  readonly failed: cloudwatch.IMetric;
  readonly syncFunction: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarms: cloudwatch.IAlarm[];
}

/** One CloudWatch dashboard: backups per day, sync health, undelivered invocations, alarm states. */
export class BackupDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BackupDashboardProps) {
    super(scope, id);
    const day = Duration.days(1);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(14),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Backups per day',
            left: [
              new cloudwatch.MathExpression({ expression: 'FILL(ok, 0)', usingMetrics: { ok: props.succeeded }, label: 'succeeded', period: day, color: cloudwatch.Color.GREEN }),
              new cloudwatch.MathExpression({ expression: 'FILL(bad, 0)', usingMetrics: { bad: props.failed }, label: 'failed', period: day, color: cloudwatch.Color.RED }),
            ],
            view: cloudwatch.GraphWidgetView.BAR,
            width: 12,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Sync runs and errors',
            left: [
              props.syncFunction.metricInvocations({ period: Duration.hours(1), label: 'runs' }),
              props.syncFunction.metricErrors({ period: Duration.hours(1), label: 'errors', color: cloudwatch.Color.RED }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Undelivered (dead-letter queue depth)',
            left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum', label: 'messages' })],
            width: 12,
          }),
        ],
      ],
    });
  }
}
