import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BackopperConfig } from './config';
import { AgentBundle } from './constructs/agent-bundle';
import { Alerts } from './constructs/alerts';
import { BackupBucket } from './constructs/backup-bucket';
import { BackupDocument } from './constructs/backup-document';
import { CliSettings } from './constructs/cli-settings';
import { CommandHistory } from './constructs/command-history';
import { BackupDashboard } from './constructs/dashboard';
import { FreshnessMonitor } from './constructs/freshness-monitor';
import { InventoryCollection } from './constructs/inventory-collection';
import { ScheduleTarget } from './constructs/schedule-target';
import { ServerPolicy } from './constructs/server-policy';
import { SyncFunction } from './constructs/sync-function';
import { VerifyDocument } from './constructs/verify-document';
import { RestoreMediaDocument } from './constructs/restore-media-document';

/** Props for {@link BackopperStack}. */
export interface BackopperStackProps extends StackProps {
  readonly config: BackopperConfig;
  /** The built agent. @default dist/backopper-agent.js */
  readonly agentFile?: string;
  /** The sync handler's source. @default lambda/sync/handler.ts */
  readonly syncEntry?: string;
  /** The freshness handler's source. @default lambda/freshness/handler.ts */
  readonly freshnessEntry?: string;
}

/**
 * Everything Backopper runs in AWS: the backup bucket, the agent bundle and the document that runs
 * it, the sync Lambda that keeps one schedule per app, the servers' policies, alerts and a dashboard.
 * Environment-agnostic (no lookups), so `cdk synth` works offline.
 */
