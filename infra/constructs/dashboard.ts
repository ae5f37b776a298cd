import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { APP_METRICS, FRESHNESS_METRICS, FRESHNESS_NAMESPACE } from '../../common/names';
import {
  DRILL_APP_METRICS,
  DRILL_FREQUENCY,
  type DRILL_METRICS,
  DRILL_OVERDUE_AFTER_PERIODS,
  DRILL_PERIOD_SECONDS,
} from '../../common/drill-record';

/** Props for {@link BackupDashboard}. */
export interface BackupDashboardProps {
  /** Invocations SSM reports Success: servers that skipped an app count too, so it is not graphed as backups. */
  readonly succeeded: cloudwatch.IMetric;
  /** Invocations that failed, timed out, were cancelled or undeliverable. */
  readonly failed: cloudwatch.IMetric;
  readonly syncFunction: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarms: cloudwatch.IAlarm[];
  /** The freshness monitor's daily counts. @default - no freshness or per-app widgets */
  readonly freshness?: Record<keyof typeof FRESHNESS_METRICS, cloudwatch.Metric>;
  /** The freshness monitor's drill counts (drills on). @default - no drill widgets */
  readonly drills?: Record<keyof typeof DRILL_METRICS, cloudwatch.Metric>;
  /** The backup run's time limit (cdk.json schedule.executionTimeoutSeconds), drawn on the run-time graph. @default - not drawn */
  readonly executionTimeoutSeconds?: number;
  /** @default `<stack name>-Backups` */
  readonly dashboardName?: string;
}

const DAY = Duration.days(1);

// Every app's series of one per-app metric (dimensions Environment, App), whatever apps exist today.
// No label: each series keeps CloudWatch's own, its Environment and App.
const perApp = (metric: string) =>
  new cloudwatch.MathExpression({
    expression: `SEARCH('{${FRESHNESS_NAMESPACE},Environment,App} MetricName="${metric}"', 'Maximum', 86400)`,
    usingMetrics: {},
    period: DAY,
  });

/**
 * The dashboard an operator opens first: per app the time since its last good backup, its dump size
 * trend and its run time against the time limit, media beside databases; backups per day counted from
 * the run records (a server that skipped an app is no run); then placement, alarms, sync and the
 * dead-letter queue; restore drills (last proven restore's age, restore time, failures) when drills are on.
 * The per-app series come from the freshness monitor's daily EMF lines.
 */
