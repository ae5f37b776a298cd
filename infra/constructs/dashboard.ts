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
  /** The freshness monitor's daily counts. @default - no freshness widget */
  readonly freshness?: {
    checked: cloudwatch.Metric;
    stale: cloudwatch.Metric;
    missing: cloudwatch.Metric;
    shrunk: cloudwatch.Metric;
    errors: cloudwatch.Metric;
  };
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
              new cloudwatch.MathExpression({
                expression: 'FILL(ok, 0)',
                usingMetrics: { ok: props.succeeded },
                label: 'succeeded',
                period: day,
                color: cloudwatch.Color.GREEN,
              }),
              new cloudwatch.MathExpression({
                expression: 'FILL(bad, 0)',
                usingMetrics: { bad: props.failed },
                label: 'failed',
                period: day,
                color: cloudwatch.Color.RED,
              }),
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
              props.syncFunction.metricErrors({
                period: Duration.hours(1),
                label: 'errors',
                color: cloudwatch.Color.RED,
              }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Undelivered (dead-letter queue depth)',
            left: [
              props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                period: Duration.minutes(5),
                statistic: 'Maximum',
                label: 'messages',
              }),
            ],
            width: 12,
          }),
        ],
        ...(props.freshness ? [[freshnessWidget(props.freshness)]] : []),
      ],
    });
  }
}

function freshnessWidget(metrics: NonNullable<BackupDashboardProps['freshness']>): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Backup freshness (daily check): problems',
    left: [
      metrics.stale.with({ label: 'stale', color: cloudwatch.Color.ORANGE }),
      metrics.missing.with({ label: 'missing', color: cloudwatch.Color.RED }),
      metrics.shrunk.with({ label: 'shrunk', color: cloudwatch.Color.PURPLE }),
      metrics.errors.with({ label: 'not checked (errors)', color: cloudwatch.Color.GREY }),
    ],
    right: [metrics.checked.with({ label: 'apps checked', color: cloudwatch.Color.GREEN })],
    view: cloudwatch.GraphWidgetView.BAR,
    width: 24,
  });
}
