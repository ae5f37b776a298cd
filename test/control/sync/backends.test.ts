import { afterEach, describe, expect, it } from 'vitest';
import { parseBackupWindow } from '../../../common/settings/rules';
import { slotFor } from '../../../control/sync/slots';
import { makeApps } from '../../fakes/app-list-api';
import { withoutBackoffWaits } from '../../fakes/instant-backoff';
import { createSyncWorld, type SyncWorld } from '../../fakes/sync-world';

const window = parseBackupWindow('01:00-05:00');
const localSlot = (app: string) =>
  slotFor({ environment: 'live', app, frequency: 'daily', window, weeklyDay: 'SUN', timeZone: 'Europe/Amsterdam' });

describe('the Scheduler backend', () => {
  let world: SyncWorld;
  afterEach(async () => {
    await world.close();
  });

  it('creates schedules in its group that call SSM SendCommand with the whole request', async () => {
    world = await createSyncWorld({ backend: 'scheduler', environments: ['live'] });
    world.api.setList('live', makeApps(1, 'shop'));
    await world.sync();
    const schedule = world.scheduler.schedule('backopper-live-shop-0000');
    const { hour, minute } = localSlot('shop-0000');
    expect(schedule).toMatchObject({
      GroupName: 'backopper',
      ScheduleExpression: `cron(${minute} ${hour} * * ? *)`,
      ScheduleExpressionTimezone: 'Europe/Amsterdam',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Description: expect.stringMatching(/^managed by backopper \(environment live, app shop-0000\)/),
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:ssm:sendCommand',
        RoleArn: 'arn:aws:iam::123456789012:role/backopper-schedules',
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:backopper-dead-letters' },
      },
    });
    expect(JSON.parse(schedule?.Target?.Input ?? '')).toEqual({
      DocumentName: 'Backopper-Backup',
      Targets: [{ Key: 'tag:backopper:environment', Values: ['live'] }],
      MaxConcurrency: '100%',
      MaxErrors: '100%',
      Parameters: {
        app: ['shop-0000'],
        environment: ['live'],
        engine: ['mysql'],
        projectType: ['laravel'],
        executionTimeout: ['3600'],
      },
      TimeoutSeconds: 600,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/backopper/commands' },
      Comment: 'backopper backup of shop-0000 (live)',
    });
  });

  it('updates every schedule when the configuration changes (tag, document, dead-letter queue)', async () => {
    world = await createSyncWorld({ backend: 'scheduler', environments: ['live'] });
    world.api.setList('live', makeApps(3, 'shop'));
    await world.sync();
    const changed = await world.sync({
      env: {
        BACKOPPER_ENVIRONMENTS: '[{"name":"live","tagKey":"Role","tagValue":"web-live"}]',
        BACKOPPER_DEAD_LETTER_ARN: '',
        BACKOPPER_DOCUMENT_NAME: 'Backopper-Backup-v2',
      },
    });
    expect(changed.summary.environments[0]).toMatchObject({ updated: 3, unchanged: 0 });
    const schedule = world.scheduler.schedule('backopper-live-shop-0002');
    expect(schedule?.Target?.DeadLetterConfig).toBeUndefined();
    expect(JSON.parse(schedule?.Target?.Input ?? '')).toMatchObject({
      DocumentName: 'Backopper-Backup-v2',
      Targets: [{ Key: 'tag:Role', Values: ['web-live'] }],
    });
  });
});

describe('the EventBridge rules backend', () => {
  let world: SyncWorld;
  afterEach(async () => {
    await world.close();
  });

  it('creates a UTC cron rule with an SSM Run Command target', async () => {
    world = await createSyncWorld({ backend: 'rules', environments: ['live'] });
    world.api.setList('live', makeApps(1, 'shop'));
    await world.sync();
    const stored = world.eventBridge.rule('backopper-live-shop-0000');
    const { hour, minute } = localSlot('shop-0000');
    // January in Amsterdam is UTC+1.
    expect(stored?.rule).toMatchObject({
      ScheduleExpression: `cron(${minute} ${(hour + 23) % 24} * * ? *)`,
      State: 'ENABLED',
    });
    expect(stored?.rule.Description).toMatch(/^managed by backopper \(environment live, app shop-0000\)/);
    expect(stored?.targets).toEqual([
      {
        Id: 'backopper-backup',
        Arn: 'arn:aws:ssm:eu-west-1:123456789012:document/Backopper-Backup',
        RoleArn: 'arn:aws:iam::123456789012:role/backopper-schedules',
        Input: JSON.stringify({
          app: ['shop-0000'],
          environment: ['live'],
          engine: ['mysql'],
          projectType: ['laravel'],
          executionTimeout: ['3600'],
        }),
        RunCommandParameters: { RunCommandTargets: [{ Key: 'tag:backopper:environment', Values: ['live'] }] },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:backopper-dead-letters' },
      },
    ]);
  });

  it('moves the UTC times when daylight saving time starts, then converges again', async () => {
    world = await createSyncWorld({ backend: 'rules', environments: ['live'] });
    world.api.setList('live', makeApps(3, 'shop'));
    await world.sync();
    const summer = new Date('2025-07-01T12:00:00Z');
    const moved = await world.sync({ now: summer });
    expect(moved.summary.environments[0]).toMatchObject({ updated: 3 });
    const { hour, minute } = localSlot('shop-0000');
    expect(world.expressionOf('backopper-live-shop-0000')).toBe(`cron(${minute} ${(hour + 22) % 24} * * ? *)`);
    world.resetCounts();
    await world.sync({ now: summer });
    expect(world.writes()).toBe(0);
  });

  it('removes a target added by hand to a managed rule', async () => {
    world = await createSyncWorld({ backend: 'rules', environments: ['live'] });
    world.api.setList('live', makeApps(2, 'shop'));
    await world.sync();
    world.eventBridge.edit('backopper-live-shop-0001', (stored) =>
      stored.targets.set('extra', { Id: 'extra', Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:x' }),
    );
    world.resetCounts();
    const outcome = await world.sync();
    expect(outcome.summary.environments[0]).toMatchObject({ updated: 1, unchanged: 1 });
    expect(world.counts()).toMatchObject({ RemoveTargets: 1 });
    expect(world.counts().PutRule).toBeUndefined();
    expect(world.eventBridge.rule('backopper-live-shop-0001')?.targets.map((t) => t.Id)).toEqual(['backopper-backup']);
  });

  it('reports the rules-per-bus quota per schedule and still creates the rest', async () => {
    // The SDK counts LimitExceededException as throttling and retries it maxAttempts times.
    withoutBackoffWaits();
    world = await createSyncWorld({ backend: 'rules', environments: ['live'], ruleLimit: 5 });
    world.api.setList('live', makeApps(8, 'shop'));
    const outcome = await world.sync();
    expect(outcome.ok).toBe(false);
    expect(outcome.summary.environments[0]).toMatchObject({ status: 'failed', created: 5 });
    expect(outcome.summary.environments[0]?.errors).toHaveLength(3);
    expect(outcome.summary.environments[0]?.errors[0]).toContain('LimitExceededException');
  });
});
