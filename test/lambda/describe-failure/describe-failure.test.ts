import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommandInvocationCommand, InvocationDoesNotExist, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler, describeFailure, type InvocationStatusEvent, summarize } from '../../../lambda/describe-failure/handler';

const event: InvocationStatusEvent = {
  region: 'eu-west-1',
  detail: {
    'command-id': '4780e1b8-f56b-4de5-95f2-95db273d1602',
    'document-name': 'Backopper-Backup',
    'instance-id': 'i-0123456789abcdef0',
    status: 'Failed',
    'requested-date-time': '2026-11-28T01:17:00.000Z',
  },
};

const report = (steps: Record<string, unknown>) => JSON.stringify({ app: 'shop', environment: 'live', status: 'failed', steps });

describe('summarize', () => {
  it.each([
    [
      'the failed steps of the run report',
      { stdout: `database  failed\n${report({ database: { status: 'failed', error: 'mysqldump exited with status 2' }, media: { status: 'succeeded' } })}\n` },
      'database failed: mysqldump exited with status 2',
    ],
    [
      'several failed steps on one line',
      { stdout: report({ database: { status: 'failed', error: 'a' }, transfer: { status: 'failed', error: 'b' } }) },
      'database failed: a / transfer failed: b',
    ],
    ['the report error of an invalid run', { stdout: JSON.stringify({ status: 'invalid', error: 'app name "../x" is not a folder name' }) }, 'app name "../x" is not a folder name'],
    ['the end of stderr when there is no report', { stdout: 'no json here', stderr: 'line 1\nbackopper: Node.js >= 20 is required' }, 'line 1 / backopper: Node.js >= 20 is required'],
    ['the lookup error when nothing could be read', { lookupError: 'GetCommandInvocation: InvocationDoesNotExist' }, "The command's details could not be read: GetCommandInvocation: InvocationDoesNotExist"],
    ['a hint when the command never ran', {}, 'No output was recorded'],
  ])('reports %s', (_what, facts, expected) => {
    expect(summarize(facts)).toContain(expected);
  });

  it('keeps a long stderr to its end', () => {
    const summary = summarize({ stderr: `${'x'.repeat(5000)}THE END` });
    expect(summary.length).toBeLessThanOrEqual(1503);
    expect(summary.endsWith('THE END')).toBe(true);
  });
});

describe('describeFailure', () => {
  it('names the app, environment, instance and status, with a link to the output', () => {
    const failure = describeFailure(event, {
      parameters: { app: ['shop'], environment: ['live'], engine: ['mysql'] },
      statusDetails: 'Failed',
      stdout: report({ upload: { status: 'failed', error: 'S3 unreachable' } }),
    });
    expect(failure).toEqual({
      task: 'backup',
      app: 'shop',
      environment: 'live',
      instance: 'i-0123456789abcdef0',
      status: 'Failed',
      commandId: '4780e1b8-f56b-4de5-95f2-95db273d1602',
      requestedAt: '2026-11-28T01:17:00.000Z',
      summary: 'upload failed: S3 unreachable',
      consoleUrl:
        'https://eu-west-1.console.aws.amazon.com/systems-manager/run-command/4780e1b8-f56b-4de5-95f2-95db273d1602/i-0123456789abcdef0?region=eu-west-1',
    });
  });

  it('adds the detailed status when it says more (a delivery timeout)', () => {
    const failure = describeFailure({ ...event, detail: { ...event.detail, status: 'TimedOut' } }, { statusDetails: 'DeliveryTimedOut' });
    expect(failure.status).toBe('TimedOut (DeliveryTimedOut)');
    expect(failure.app).toBe('unknown');
  });
});

describe('the describe handler', () => {
  const ssm = mockClient(SSMClient);
  const bus = mockClient(EventBridgeClient);
  beforeEach(() => {
    ssm.reset();
    bus.reset();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  });

  it('looks up the command and puts one Backup failed event on the bus', async () => {
    ssm.on(ListCommandsCommand, { CommandId: event.detail['command-id'] }).resolves({ Commands: [{ Parameters: { app: ['shop'], environment: ['live'] } }] });
    ssm
      .on(GetCommandInvocationCommand, { CommandId: event.detail['command-id'], InstanceId: event.detail['instance-id'], PluginName: 'runAgent' })
      .resolves({ StandardOutputContent: report({ database: { status: 'failed', error: 'access denied' } }), StatusDetails: 'Failed' });
    const failure = await createHandler({ ssm: new SSMClient({}), events: new EventBridgeClient({}) })(event);
    expect(failure).toMatchObject({ app: 'shop', environment: 'live', summary: 'database failed: access denied' });
    const [call] = bus.commandCalls(PutEventsCommand);
    const entry = call?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ Source: 'backopper', DetailType: 'Backup failed' });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ app: 'shop', instance: 'i-0123456789abcdef0', status: 'Failed' });
  });

  it('still alerts, with what it has, when the lookups fail (an undeliverable command)', async () => {
    ssm.on(ListCommandsCommand).rejects(new Error('throttled'));
    ssm.on(GetCommandInvocationCommand).rejects(new InvocationDoesNotExist({ message: 'no invocation', $metadata: {} }));
    const failure = await createHandler({ ssm: new SSMClient({}), events: new EventBridgeClient({}) })({
      ...event,
      detail: { ...event.detail, status: 'Undeliverable' },
    });
    expect(failure).toMatchObject({ app: 'unknown', status: 'Undeliverable', instance: 'i-0123456789abcdef0' });
    expect(failure.summary).toContain('ListCommands: throttled; GetCommandInvocation: no invocation');
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('fails the invocation when the bus rejects the alert, so Lambda retries and the alarm fires', async () => {
    ssm.on(ListCommandsCommand).resolves({ Commands: [] });
    ssm.on(GetCommandInvocationCommand).resolves({});
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    await expect(createHandler({ ssm: new SSMClient({}), events: new EventBridgeClient({}) })(event)).rejects.toThrow('PutEvents rejected the alert: try again');
  });
});
