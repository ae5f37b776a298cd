/**
 * Alerts a person can act on: the subject keeps the crux, a burst of any size fits SNS as one digest
 * per environment naming every app, a timed-out run shows its last output and the setting to raise, and
 * each alert names the server, the newest good backup (run records in s3rver) and the commands to run.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatbotNotification } from '../../../lambda/describe-failure/alert-text';
import { errorCrux } from '../../../lambda/describe-failure/crux';
import { alertMessages, SNS_MESSAGE_LIMIT, snsMessage } from '../../../lambda/describe-failure/digest';
import {
  type BackupFailure,
  createHandler,
  type InvocationStatusEvent,
} from '../../../lambda/describe-failure/handler';
import { agentOutput, FakeRunCommand, type InvocationOutcome } from '../../fakes/fake-run-command';
import { FakeSns } from '../../fakes/fake-sns';
import { seedRunRecords } from '../../fakes/seed-run-records';
import { type LocalS3, startS3 } from '../../services/s3';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:backopper-alerts';
const NOW = new Date('2026-11-28T03:00:00.000Z');
const MYSQL_1045 =
  "mysqldump exited with status 2: mysqldump: Got error: 1045: \"Access denied for user 'shop'@'localhost' (using password: YES)\" when trying to connect";

describe('errorCrux', () => {
  it.each([
    [MYSQL_1045, "Access denied for user 'shop'@'localhost' (using password: YES) when trying to connect"],
    [
      'pg_dump exited with status 1: pg_dump: error: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "shop"',
      'password authentication failed for user "shop"',
    ],
    [
      'ssh: connect to host media.example.net port 22: Connection refused',
      'connect to host media.example.net port 22: Connection refused',
    ],
    ['disk full', 'disk full'],
    ['mysqldump:', 'mysqldump:'],
  ])('reduces %j to its crux', (error, crux) => {
    expect(errorCrux(error)).toBe(crux);
  });
});

const failure = (index: number, reason: string, environment = 'live'): BackupFailure => ({
  task: 'backup',
  app: `site-${String(index).padStart(3, '0')}`,
  environment,
  instance: `i-0${String(index % 7).padStart(16, '0')}`,
  host: `web-${index % 7}`,
  status: 'Failed',
  commandId: `c-${index}`,
  requestedAt: NOW.toISOString(),
  summary: `database failed: ${reason}`,
  reason,
  consoleUrl: `https://eu-west-1.console.aws.amazon.com/systems-manager/run-command/c-${index}?region=eu-west-1`,
  newestGood: { kind: 'found', at: '2026-11-27T03:00:00Z', ageSeconds: 86_400 },
});

describe('the digest budget', () => {
  it.each([
    ['100 failures with 2 KB errors', 100, 'x'],
    ['2,000 failures with 2 KB errors of multi-byte characters and quotes', 2000, 'é"\\😀'],
    ['500 failures with 2 KB errors of control characters (six bytes each once JSON-escaped)', 500, '\u0001'],
  ])('keeps %s under 256 KB as one message that names every app', (_what, count, unit) => {
    const reason = `${MYSQL_1045} ${unit.repeat(Math.ceil(2048 / unit.length))}`.slice(0, 2048);
    const failures = Array.from({ length: count }, (_, index) => failure(index, reason));
    const messages = alertMessages(failures);
    expect(messages).toHaveLength(1);
    const [message] = messages as [(typeof messages)[number]];
    const body = snsMessage(message, chatbotNotification(message));
    expect(Buffer.byteLength(body) + Buffer.byteLength(message.subject)).toBeLessThan(SNS_MESSAGE_LIMIT);
    for (const { app } of failures) expect(message.text).toContain(app);
    expect(message.text).toMatch(new RegExp(`\\n${count} failure\\(s\\) in this alert, \\d+ in full\\.`));
    expect(message.subject).toMatch(
      /^Backopper: \d+ runs of \d+ apps \(live\) failed on 7 servers: Access denied for user/,
    );
  });
});

describe('the describe handler, with SSM and SNS fakes and the run records in s3rver', () => {
  let s3: LocalS3;
  let ssm: FakeRunCommand;
  let sns: FakeSns;
  const logged: Record<string, unknown>[] = [];
  const handler = () =>
    createHandler({
      ssm: new SSMClient({}),
      sns: new SNSClient({}),
      s3: s3.client,
      bucket: s3.bucket,
      now: () => NOW,
      topicArn: TOPIC,
      logger: {
        info: (_message: string, fields: Record<string, unknown>) => logged.push(fields),
        error: () => undefined,
        warn: () => undefined,
        addContext: () => undefined,
      } as never,
    });
  const run = (app: string, instance: string, outcome: InvocationOutcome, status = 'Failed') => {
    const command = ssm.seedCommand({
      request: {
        DocumentName: 'Backopper-Backup',
        Targets: [{ Key: 'InstanceIds', Values: [instance] }],
        Parameters: { app: [app], environment: ['live'], executionTimeout: ['14400'] },
      },
      requestedAt: NOW,
      outcomes: { [instance]: outcome },
    });
    const event: InvocationStatusEvent = {
      region: 'eu-west-1',
      'detail-type': 'EC2 Command Invocation Status-change Notification',
      detail: { 'command-id': command.commandId, 'document-name': 'Backopper-Backup', 'instance-id': instance, status },
    };
    return { Records: [{ messageId: 'm-1', body: JSON.stringify(event) }] };
  };

  beforeAll(async () => {
    s3 = await startS3('alert-records');
    await seedRunRecords({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      runs: [
        { app: 'shop', hoursAgo: 25, status: 'succeeded' },
        { app: 'shop', hoursAgo: 1, status: 'failed', error: 'x' },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
  });
  beforeEach(() => {
    ssm = new FakeRunCommand({ documents: { 'Backopper-Backup': {} }, now: () => NOW }).install();
    ssm.manage('i-0aaaaaaaaaaaaaaa1', { computerName: 'web-1.example.net' });
    sns = new FakeSns([TOPIC]).install();
    logged.length = 0;
  });
  afterEach(() => {
    ssm.restore();
    sns.restore();
  });

  it('names the host, the newest good backup with its age, and the two commands to run next', async () => {
    const stdout = agentOutput({
      app: 'shop',
      environment: 'live',
      status: 'failed',
      steps: { database: { status: 'failed', error: MYSQL_1045 } },
    });
    await handler()(run('shop', 'i-0aaaaaaaaaaaaaaa1', { status: 'Failed', stdout, responseCode: 1 }));
    const [message] = sns.published;
    expect(message?.subject).toBe(
      'Backopper: backup of shop (live) failed on web-1.example.net: Access denied for user...',
    );
    expect(message?.email).toContain('server web-1.example.net (i-0aaaaaaaaaaaaaaa1), status Failed');
    expect(message?.email).toContain('newest good backup: 2026-11-27T02:00:00Z (1d 1h ago)');
    expect(message?.email).toContain('next: backopper logs live shop   then   backopper run live shop');
  });

  it('says "none" when no run of the app ever succeeded', async () => {
    await handler()(run('newapp', 'i-0aaaaaaaaaaaaaaa1', { status: 'Failed', stderr: 'boom', responseCode: 1 }));
    expect(sns.published[0]?.email).toContain('newest good backup: none (no run record yet)');
  });

  it('shows a timed-out run its last progress line and the setting to raise, not "the server may be offline"', async () => {
    const progress = 'backopper: database: mysqldump 3.1 GiB written, 41 MiB/s';
    await handler()(
      run(
        'shop',
        'i-0aaaaaaaaaaaaaaa1',
        { status: 'TimedOut', stdout: `backopper: backing up shop\n${progress}\n`, responseCode: -1 },
        'TimedOut',
      ),
    );
    const [message] = sns.published;
    expect(message?.subject).toMatch(
      /^Backopper: backup of shop \(live\) timed out on web-1\.example\.net: mysqldump 3\.1 GiB written/,
    );
    expect(message?.email).toContain(`    ${progress}`);
    expect(message?.email).toContain(
      'stopped by SSM at 14400 s: if the run was just slow, raise backopper.schedule.executionTimeoutSeconds in cdk.json',
    );
    expect(message?.email).not.toContain('may be offline');
  });

  it("says when SSM cut the output, so the last lines shown are not taken for the run's last", async () => {
    const long = 'backopper: database: 1 MiB written\n'.repeat(800);
    await handler()(
      run('shop', 'i-0aaaaaaaaaaaaaaa1', { status: 'TimedOut', stdout: long, responseCode: -1 }, 'TimedOut'),
    );
    expect(sns.published[0]?.email).toContain(
      'last output SSM kept (its first 24,000 characters; the rest: backopper logs live shop):',
    );
  });

  it('logs every failure whole, so a summarized one is never lost', async () => {
    await handler()(run('shop', 'i-0aaaaaaaaaaaaaaa1', { status: 'Failed', stderr: 'boom', responseCode: 1 }));
    expect(logged.find((fields) => fields.app === 'shop')).toMatchObject({ app: 'shop', reason: 'boom' });
  });
});

describe('the SNS fake', () => {
  it('refuses a message over 256 KB, as SNS does', async () => {
    const sns = new FakeSns([TOPIC]).install();
    try {
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await expect(
        new SNSClient({ region: 'eu-west-1' }).send(
          new PublishCommand({ TopicArn: TOPIC, Subject: 'x', Message: 'é'.repeat(131_073) }),
        ),
      ).rejects.toThrow(/Message too long/);
      expect(sns.published).toHaveLength(0);
    } finally {
      sns.restore();
    }
  });
});