export class BackupDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BackupDashboardProps) {
    super(scope, id);
    const fresh = props.freshness;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${Stack.of(this).stackName}-Backups`,
      defaultInterval: Duration.days(14),
      widgets: [
        ...(fresh ? [perAppRow(), timeRow(props.executionTimeoutSeconds)] : []),
        ...(fresh && props.drills ? [drillRow(props.drills)] : []),
        [
          backupsPerDay(props, fresh),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 12 }),
        ],
        ...(fresh ? [[problemsWidget(fresh), placementWidget(fresh)]] : []),
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
      ],
    });
  }
}

function perAppRow(): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Hours since the last good backup, per app (database; media-only apps: the last good run)',
      left: [perApp(APP_METRICS.backupAgeHours)],
      leftYAxis: { min: 0, label: 'hours' },
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Dump size per app (trend)',
      left: [perApp(APP_METRICS.dumpBytes)],
      leftYAxis: { min: 0, label: 'bytes' },
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Media: hours since the newest archive, per app',
      left: [perApp(APP_METRICS.mediaAgeHours)],
      leftYAxis: { min: 0, label: 'hours' },
      width: 8,
    }),
  ];
}

function timeRow(limit: number | undefined): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Run time per app (newest good run) against the time limit',
      left: [perApp(APP_METRICS.runSeconds)],
      leftYAxis: { min: 0, label: 'seconds' },
      leftAnnotations: limit
        ? [
            {
              value: limit,
              label: `time limit ${limit} s (schedule.executionTimeoutSeconds)`,
              color: cloudwatch.Color.RED,
            },
          ]
        : [],
      width: 24,
    }),
  ];
}

function drillRow(counts: NonNullable<BackupDashboardProps['drills']>): cloudwatch.IWidget[] {
  const overdueHours = (DRILL_PERIOD_SECONDS * DRILL_OVERDUE_AFTER_PERIODS) / 3600;
  return [
    new cloudwatch.GraphWidget({
      title: 'Restore drills: hours since the last passed drill, per app',
      left: [perApp(DRILL_APP_METRICS.ageHours)],
      leftYAxis: { min: 0, label: 'hours' },
      leftAnnotations: [
        {
          value: overdueHours,
          label: `overdue after ${DRILL_OVERDUE_AFTER_PERIODS} ${DRILL_FREQUENCY} drills`,
          color: cloudwatch.Color.RED,
        },
      ],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Restore drills: restore time per app (last passed drill)',
      left: [perApp(DRILL_APP_METRICS.restoreSeconds)],
      leftYAxis: { min: 0, label: 'seconds' },
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Restore drills: newest drill failed, per app (1 = failed)',
      left: [perApp(DRILL_APP_METRICS.failed)],
      leftYAxis: { min: 0, max: 1 },
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Restore drills (daily check): apps failed, overdue',
      left: [
        counts.failed.with({ label: 'drill failed', color: cloudwatch.Color.RED }),
        counts.overdue.with({ label: 'drill overdue', color: cloudwatch.Color.ORANGE }),
      ],
      view: cloudwatch.GraphWidgetView.BAR,
      width: 6,
    }),
  ];
}

function backupsPerDay(props: BackupDashboardProps, fresh: BackupDashboardProps['freshness']): cloudwatch.GraphWidget {
  const fill = (id: string, metric: cloudwatch.IMetric, label: string, color: string) =>
    new cloudwatch.MathExpression({
      expression: `FILL(${id}, 0)`,
      usingMetrics: { [id]: metric },
      label,
      period: DAY,
      color,
    });
  return new cloudwatch.GraphWidget({
    title: fresh
      ? 'Backups per day (from the run records: a server that skipped an app is not a run)'
      : 'Backup invocations per day (servers that skipped an app count as succeeded)',
    left: fresh
      ? [
          fill('ok', fresh.runsSucceeded, 'runs succeeded', cloudwatch.Color.GREEN),
          fill('bad', fresh.runsFailed, 'runs failed', cloudwatch.Color.RED),
          fill('inv', props.failed, 'invocations failed (SSM)', cloudwatch.Color.ORANGE),
        ]
      : [
          fill('ok', props.succeeded, 'succeeded', cloudwatch.Color.GREEN),
          fill('bad', props.failed, 'failed', cloudwatch.Color.RED),
        ],
    view: cloudwatch.GraphWidgetView.BAR,
    width: 12,
  });
}

function problemsWidget(metrics: NonNullable<BackupDashboardProps['freshness']>): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Backup freshness (daily check): problems, databases and media',
    left: [
      metrics.stale.with({ label: 'stale', color: cloudwatch.Color.ORANGE }),
      metrics.missing.with({ label: 'missing', color: cloudwatch.Color.RED }),
      metrics.shrunk.with({ label: 'shrunk', color: cloudwatch.Color.PURPLE }),
      metrics.mediaStale.with({ label: 'media stale', color: cloudwatch.Color.BROWN }),
      metrics.mediaMissing.with({ label: 'media missing', color: cloudwatch.Color.PINK }),
      metrics.mediaShrunk.with({ label: 'media shrunk', color: cloudwatch.Color.BLUE }),
      metrics.errors.with({ label: 'not checked (errors)', color: cloudwatch.Color.GREY }),
    ],
    right: [metrics.checked.with({ label: 'apps checked', color: cloudwatch.Color.GREEN })],
    view: cloudwatch.GraphWidgetView.BAR,
    width: 12,
  });
}

function placementWidget(metrics: NonNullable<BackupDashboardProps['freshness']>): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: "Placement (servers' inventory): apps on several servers, on none",
    left: [
      metrics.onSeveralServers.with({ label: 'on several servers', color: cloudwatch.Color.ORANGE }),
      metrics.onNoServer.with({ label: 'on no server', color: cloudwatch.Color.RED }),
    ],
    view: cloudwatch.GraphWidgetView.BAR,
    width: 12,
  });
}
