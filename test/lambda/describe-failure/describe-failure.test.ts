import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SUBJECT_LENGTH, safeSubject } from '../../../lambda/describe-failure/alert-text';
import { alertMessages } from '../../../lambda/describe-failure/digest';
import {
  type BackupFailure,
  createHandler,
  describeFailure,
  firstReason,
  type InvocationStatusEvent,
  type SqsBatch,
  summarize,
} from '../../../lambda/describe-failure/handler';
import { agentOutput, FakeRunCommand, type InvocationOutcome } from '../../fakes/fake-run-command';
import { FakeSns } from '../../fakes/fake-sns';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:backopper-alerts';
const NOW = new Date('2026-11-28T01:17:00.000Z');

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

const report = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ app: 'shop', environment: 'live', status: 'failed', steps, ...extra });

describe('summarize', () => {
  it.each([
    [
      'the failed steps of the run report',
      {
        stdout: `database  failed\n${report({ database: { status: 'failed', error: 'mysqldump exited with status 2' }, media: { status: 'succeeded' } })}\n`,
      },
      'database failed: mysqldump exited with status 2',
    ],
    [
      'several failed steps on one line',
      { stdout: report({ database: { status: 'failed', error: 'a' }, transfer: { status: 'failed', error: 'b' } }) },
      'database failed: a / transfer failed: b',
    ],
    [
      'the report error of an invalid run',
      { stdout: JSON.stringify({ status: 'invalid', error: 'app name "../x" is not a folder name' }) },
      'app name "../x" is not a folder name',
    ],
    [
      'the end of stderr when there is no report',
      { stdout: 'no json here', stderr: 'line 1\nbackopper: Node.js >= 20 is required' },
      'line 1 / backopper: Node.js >= 20 is required',
    ],
    [
      'the lookup error when nothing could be read',
      { lookupError: 'GetCommandInvocation: InvocationDoesNotExist' },
      "The command's details could not be read: GetCommandInvocation: InvocationDoesNotExist",
    ],
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

describe('firstReason', () => {
  it.each([
    [
      'the first failed step',
      'Failed',
      {
        stdout: report({
          database: { status: 'failed', error: 'mysqldump: Access denied' },
          transfer: { status: 'failed', error: 'b' },
        }),
      },
      'mysqldump: Access denied',
    ],
    [
      'the last stderr line',
      'Failed',
      { stderr: 'a\nbackopper: Node.js >= 20 is required on this server' },
      'Node.js >= 20 is required on this server',
    ],
    [
      'an undeliverable command',
      'Undeliverable',
      {},
      'the server did not receive the command (offline, or no SSM agent)',
    ],
    ['a cancelled command', 'Cancelled', {}, 'the command was cancelled before it finished'],
  ])('gives %s', (_what, status, facts, expected) => {
    expect(firstReason(status, facts)).toBe(expected);
  });
});

describe('describeFailure', () => {
  it('names the app, environment, server, status and reason, with a link to the output', () => {
    const failure = describeFailure(event, {
      parameters: { app: ['shop'], environment: ['live'], engine: ['mysql'] },
      statusDetails: 'Failed',
      stdout: report({ upload: { status: 'failed', error: 'S3 unreachable' } }, { host: 'web-1' }),
    });
    expect(failure).toEqual({
      task: 'backup',
      app: 'shop',
      environment: 'live',
      instance: 'i-0123456789abcdef0',
      host: 'web-1',
      status: 'Failed',
      commandId: '4780e1b8-f56b-4de5-95f2-95db273d1602',
      requestedAt: '2026-11-28T01:17:00.000Z',
      summary: 'upload failed: S3 unreachable',
      reason: 'S3 unreachable',
      consoleUrl:
        'https://eu-west-1.console.aws.amazon.com/systems-manager/run-command/4780e1b8-f56b-4de5-95f2-95db273d1602/i-0123456789abcdef0?region=eu-west-1',
    });
  });

  it('adds the detailed status when it says more (a delivery timeout)', () => {
    const failure = describeFailure(
      { ...event, detail: { ...event.detail, status: 'TimedOut' } },
      { statusDetails: 'DeliveryTimedOut' },
    );
    expect([failure.status, failure.app, failure.host]).toEqual([
      'TimedOut (DeliveryTimedOut)',
      'unknown',
      'i-0123456789abcdef0',
    ]);
  });
});

describe('alert text', () => {
  const failure = (app: string, host = 'web-1', reason = 'mysqldump: Access denied'): BackupFailure => ({
    task: 'backup',
    app,
    environment: 'live',
    instance: 'i-0123456789abcdef0',
    host,
    status: 'Failed',
    commandId: 'c',
    requestedAt: 'r',
    summary: `database failed: ${reason}`,
    reason,
    consoleUrl: 'u',
  });

  it('says what failed, where and why in the subject and first line of one failure', () => {
    const [message] = alertMessages([failure('shop')]);
    expect(message?.subject).toBe('Backopper: backup of shop (live) failed on web-1: Access denied');
    expect(message?.text.split('\n')[0]).toBe(message?.subject);
  });

  it('keeps every subject ASCII printable, on one line and shorter than 100 characters', () => {
    for (const text of [
      'Backopper: ' + 'é'.repeat(300),
      'a\nb\r\tc\u0000d',
      'x'.repeat(99),
      'word '.repeat(40),
      '😀 ünïcödé',
    ]) {
      const subject = safeSubject(text);
      expect(subject.length, text).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
    }
    expect(safeSubject('Backopper: backup of shop (live) failed on web-1: mysqldump: Got error: 2002 café')).toBe(
      'Backopper: backup of shop (live) failed on web-1: mysqldump: Got error: 2002 cafe',
    );
  });

  it('turns a burst into one message per environment listing every failure', () => {
    const burst = Array.from({ length: 20 }, (_, index) =>
      failure(
        `site-${String(index).padStart(2, '0')}`,
        index < 18 ? 'web-1' : 'web-2',
        index === 0 ? 'disk full' : 'mysqldump: Access denied',
      ),
    );
    const messages = alertMessages([...burst, { ...failure('blog'), environment: 'staging' }]);
    expect(messages.map((message) => message.environment)).toEqual(['live', 'staging']);
    expect(messages[0]?.subject).toBe(
      'Backopper: 20 runs of 20 apps (live) failed on 2 servers: site-00, site-01, site-02, ...',
    );
    expect(alertMessages(burst.slice(1, 5))[0]?.subject).toBe(
      'Backopper: 4 runs of 4 apps (live) failed on web-1: Access denied',
    );
    for (let index = 1; index < 18; index += 1)
      expect(messages[0]?.text).toContain(
        `- backup of site-${String(index).padStart(2, '0')} (live) failed on web-1: mysqldump: Access denied`,
      );
    expect(messages[0]?.text).toContain('- backup of site-19 (live) failed on web-2: mysqldump: Access denied');
  });
});

describe('the describe handler, against stateful SSM and SNS fakes', () => {
  let ssm: FakeRunCommand;
  let sns: FakeSns;
  const batch = (events: InvocationStatusEvent[]): SqsBatch => ({
    Records: events.map((body, index) => ({ messageId: `m-${index}`, body: JSON.stringify(body) })),
  });
  const handler = () =>
    createHandler({
      ssm: new SSMClient({}),
      sns: new SNSClient({}),
      topicArn: TOPIC,
      logger: {
        info: () => undefined,
        error: () => undefined,
        warn: () => undefined,
        addContext: () => undefined,
      } as never,
    });
  const failedRun = (app: string, instance: string, outcome: InvocationOutcome) =>
    ssm.seedCommand({
      request: {
        DocumentName: 'Backopper-Backup',
        Targets: [{ Key: 'InstanceIds', Values: [instance] }],
        Parameters: { app: [app], environment: ['live'] },
      },
      requestedAt: NOW,
      outcomes: { [instance]: outcome },
    });
  const invocationEvent = (commandId: string, instance: string, status = 'Failed'): InvocationStatusEvent => ({
    region: 'eu-west-1',
    'detail-type': 'EC2 Command Invocation Status-change Notification',
    detail: {
      'command-id': commandId,
      'document-name': 'Backopper-Backup',
      'instance-id': instance,
      status,
      'requested-date-time': NOW.toISOString(),
    },
  });

  beforeEach(() => {
    ssm = new FakeRunCommand({ documents: { 'Backopper-Backup': {} }, now: () => NOW }).install();
    sns = new FakeSns([TOPIC]).install();
  });
  afterEach(() => {
    ssm.restore();
    sns.restore();
  });

  it('publishes one failure with its subject, its text to e-mail and a Chatbot notification to https', async () => {
    const stdout = agentOutput({
      app: 'shop',
      environment: 'live',
      status: 'failed',
      host: 'web-1',
      steps: { database: { status: 'failed', error: 'mysqldump: Access denied' } },
    });
    const command = failedRun('shop', 'i-0123456789abcdef0', { status: 'Failed', stdout, responseCode: 1 });
    const result = await handler()(batch([invocationEvent(command.commandId, 'i-0123456789abcdef0')]));
    expect(result.batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(1);
    const [message] = sns.published;
    expect(message?.subject).toBe('Backopper: backup of shop (live) failed on web-1: Access denied');
    expect(message?.email.split('\n')[0]).toBe(message?.subject);
    expect(JSON.parse(message?.https ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { title: message?.subject },
    });
  });

  it('turns a burst of 20 failures on one dead database server into one message', async () => {
    const stdout = (app: string) =>
      agentOutput({
        app,
        environment: 'live',
        status: 'failed',
        host: 'web-1',
        steps: { database: { status: 'failed', error: "mysqldump: Got error: 2002: Can't connect to MySQL server" } },
      });
    const events = Array.from({ length: 20 }, (_, index) => {
      const app = `site-${String(index).padStart(2, '0')}`;
      return invocationEvent(
        failedRun(app, 'i-0123456789abcdef0', { status: 'Failed', stdout: stdout(app), responseCode: 1 }).commandId,
        'i-0123456789abcdef0',
      );
    });
    await handler()(batch(events));
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]?.subject).toBe(
      "Backopper: 20 runs of 20 apps (live) failed on web-1: Can't connect to MySQL server",
    );
    expect(
      sns.published[0]?.email.match(/^- backup of site-\d\d \(live\) failed on web-1: mysqldump: Got error: 2002/gm),
    ).toHaveLength(20);
  });

  it('alerts on a command cancelled before any server ran it, and not twice for a command whose invocations alerted', async () => {
    const never = ssm.seedCommand({
      request: { DocumentName: 'Backopper-Backup', Parameters: { app: ['shop'], environment: ['live'] } },
      requestedAt: NOW,
      outcomes: {},
    });
    const ran = failedRun('blog', 'i-0aaaaaaaaaaaaaaaa', { status: 'Failed', stderr: 'boom', responseCode: 1 });
    const commandEvent = (commandId: string, status: string): InvocationStatusEvent => ({
      region: 'eu-west-1',
      'detail-type': 'EC2 Command Status-change Notification',
      detail: {
        'command-id': commandId,
        'document-name': 'Backopper-Backup',
        status,
        'requested-date-time': NOW.toISOString(),
      },
    });
    await handler()(batch([commandEvent(never.commandId, 'Cancelled'), commandEvent(ran.commandId, 'Failed')]));
    expect(sns.published.map((message) => message.subject)).toEqual([
      'Backopper: backup of shop (live) was cancelled before any server ran it',
    ]);
  });

  it('hands the batch back to the queue when the topic cannot be reached, so nothing is lost', async () => {
    const command = failedRun('shop', 'i-0123456789abcdef0', { status: 'Failed', stderr: 'boom', responseCode: 1 });
    sns.topics.clear();
    const result = await handler()(batch([invocationEvent(command.commandId, 'i-0123456789abcdef0')]));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
  });

  it('still alerts, with what it has, when the command cannot be looked up (an undeliverable invocation)', async () => {
    await handler()(batch([invocationEvent('no-such-command', 'i-0123456789abcdef0', 'Undeliverable')]));
    const subject = sns.published[0]?.subject ?? '';
    expect(subject).toBe(
      'Backopper: backup of unknown (unknown) could not be delivered to i-0123456789abcdef0: the...',
    );
    expect(sns.published[0]?.email.split('\n')[0]).toBe(
      'Backopper: backup of unknown (unknown) could not be delivered to i-0123456789abcdef0: the server did not receive the command (offline, or no SSM agent)',
    );
  });
});
