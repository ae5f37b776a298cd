import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../control/config';
import { ConfigError } from '../../common/settings/config-error';

const minimal = {
  BACKOPPER_API_URL: 'https://agency.example.com/api/backups/{environment}',
  BACKOPPER_API_SECRET_PARAMETER: '/backopper/api-secret',
  BACKOPPER_ENVIRONMENTS: '["staging", {"name": "live", "tagKey": "Role", "tagValue": "web-live"}]',
  BACKOPPER_SCHEDULE_ROLE_ARN: 'arn:aws:iam::123456789012:role/backopper-schedules',
};

describe('loadConfig', () => {
  it('fills in the documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      apiSecretHeader: 'X-Secret-Key',
      apiTimeoutMs: 10_000,
      apiRetries: 2,
      backend: 'scheduler',
      scheduleGroup: 'backopper',
      eventBusName: 'default',
      documentName: 'Backopper-Backup',
      documentArn: undefined,
      timeZone: 'UTC',
      backupWindow: { startMinute: 60, lengthMinutes: 240 },
      weeklyDay: 'SUN',
      deadLetterArn: undefined,
      commandLogGroup: undefined,
      // The document's own default: the Lambdas and synth share one schema and one default.
      executionTimeoutSeconds: 14_400,
      deliveryTimeoutSeconds: 600,
      maxDeleteFraction: 0.5,
      allowMassDelete: false,
      concurrency: 8,
    });
    expect(config.environments).toEqual([
      { name: 'staging', tagKey: 'backopper:environment', tagValue: 'staging' },
      { name: 'live', tagKey: 'Role', tagValue: 'web-live' },
    ]);
  });

  it('builds the document ARN of the rules backend from the role account and AWS_REGION', () => {
    const config = loadConfig({ ...minimal, BACKOPPER_SCHEDULE_BACKEND: 'rules', AWS_REGION: 'eu-central-1' });
    expect(config.documentArn).toBe('arn:aws:ssm:eu-central-1:123456789012:document/Backopper-Backup');
    const explicit = 'arn:aws:ssm:eu-west-1:123456789012:document/Other';
    expect(
      loadConfig({ ...minimal, BACKOPPER_SCHEDULE_BACKEND: 'rules', BACKOPPER_DOCUMENT_ARN: explicit }).documentArn,
    ).toBe(explicit);
  });

  it.each([
    [{ BACKOPPER_API_URL: undefined }, 'BACKOPPER_API_URL', 'is required'],
    [{ BACKOPPER_API_URL: 'https://api.example.com/backups' }, 'BACKOPPER_API_URL', 'containing {environment}'],
    [{ BACKOPPER_API_SECRET_PARAMETER: ' ' }, 'BACKOPPER_API_SECRET_PARAMETER', 'is required'],
    [{ BACKOPPER_ENVIRONMENTS: undefined }, 'BACKOPPER_ENVIRONMENTS', 'is required'],
    [{ BACKOPPER_ENVIRONMENTS: 'live,staging' }, 'BACKOPPER_ENVIRONMENTS', 'is not JSON'],
    [{ BACKOPPER_ENVIRONMENTS: '[]' }, 'BACKOPPER_ENVIRONMENTS', 'non-empty list of environments'],
    [{ BACKOPPER_ENVIRONMENTS: '["../live"]' }, 'BACKOPPER_ENVIRONMENTS', 'environment "../live" is not valid'],
    [{ BACKOPPER_ENVIRONMENTS: '["live", "live"]' }, 'BACKOPPER_ENVIRONMENTS', 'listed twice'],
    [{ BACKOPPER_ENVIRONMENTS: '["live", "live-eu"]' }, 'BACKOPPER_ENVIRONMENTS', 'ambiguous schedule names'],
    [
      { BACKOPPER_ENVIRONMENTS: '[{"name": "live", "tagKey": "aws:x"}]' },
      'BACKOPPER_ENVIRONMENTS',
      'tagKey "aws:x" is not a tag key',
    ],
    [{ BACKOPPER_SCHEDULE_BACKEND: 'cron' }, 'BACKOPPER_SCHEDULE_BACKEND', 'one of scheduler, rules'],
    [{ BACKOPPER_SCHEDULE_ROLE_ARN: 'backopper-role' }, 'BACKOPPER_SCHEDULE_ROLE_ARN', 'an IAM role ARN'],
    [{ BACKOPPER_TIMEZONE: 'Mars/Olympus' }, 'BACKOPPER_TIMEZONE', 'not an IANA time zone'],
    [{ BACKOPPER_BACKUP_WINDOW: '1am-5am' }, 'BACKOPPER_BACKUP_WINDOW', 'not a window like 01:00-05:00'],
    [{ BACKOPPER_BACKUP_WINDOW: '03:00-03:00' }, 'BACKOPPER_BACKUP_WINDOW', 'start != end'],
    [{ BACKOPPER_BACKUP_WINDOW: '24:00-05:00' }, 'BACKOPPER_BACKUP_WINDOW', 'not a window'],
    [{ BACKOPPER_WEEKLY_DAY: 'someday' }, 'BACKOPPER_WEEKLY_DAY', 'not a day of the week'],
    [{ BACKOPPER_MAX_DELETE_FRACTION: '50%' }, 'BACKOPPER_MAX_DELETE_FRACTION', 'a number from 0 to 1'],
    [{ BACKOPPER_MAX_DELETE_FRACTION: '1.5' }, 'BACKOPPER_MAX_DELETE_FRACTION', 'a number from 0 to 1'],
    [{ BACKOPPER_ALLOW_MASS_DELETE: 'yes' }, 'BACKOPPER_ALLOW_MASS_DELETE', 'true or false'],
    [{ BACKOPPER_CONCURRENCY: '0' }, 'BACKOPPER_CONCURRENCY', 'from 1 to 50'],
    [{ BACKOPPER_API_TIMEOUT_MS: '5s' }, 'BACKOPPER_API_TIMEOUT_MS', 'whole number'],
    [{ BACKOPPER_DEAD_LETTER_ARN: 'my-queue' }, 'BACKOPPER_DEAD_LETTER_ARN', 'an SQS queue ARN'],
    [{ BACKOPPER_SCHEDULE_BACKEND: 'rules', AWS_REGION: undefined }, 'AWS_REGION', 'required by the rules backend'],
  ])('fails with the variable named: %j', (change, variable, problem) => {
    let thrown: unknown;
    try {
      loadConfig({ ...minimal, ...change });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).setting).toBe(variable);
    expect((thrown as ConfigError).message).toMatch(
      new RegExp(`^${variable}: .*${problem.replace(/[{}()]/g, '\\$&')}`),
    );
  });

  it.each([
    ['sunday', 'SUN'],
    ['Mon', 'MON'],
    ['SATURDAY', 'SAT'],
  ])('reads weekday %s', (text, day) => {
    expect(loadConfig({ ...minimal, BACKOPPER_WEEKLY_DAY: text }).weeklyDay).toBe(day);
  });

  it('accepts a window past midnight', () => {
    expect(loadConfig({ ...minimal, BACKOPPER_BACKUP_WINDOW: '22:30-02:00' }).backupWindow).toEqual({
      startMinute: 1350,
      lengthMinutes: 210,
    });
  });
});