export class BackopperStack extends Stack {
  constructor(scope: Construct, id: string, props: BackopperStackProps) {
    super(scope, id, {
      description: 'Backopper: scheduled database and media backups of web apps, run by SSM.',
      ...props,
    });
    const { config } = props;
    const retention = config.logRetentionDays as logs.RetentionDays;

    const backups = new BackupBucket(this, 'Backups', config.bucket);
    const bundle = new AgentBundle(this, 'Agent', { file: props.agentFile });
    const reportSecretParameter = config.agent.reportUrl ? config.api.secretParameter : undefined;
    const document = new BackupDocument(this, 'Backup', {
      bundle,
      bucketName: backups.bucket.bucketName,
      agent: config.agent,
      media: config.media,
      timeZone: config.schedule.timezone,
      executionTimeoutSeconds: config.schedule.executionTimeoutSeconds,
      reportSecretParameter,
      reportSecretHeader: config.api.secretHeader,
    });
    // Weekly restore drills (on by default): their own document, run by schedules the sync keeps beside the backups.
    const verify = config.verify.enabled
      ? new VerifyDocument(this, 'Verify', {
          bundle,
          agent: config.agent,
          adminUrlParameter: config.verify.adminUrlParameter,
          executionTimeoutSeconds: config.verify.executionTimeoutSeconds,
          bucketName: backups.bucket.bucketName,
          media: config.media,
        })
      : undefined;
    // The media restore runs on the app's server, which holds the media key (`backopper restore ... --media`).
    if (config.media)
      new RestoreMediaDocument(this, 'RestoreMedia', { bundle, agent: config.agent, media: config.media });
    const history = new CommandHistory(this, 'Commands', { documentName: document.documentName, retention });
    const target = new ScheduleTarget(this, 'Schedules', {
      backend: config.schedule.backend,
      group: config.schedule.group,
      documentArn: document.documentArn,
      extraDocumentArns: verify ? [verify.documentArn] : [],
      environments: config.environments,
    });
    const sync = new SyncFunction(this, 'Sync', {
      api: config.api,
      environments: config.environments,
      schedule: config.schedule,
      target,
      documentName: document.documentName,
      documentArn: document.documentArn,
      commandLogGroup: history.outputLogGroup,
      logRetention: retention,
      entry: props.syncEntry,
      verify: verify && {
        documentName: verify.documentName,
        weeklyDay: config.verify.weeklyDay,
        window: config.verify.window,
        executionTimeoutSeconds: config.verify.executionTimeoutSeconds,
      },
      runAfter: [document, target, history, ...(verify ? [verify] : [])],
    });

    // Each server reports the apps it holds; the sync aims each backup at its server.
    new InventoryCollection(this, 'Inventory', {
      bundle,
      agent: config.agent,
      environments: config.environments,
      gather: config.inventory.gather,
    });

    const alerts = new Alerts(this, 'Alerts', {
      emails: config.alerts.emails,
      documentName: document.documentName,
      extraDocumentNames: verify ? [verify.documentName] : [],
      deadLetterQueue: target.deadLetterQueue,
      logRetention: retention,
      slack: config.alerts.slack,
      bucket: backups.bucket,
    });
    alerts.alarm('SyncErrors', {
      metric: sync.function.metricErrors({ period: Duration.minutes(config.schedule.syncEveryMinutes) }),
      description:
        'The Backopper sync failed: schedules may be stale. See the sync function logs (an unreachable API or a mass-delete refusal).',
    });
    alerts.alarm('Undelivered', {
      metric: target.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      description: 'A Backopper backup (or alert) could not be delivered: read the messages in the dead-letter queue.',
    });
    const freshness = config.freshness.enabled
      ? new FreshnessMonitor(this, 'Freshness', {
          api: config.api,
          environments: config.environments,
          bucket: backups.bucket,
          topic: alerts.topic,
          hourUtc: config.freshness.hourUtc,
          drills: config.verify.enabled,
          logRetention: retention,
          entry: props.freshnessEntry,
        })
      : undefined;
    if (freshness) {
      alerts.alarm('FreshnessErrors', {
        metric: freshness.function.metricErrors({ period: Duration.days(1) }),
        description:
          'The Backopper freshness check failed or could not look at every app (API, bucket or alert topic unreachable): backups may be stale unnoticed. See its log.',
      });
    }
    new BackupDashboard(this, 'Dashboard', {
      succeeded: history.succeeded,
      failed: history.failed,
      syncFunction: sync.function,
      deadLetterQueue: target.deadLetterQueue,
      alarms: alerts.alarms,
      freshness: freshness?.metrics,
      drills: freshness?.drillMetrics,
      executionTimeoutSeconds: config.schedule.executionTimeoutSeconds,
    });

    const verifySecret = verify ? config.verify.adminUrlParameter : undefined;
    const secretParameters = [config.media?.identityParameter, reportSecretParameter, verifySecret].filter(
      (name): name is string => name !== undefined,
    );
    for (const environment of config.environments) {
      const server = new ServerPolicy(this, `Servers-${environment.name}`, {
        environment: environment.name,
        bucket: backups.bucket,
        agentAsset: bundle.asset,
        commandLogGroup: history.outputLogGroup,
        secretParameters,
      });
      new CfnOutput(this, `ServerPolicy-${environment.name}`, {
        description: `Attach to the instance role of the servers tagged ${environment.tagKey}=${environment.tagValue}`,
        value: server.policy.managedPolicyArn,
      });
    }
    const cliSettings = new CliSettings(this, 'CliSettings', {
      variables: { ...sync.environment, BACKOPPER_BUCKET: backups.bucket.bucketName },
    });
    new CfnOutput(this, 'SettingsParameter', {
      description: 'What the ops CLI reads (backopper --stack <name>)',
      value: cliSettings.parameter.parameterName,
    });
    new CfnOutput(this, 'BucketName', { value: backups.bucket.bucketName });
    new CfnOutput(this, 'AlertTopic', { value: alerts.topic.topicArn });
    new CfnOutput(this, 'CommandOutputLogGroup', { value: history.outputLogGroup.logGroupName });
    new CfnOutput(this, 'SyncFunctionName', { value: sync.function.functionName });
    if (freshness) new CfnOutput(this, 'FreshnessFunctionName', { value: freshness.function.functionName });
  }
}
