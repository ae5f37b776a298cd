/** The pure parts of the CLI conventions: --at, the published settings, error lines, --stack, output tails. */
import { describe, expect, it } from 'vitest';
import { explainError } from '../../ops/commands/explain-error';
import { takeStackOption } from '../../ops/commands/run-cli';
import { parseAt } from '../../ops/recovery/stored-backups';
import { createOutputTail } from '../../ops/run/invocation-output';
import { mergeSettings, needsPublishedSettings, parsePublishedSettings } from '../../ops/settings/stack-settings';

const NOW = new Date('2026-12-02T10:30:00Z');
const at = (text: string) => new Date(parseAt(text, NOW) * 1000).toISOString();

describe('--at', () => {
  it.each([
    ['2026-12-02 04:15:35', '2026-12-02T04:15:35.000Z'], // what `backopper backups` prints: UTC
    ['2026-12-02T04:15:35', '2026-12-02T04:15:35.000Z'],
    ['2026-12-02T04:15:35Z', '2026-12-02T04:15:35.000Z'],
    ['2026-12-02T05:15:35+01:00', '2026-12-02T04:15:35.000Z'],
    ['2026-12-02 05:15:35 +0100', '2026-12-02T04:15:35.000Z'],
    ['2026-12-02 04:15', '2026-12-02T04:15:00.000Z'],
    ['2026-12-01', '2026-12-01T23:59:59.000Z'],
    ['1795909152', '2026-11-28T23:39:12.000Z'],
    ['24h', '2026-12-01T10:30:00.000Z'],
    ['7d', '2026-11-25T10:30:00.000Z'],
    ['2w', '2026-11-18T10:30:00.000Z'],
    ['90m', '2026-12-02T09:00:00.000Z'],
    ['yesterday', '2026-12-01T23:59:59.000Z'],
    ['now', '2026-12-02T10:30:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(at(text)).toBe(iso);
  });

  it('gives the same answer in any local time zone', () => {
    const zone = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Auckland';
      expect(at('2026-12-02 04:15:35')).toBe('2026-12-02T04:15:35.000Z');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it.each(['last week', '2026-13-01', '2026-02-29 10:00', '12/02/2026', '24 hours ago', ''])('refuses %j', (text) => {
    expect(() => parseAt(text, NOW)).toThrow(/--at/);
  });
});

describe('the published settings', () => {
  const text = JSON.stringify({
    format: 1,
    stack: 'Backopper',
    region: 'eu-west-1',
    variables: { BACKOPPER_BUCKET: 'acme-backups', BACKOPPER_SCHEDULE_GROUP: 'backopper' },
  });

  it('fill in what the variables leave unset (or empty); a set variable wins', () => {
    const published = parsePublishedSettings(text, '/backopper/Backopper/settings');
    expect(
      mergeSettings(published, { BACKOPPER_BUCKET: 'other', BACKOPPER_SCHEDULE_GROUP: '', AWS_PROFILE: 'ops' }),
    ).toEqual({
      BACKOPPER_BUCKET: 'other',
      BACKOPPER_SCHEDULE_GROUP: 'backopper',
      AWS_PROFILE: 'ops',
    });
  });

  it('are read only when a needed variable is missing or a stack was named', () => {
    expect(needsPublishedSettings({ BACKOPPER_BUCKET: 'b' }, ['BACKOPPER_BUCKET'], false)).toBe(false);
    expect(needsPublishedSettings({ BACKOPPER_BUCKET: 'b' }, ['BACKOPPER_BUCKET'], true)).toBe(true);
    expect(needsPublishedSettings({ BACKOPPER_BUCKET: '' }, ['BACKOPPER_BUCKET'], false)).toBe(true);
  });

  it.each([
    ['not json', /is not JSON/],
    ['{"format":1}', /has no "variables" object/],
    ['{"format":2,"variables":{}}', /settings format 2; this backopper reads format 1/],
    ['{"format":1,"variables":{"PATH":"/bin"}}', /variables\.PATH is not a BACKOPPER_\* text setting/],
    [
      '{"format":1,"variables":{"BACKOPPER_CONCURRENCY":8}}',
      /variables\.BACKOPPER_CONCURRENCY is not a BACKOPPER_\* text setting/,
    ],
  ])('refuse %s, naming the parameter', (value, message) => {
    expect(() => parsePublishedSettings(value, '/backopper/X/settings')).toThrow(message);
  });
});

describe('error lines', () => {
  const named = (name: string, message: string, extra: object = {}) =>
    Object.assign(new Error(message), { name }, extra);
  it.each([
    [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      { AWS_PROFILE: 'ops' },
      'no AWS credentials (profile ops): run `aws sso login --profile ops` for an SSO profile, or set AWS_PROFILE to a profile in ~/.aws/config',
    ],
    [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      {},
      'no AWS credentials (no AWS_PROFILE set (the default profile)): run `aws sso login` for an SSO profile, or set AWS_PROFILE to a profile in ~/.aws/config',
    ],
    [
      named('Error', 'Region is missing'),
      {},
      'no AWS region: set one for the profile (aws configure set region <region>) or set AWS_REGION',
    ],
    [
      named(
        'CredentialsProviderError',
        'The SSO session associated with this profile has expired or is otherwise invalid.',
      ),
      { AWS_PROFILE: 'ops' },
      'no AWS credentials (profile ops): run `aws sso login --profile ops` for an SSO profile, or set AWS_PROFILE to a profile in ~/.aws/config',
    ],
    [
      named('ExpiredTokenException', 'The security token included in the request is expired'),
      { AWS_PROFILE: 'ops' },
      'the AWS session has expired (profile ops): run `aws sso login --profile ops`',
    ],
    [
      named('NoSuchBucket', 'The specified bucket does not exist', { BucketName: 'acme' }),
      {},
      "bucket acme does not exist in this account: check BACKOPPER_BUCKET / --bucket / the stack's BucketName output",
    ],
    [
      named(
        'AccessDeniedException',
        'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: ssm:GetParameter',
      ),
      { AWS_PROFILE: 'ro' },
      'access denied (profile ro): User: arn:aws:sts::1:assumed-role/x is not authorized to perform: ssm:GetParameter',
    ],
    [
      named('ThrottlingException', 'Rate exceeded', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
      {},
      'AWS is throttling the requests (ThrottlingException: Rate exceeded): wait a minute and run it again',
    ],
    [
      named('InternalServerError', 'We encountered an internal error', { $fault: 'server', $metadata: {} }),
      {},
      'AWS answered InternalServerError: We encountered an internal error',
    ],
    [new Error('no backups of x'), {}, 'no backups of x'],
    // A network error carries the SDK's $metadata but is no answer from AWS.
    [
      named('Error', 'getaddrinfo ENOTFOUND s3.eu-west-1.amazonaws.com', { $metadata: { attempts: 3 } }),
      {},
      'cannot reach AWS (getaddrinfo ENOTFOUND s3.eu-west-1.amazonaws.com): check the network connection, the region and any AWS_ENDPOINT_URL* variable',
    ],
    // The agent's errors reach restore's import: their message, never `CommandFailedError: ...`.
    [
      named('CommandFailedError', "mysql exited with status 1: ERROR 1045 (28000): Access denied for user 'x'"),
      {},
      "mysql exited with status 1: ERROR 1045 (28000): Access denied for user 'x'",
    ],
    [
      named('TypeError', ''),
      {},
      'unexpected error (TypeError) without a message: run it again with BACKOPPER_DEBUG=1 for the stack',
    ],
  ])('%s', (error, env, line) => {
    expect(explainError(error, env)).toBe(line);
  });
});

describe('--stack', () => {
  it('is taken out of the arguments wherever it is, before a --', () => {
    expect(takeStackOption(['--stack', 'Eu', 'status', '--json'])).toEqual({
      stack: 'Eu',
      noColor: false,
      rest: ['status', '--json'],
    });
    expect(takeStackOption(['status', '--stack=Eu', '--no-color'])).toEqual({
      stack: 'Eu',
      noColor: true,
      rest: ['status'],
    });
    expect(takeStackOption(['run', '--', '--stack', 'x', '--no-color'])).toEqual({
      stack: undefined,
      noColor: false,
      rest: ['run', '--', '--stack', 'x', '--no-color'],
    });
    expect(() => takeStackOption(['--stack', 'not a stack', 'status'])).toThrow(/is not a CloudFormation stack name/);
  });
});

describe('the output tail of run --follow', () => {
  it('gives each whole new line once, per server', () => {
    const tail = createOutputTail();
    expect(tail('i-1', 'a\nb')).toEqual(['a']);
    expect(tail('i-1', 'a\nb')).toEqual([]);
    expect(tail('i-2', 'x\n')).toEqual(['x']);
    expect(tail('i-1', 'a\nb\nc\n')).toEqual(['b', 'c']);
  });
});
