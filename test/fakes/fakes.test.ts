import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  EventBridgeClient,
  DeleteRuleCommand,
  ListRulesCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateScheduleCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCloudWatchLogs } from './fake-cloudwatch-logs';
import { FakeEventBridge } from './fake-eventbridge';
import { FakeScheduler } from './fake-scheduler';
import { FakeSsm } from './fake-ssm';
import { withoutBackoffWaits } from './instant-backoff';

// The fakes stand in for AWS in every sync test: these tests pin the service behaviour they imitate, one
// attempt per call (maxAttempts 1), so what is seen is the service's answer and not the SDK's retry.
const schedule = (name: string): CreateScheduleInput => ({
  Name: name,
  GroupName: 'backopper',
  ScheduleExpression: 'cron(0 3 * * ? *)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:q', RoleArn: 'arn:aws:iam::123456789012:role/r' },
});

describe('FakeScheduler', () => {
  const fake = new FakeScheduler({ pageSize: 2, throttleEvery: 0 });
  const client = new SchedulerClient({ region: 'eu-west-1', maxAttempts: 1 });
  afterEach(() => fake.restore());

  it('behaves like Scheduler: conflicts, missing names, name rules, defaults, pages', async () => {
    fake.install();
    await client.send(new CreateScheduleCommand(schedule('a')));
    await expect(client.send(new CreateScheduleCommand(schedule('a')))).rejects.toMatchObject({
      name: 'ConflictException',
    });
    await expect(client.send(new UpdateScheduleCommand(schedule('b')))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(client.send(new DeleteScheduleCommand({ Name: 'b', GroupName: 'backopper' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(client.send(new CreateScheduleCommand(schedule('a b')))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new CreateScheduleCommand(schedule('x'.repeat(65))))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new CreateScheduleCommand({ ...schedule('c'), GroupName: 'nope' }))).rejects.toMatchObject(
      { name: 'ResourceNotFoundException' },
    );
    expect(fake.schedule('a')).toMatchObject({
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      Target: { RetryPolicy: { MaximumRetryAttempts: 185 } },
    });
    for (const name of ['b', 'c', 'd', 'e']) await client.send(new CreateScheduleCommand(schedule(name)));
    const pages: string[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListSchedulesCommand({ GroupName: 'backopper', NextToken }));
      pages.push((page.Schedules ?? []).map((s) => s.Name as string));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    await expect(
      client.send(new ListSchedulesCommand({ GroupName: 'default', NextToken: 'bogus' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    fake.throttle.every = 1;
    await expect(client.send(new ListSchedulesCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('FakeEventBridge', () => {
  const fake = new FakeEventBridge({ pageSize: 1, ruleLimit: 2 });
  const client = new EventBridgeClient({ region: 'eu-west-1', maxAttempts: 1 });
  afterEach(() => fake.restore());

  it('behaves like EventBridge: upserting rules, targets need a rule, no delete with targets, quota, pages', async () => {
    fake.install();
    await client.send(new PutRuleCommand({ Name: 'r1', ScheduleExpression: 'cron(0 3 * * ? *)', Description: 'one' }));
    await client.send(new PutRuleCommand({ Name: 'r1', ScheduleExpression: 'cron(5 3 * * ? *)' }));
    expect(fake.rule('r1')?.rule).toMatchObject({ ScheduleExpression: 'cron(5 3 * * ? *)', Description: undefined });
    await expect(
      client.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: 'cron(0 3 * * * *)' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      client.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 't', Arn: 'arn:x' }] })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await client.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 't', Arn: 'arn:aws:sqs:eu-west-1:1:q' }] }));
    await expect(client.send(new DeleteRuleCommand({ Name: 'r1' }))).rejects.toThrow(
      "Rule can't be deleted since it has targets.",
    );
    await expect(client.send(new DeleteRuleCommand({ Name: 'never-existed' }))).resolves.toMatchObject({
      $metadata: { httpStatusCode: 200 },
    });
    await client.send(new PutRuleCommand({ Name: 'r2', ScheduleExpression: 'rate(1 day)' }));
    await expect(
      client.send(new PutRuleCommand({ Name: 'r3', ScheduleExpression: 'rate(1 day)' })),
    ).rejects.toMatchObject({ name: 'LimitExceededException' });
    const first = await client.send(new ListRulesCommand({ NamePrefix: 'r' }));
    expect(first.Rules?.map((r) => r.Name)).toEqual(['r1']);
    const second = await client.send(new ListRulesCommand({ NamePrefix: 'r', NextToken: first.NextToken }));
    expect([second.Rules?.map((r) => r.Name), second.NextToken]).toEqual([['r2'], undefined]);
  });
});

describe('FakeSsm', () => {
  const fake = new FakeSsm().put('/s', 'clear');
  const client = new SSMClient({ region: 'eu-west-1', maxAttempts: 1 });
  afterEach(() => fake.restore());

  it('decrypts a SecureString only when asked, and reports a missing parameter', async () => {
    fake.install();
    expect((await client.send(new GetParameterCommand({ Name: '/s', WithDecryption: true }))).Parameter?.Value).toBe(
      'clear',
    );
    expect((await client.send(new GetParameterCommand({ Name: '/s' }))).Parameter?.Value).not.toBe('clear');
    await expect(client.send(new GetParameterCommand({ Name: '/missing' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
  });
});

describe('FakeCloudWatchLogs', () => {
  const fake = new FakeCloudWatchLogs().createLogGroup('/g');
  const client = new CloudWatchLogsClient({ region: 'eu-west-1', maxAttempts: 1 });
  afterEach(() => fake.restore());
  const read = (input: {
    nextToken?: string;
    limit?: number;
    startFromHead?: boolean;
    logStreamName?: string;
    logGroupName?: string;
  }) => client.send(new GetLogEventsCommand({ logGroupName: '/g', logStreamName: 's', ...input }));

  it('behaves like CloudWatch Logs: missing group or stream, limit, 1 MB pages, the token repeated at the end', async () => {
    fake.install();
    await expect(read({ logGroupName: '/none' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
    await expect(read({})).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    });
    fake.putLines(
      '/g',
      's',
      Array.from({ length: 12_000 }, (_, i) => `line ${i}`),
    );
    await expect(read({ limit: 10_001 })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(read({ nextToken: 'bogus' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const first = await read({ startFromHead: true });
    expect([first.events?.length, first.events?.[0]?.message]).toEqual([10_000, 'line 0']);
    const second = await read({ startFromHead: true, nextToken: first.nextForwardToken });
    expect([second.events?.length, second.events?.at(-1)?.message]).toEqual([2_000, 'line 11999']);
    const end = await read({ startFromHead: true, nextToken: second.nextForwardToken });
    expect([end.events?.length, end.nextForwardToken]).toEqual([0, second.nextForwardToken]);
    fake.putLines('/g', 's', ['later']);
    expect(
      (await read({ startFromHead: true, nextToken: end.nextForwardToken })).events?.map((e) => e.message),
    ).toEqual(['later']);
    const newest = await read({ limit: 2 }); // no startFromHead, no token: the newest events
    expect(newest.events?.map((e) => e.message)).toEqual(['line 11999', 'later']);
    expect((await read({ limit: 1, nextToken: newest.nextBackwardToken })).events?.map((e) => e.message)).toEqual([
      'line 11998',
    ]);
    fake.putLines(
      '/g',
      'big',
      Array.from({ length: 3 }, () => 'x'.repeat(400_000)),
    );
    expect((await read({ logStreamName: 'big', startFromHead: true })).events).toHaveLength(2); // 1 MB
  });
});

describe('the fakes inside the SDK middleware stack', () => {
  const fake = new FakeScheduler({ throttleEvery: 2 });
  afterEach(() => fake.restore());

  it('lets the SDK retry a throttled call: two attempts counted, one throttled, one answer', async () => {
    withoutBackoffWaits();
    fake.install();
    const client = new SchedulerClient({ region: 'eu-west-1' });
    await client.send(new CreateScheduleCommand(schedule('a')));
    const created = await client.send(new CreateScheduleCommand(schedule('b')));
    expect(created.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 2 });
    expect(fake.calls.counts).toEqual({ CreateSchedule: 3 });
    expect(fake.calls.throttledCounts).toEqual({ CreateSchedule: 1 });
    expect(fake.names()).toEqual(['a', 'b']);
  });

  it('throws in the fake for a command it does not know, and after restore(), never reaching AWS', async () => {
    fake.install();
    const client = new SchedulerClient({ region: 'eu-west-1', maxAttempts: 1 });
    await expect(client.send(new ListScheduleGroupsCommand({}))).rejects.toThrow(
      'FakeScheduler: unexpected ListScheduleGroupsCommand',
    );
    fake.restore();
    await expect(client.send(new ListSchedulesCommand({}))).rejects.toThrow('SchedulerClient: no fake is installed');
  });
});
