/**
 * The dashboard an operator opens first, checked in the synthesized template: a readable name, per-app
 * widgets (last good backup, dump size trend, run time against the limit, media beside databases),
 * backups per day from the run records rather than SSM's invocation count (which counts skipping servers).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { FRESHNESS_METRICS } from '../../common/names';
import { DRILL_METRICS } from '../../common/drill-record';
import { BackupDashboard } from '../../infra/constructs/dashboard';

function synthesizeDashboard(
  withFreshness: boolean,
  withDrills = true,
): {
  name: unknown;
  body: string;
  widgets: { properties: Record<string, unknown> }[];
} {
  const stack = new Stack(new App(), 'Backopper');
  const metric = (name: string) =>
    new cloudwatch.Metric({ namespace: 'Backopper', metricName: name, period: Duration.days(1) });
  const freshness = Object.fromEntries(
    Object.entries(FRESHNESS_METRICS).map(([key, name]) => [key, metric(name)]),
  ) as Record<keyof typeof FRESHNESS_METRICS, cloudwatch.Metric>;
  new BackupDashboard(stack, 'Dashboard', {
    succeeded: metric('BackupsSucceeded'),
    failed: metric('BackupsFailed'),
    syncFunction: lambda.Function.fromFunctionName(stack, 'Sync', 'sync'),
    deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
    alarms: [],
    executionTimeoutSeconds: 14_400,
    ...(withFreshness ? { freshness } : {}),
    ...(withDrills
      ? {
          drills: Object.fromEntries(Object.entries(DRILL_METRICS).map(([key, name]) => [key, metric(name)])) as Record<
            keyof typeof DRILL_METRICS,
            cloudwatch.Metric
          >,
        }
      : {}),
  });
  const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardName: unknown; DashboardBody: unknown };
  }[];
  // The body is a Fn::Join of text and references: the text parts, joined, with a placeholder per reference.
  const join = (resource?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const body = join[1].map((part) => (typeof part === 'string' ? part : 'REF')).join('');
  return {
    name: resource?.Properties.DashboardName,
    body,
    widgets: (JSON.parse(body) as { widgets: { properties: Record<string, unknown> }[] }).widgets,
  };
}

describe('the backup dashboard', () => {
  const { name, body, widgets } = synthesizeDashboard(true);
  const titles = widgets.map((widget) => widget.properties.title);

  it('has a readable name', () => {
    expect(name).toBe('Backopper-Backups');
  });

  it('opens with per-app widgets: last good backup, dump size trend, media age, run time against the limit', () => {
    expect(titles.slice(0, 4)).toEqual([
      'Hours since the last good backup, per app (database; media-only apps: the last good run)',
      'Dump size per app (trend)',
      'Media: hours since the newest archive, per app',
      'Run time per app (newest good run) against the time limit',
    ]);
    for (const metric of ['BackupAgeHours', 'DumpBytes', 'MediaAgeHours', 'RunSeconds'])
      expect(body).toContain(`SEARCH('{Backopper,Environment,App} MetricName=\\"${metric}\\"', 'Maximum', 86400)`);
    const runTime = widgets[3]?.properties as { annotations: { horizontal: { value: number; label: string }[] } };
    expect(runTime.annotations.horizontal[0]).toMatchObject({ value: 14_400 });
  });

  it('counts backups per day from the run records, so a server that skipped an app is not a run', () => {
    const perDay = widgets.find((widget) => String(widget.properties.title).startsWith('Backups per day'));
    expect(perDay?.properties.title).toBe(
      'Backups per day (from the run records: a server that skipped an app is not a run)',
    );
    const graphed = JSON.stringify(perDay?.properties.metrics);
    expect(graphed).toContain('RunsSucceeded');
    expect(graphed).toContain('RunsFailed');
    expect(graphed).not.toContain('BackupsSucceeded');
  });

  it('graphs media problems beside the database ones, and placement', () => {
    const problems = JSON.stringify(
      widgets.find((widget) => String(widget.properties.title).startsWith('Backup freshness')),
    );
    for (const metric of ['FreshnessStale', 'FreshnessMediaStale', 'FreshnessMediaMissing', 'FreshnessMediaShrunk'])
      expect(problems).toContain(metric);
    expect(titles).toContain("Placement (servers' inventory): apps on several servers, on none");
  });

  it('says what its invocation count means when there is no freshness monitor', () => {
    const without = synthesizeDashboard(false);
    expect(without.widgets[0]?.properties.title).toBe(
      'Backup invocations per day (servers that skipped an app count as succeeded)',
    );
  });

  it('has a row of restore drills: age of the last passed drill against the overdue line, restore time, failures', () => {
    const drillTitles = titles.filter((title) => String(title).startsWith('Restore drills'));
    expect(drillTitles).toEqual([
      'Restore drills: hours since the last passed drill, per app',
      'Restore drills: restore time per app (last passed drill)',
      'Restore drills: newest drill failed, per app (1 = failed)',
      'Restore drills (daily check): apps failed, overdue',
    ]);
    for (const metric of ['DrillAgeHours', 'DrillRestoreSeconds', 'DrillFailed'])
      expect(body).toContain(`SEARCH('{Backopper,Environment,App} MetricName=\\"${metric}\\"', 'Maximum', 86400)`);
    const age = widgets.find((widget) => widget.properties.title === drillTitles[0])?.properties as {
      annotations: { horizontal: { value: number; label: string }[] };
    };
    expect(age.annotations.horizontal[0]).toMatchObject({ value: 336, label: 'overdue after 2 weekly drills' });
    const counts = JSON.stringify(widgets.find((widget) => widget.properties.title === drillTitles[3]));
    expect(counts).toContain('DrillsFailed');
    expect(counts).toContain('DrillsOverdue');
  });

  it('has no drill widgets when drills are off', () => {
    const without = synthesizeDashboard(true, false);
    expect(without.body).not.toContain('Drill');
  });
});
