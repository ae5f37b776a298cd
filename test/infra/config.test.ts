import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../infra/config';
import { exampleConfig } from './synth';

/** The worked example with one key changed (`undefined` deletes it). */
function withChange(path: string, value: unknown): Record<string, unknown> {
  const config = exampleConfig();
  const keys = path.split('.');
  let node: Record<string, unknown> = config;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return config;
}

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('parseConfig', () => {
  it('accepts the worked example in cdk.json', () => {
    const config = parseConfig(exampleConfig());
    expect(config.environments.map((environment) => environment.name)).toEqual(['staging', 'live']);
    expect(config.media?.port).toBe(222);
    expect(config.media?.mode).toBe('archive');
    expect(config.schedule).toMatchObject({
      backend: 'scheduler',
      timezone: 'Europe/Amsterdam',
      executionTimeoutSeconds: 14400,
    });
  });

  it('fills in every default from a minimal configuration', () => {
    const config = parseConfig({
      api: { urlTemplate: 'https://api.example.com/backups/{environment}', secretParameter: '/backopper/api-secret' },
      environments: [{ name: 'live' }],
      alerts: { emails: ['ops@example.com'] },
    });
    expect(config).toEqual({
      stackName: 'Backopper',
      api: {
        urlTemplate: 'https://api.example.com/backups/{environment}',
        secretParameter: '/backopper/api-secret',
        secretHeader: 'X-Secret-Key',
      },
      environments: [{ name: 'live', tagKey: 'backopper:environment', tagValue: 'live' }],
      media: undefined,
      schedule: {
        backend: 'scheduler',
        group: 'backopper',
        timezone: 'UTC',
        backupWindow: '01:00-05:00',
        weeklyDay: 'SUN',
        syncEveryMinutes: 15,
        executionTimeoutSeconds: 14400,
        maxDeleteFraction: 0.5,
      },
      alerts: { emails: ['ops@example.com'] },
      inventory: { gather: true },
      bucket: { tiers: { daily: 14, weekly: 56, monthly: 365, yearly: 1095 }, noncurrentVersionDays: 30 },
      agent: {
        appsDir: '/srv/users/serverpilot/apps',
        backupsDir: '/opt/backups',
        keepLocal: 5,
        maxPendingUploads: 30,
        tmpDir: undefined,
        nodePath: undefined,
        reportUrl: undefined,
      },
      freshness: { enabled: true, hourUtc: 6 },
      verify: {
        enabled: true,
        weeklyDay: 'SUN',
        window: '06:00-08:00',
        adminUrlParameter: undefined,
        executionTimeoutSeconds: 3600,
      },
      logRetentionDays: 90,
    });
  });

  it('says where to put the configuration when there is none', () => {
    expect(problemsOf(undefined)).toEqual([
      expect.stringContaining('backopper: missing; add it to cdk.json "context"'),
    ]);
  });

  it.each([
    [
      'api.urlTemplate',
      'http://api.example.com/{environment}',
      'backopper.api.urlTemplate: expected an https URL containing {environment}, got "http://api.example.com/{environment}"',
    ],
    [
      'api.urlTemplate',
      'https://api.example.com/backups',
      'expected an https URL containing {environment}, got "https://api.example.com/backups"',
    ],
    ['api.urlTemplate', undefined, 'backopper.api.urlTemplate: missing'],
    [
      'api.secretParameter',
      'my secret',
      'backopper.api.secretParameter: expected an SSM parameter name, got "my secret"',
    ],
    ['environments', [], 'backopper.environments: expected a non-empty list of environments, got []'],
    [
      'environments',
      [{ name: 'live' }, { name: 'live' }],
      'backopper.environments: environment "live" is listed twice',
    ],
    [
      'environments',
      [{ name: 'live' }, { name: 'live-eu' }],
      '"live" and "live-eu" would give ambiguous schedule names',
    ],
    ['environments', [{ name: '../x' }], 'backopper.environments: environment "../x" is not valid'],
    [
      'environments',
      [{ name: 'live', tagKey: 'aws:env' }],
      'backopper.environments: environment "live": tagKey "aws:env" is not a tag key',
    ],
    [
      'environments',
      [{ name: 'live', tagValue: 'a b' }],
      'backopper.environments: environment "live": tagValue "a b" is not a tag value',
    ],
    ['media.port', 70000, 'backopper.media.port: 70000 is not a whole number from 1 to 65535'],
    ['media.port', '222', 'backopper.media.port: expected a whole number, got "222"'],
    ['media.mode', 'rsync', 'backopper.media.mode: "rsync" is not one of archive, snapshot'],
    ['media.host', 'media host; rm -rf /', 'backopper.media.host: "media host; rm -rf /" is not a host name'],
    ['media.path', '/srv/$(id)/{app}', 'backopper.media.path: "/srv/$(id)/{app}" is not a remote path'],
    ['media.identityFile', '/root/.ssh/id_ed25519', 'backopper.media: set identityParameter or identityFile, not both'],
    [
      'media.hostKeys',
      ['media.example.com not-a-key'],
      'backopper.media.hostKeys[0]: "media.example.com not-a-key" is not a known_hosts line',
    ],
    ['schedule.backend', 'cron', 'backopper.schedule.backend: expected one of scheduler, rules, got "cron"'],
    ['schedule.timezone', 'Mars/Olympus', 'backopper.schedule.timezone: "Mars/Olympus" is not an IANA time zone'],
    ['schedule.backupWindow', '1am-5am', 'backopper.schedule.backupWindow: "1am-5am" is not a window like 01:00-05:00'],
    [
      'schedule.backupWindow',
      '02:00-02:00',
      'backopper.schedule.backupWindow: "02:00-02:00" is not a window like 01:00-05:00 (HH:MM-HH:MM from 00:00 to 23:59, start != end)',
    ],
    [
      'schedule.backupWindow',
      '22:00-24:00',
      'backopper.schedule.backupWindow: "22:00-24:00" is not a window like 01:00-05:00',
    ],
    ['Media', { host: 'media.example.com' }, 'backopper.Media: unknown setting; did you mean backopper.media?'],
    [
      'bucket.retentionDay',
      30,
      'backopper.bucket.retentionDay: unknown setting; did you mean backopper.bucket.retentionDays?',
    ],
    [
      'schedule.timeZone',
      'Europe/Amsterdam',
      'backopper.schedule.timeZone: unknown setting; did you mean backopper.schedule.timezone?',
    ],
    ['media.hostkeys', [], 'backopper.media.hostkeys: unknown setting; did you mean backopper.media.hostKeys?'],
    [
      'environments',
      [{ name: 'live', tag: 'x' }],
      'backopper.environments: item 0: unknown setting tag (known: name, tagKey, tagValue)',
    ],
    ['colour', 'blue', 'backopper.colour: unknown setting (known here: '],
    ['schedule.weeklyDay', 'Caturday', 'backopper.schedule.weeklyDay: "Caturday" is not a day of the week'],
    [
      'schedule.executionTimeoutSeconds',
      200000,
      'backopper.schedule.executionTimeoutSeconds: expected a whole number from 60 to 172800, got 200000',
    ],
    ['schedule.maxDeleteFraction', 1.5, 'backopper.schedule.maxDeleteFraction: expected a number from 0 to 1, got 1.5'],
    ['alerts.emails', [], 'backopper.alerts.emails: expected at least 1 an e-mail address, got none'],
    ['alerts.slack', { workspaceId: 'T0123ABCD' }, 'backopper.alerts.slack.channelId: expected a Slack channel ID'],
    [
      'alerts.slack',
      { workspaceId: 'my team', channelId: 'C0123ABCDE' },
      'backopper.alerts.slack.workspaceId: "my team" is not a Slack workspace ID',
    ],
    [
      'alerts.slack',
      { workspaceId: 'T0123ABCD', channelId: '#alerts' },
      'backopper.alerts.slack.channelId: "#alerts" is not a Slack channel ID',
    ],
    [
      'alerts.slack',
      { workspaceId: 'T0123ABCD', channelId: 'C0123ABCDE', channel: 'x' },
      'backopper.alerts.slack.channel: unknown setting',
    ],
    ['inventory', { gather: 'yes' }, 'backopper.inventory.gather: '],
    ['alerts.emails', ['ops'], 'backopper.alerts.emails[0]: "ops" is not an e-mail address'],
    ['bucket.retentionDays', 0, 'backopper.bucket.retentionDays: 0 is not a whole number from 1 to 36500'],
    [
      'bucket.retention.weekly',
      7,
      'backopper.bucket.retention.weekly: 7 days is shorter than backopper.bucket.retention.daily (14 days); each tier must be kept at least as long as the one below it',
    ],
    [
      'bucket.retention.yearly',
      300,
      'backopper.bucket.retention.yearly: 300 days is shorter than backopper.bucket.retention.monthly (365 days)',
    ],
    ['bucket.retention.daily', 0, 'backopper.bucket.retention.daily: 0 is not a whole number from 1 to 36500'],
    ['bucket.retention.hourly', 1, 'backopper.bucket.retention.hourly: unknown setting'],
    ['bucket.retentionDays', 90, 'backopper.bucket.retentionDays and backopper.bucket.retention: set one'],
    [
      'bucket.objectLock',
      { days: 30 },
      'backopper.bucket.objectLock.days: 30 is longer than backopper.bucket.retention.daily (14 days): S3 could not delete daily backups while they are locked',
    ],
    [
      'bucket.transition',
      { storageClass: 'GLACIER_IR', afterDays: 1095 },
      'backopper.bucket.transition.afterDays: 1095 is not before backopper.bucket.retention.yearly (1095 days)',
    ],
    [
      'bucket.transition',
      { storageClass: 'STANDARD_IA', afterDays: 7 },
      'backopper.bucket.transition.afterDays: S3 needs at least 30 days before STANDARD_IA',
    ],
    [
      'bucket',
      { retentionDays: 90, transition: { storageClass: 'GLACIER_IR', afterDays: 120 } },
      'backopper.bucket.transition.afterDays: 120 is not before the retention (90 days)',
    ],
    [
      'bucket.transition',
      { storageClass: 'TAPE', afterDays: 1 },
      'backopper.bucket.transition.storageClass: "TAPE" is not one of',
    ],
    [
      'bucket',
      { retentionDays: 90, objectLock: { days: 365 } },
      'backopper.bucket.objectLock.days: 365 is longer than the retention (90 days)',
    ],
    [
      'bucket.objectLock',
      { mode: 'LEGAL', days: 7 },
      'backopper.bucket.objectLock.mode: "LEGAL" is not one of GOVERNANCE, COMPLIANCE',
    ],
    ['agent.appsDir', 'apps', 'backopper.agent.appsDir: "apps" is not an absolute path'],
    ['agent.keepLocal', 0, 'backopper.agent.keepLocal: 0 is not a whole number from 1 to 1000'],
    ['agent.reportUrl', 'ftp://x', 'backopper.agent.reportUrl: "ftp://x" is not an https URL'],
    ['logRetentionDays', 100, 'backopper.logRetentionDays: 100 is not one of 1, 3, 5'],
    ['stackName', '1stack', 'backopper.stackName: "1stack" is not a CloudFormation stack name'],
  ])('rejects %s = %j, naming the key', (path, value, message) => {
    const problems = problemsOf(withChange(path, value));
    expect(problems).toContainEqual(expect.stringContaining(message));
  });

  it('reports every problem at once', () => {
    const config = withChange('media.port', 0);
    (config.schedule as Record<string, unknown>).backend = 'cron';
    (config.alerts as Record<string, unknown>).emails = 'ops@example.com';
    const error = (() => {
      try {
        parseConfig(config);
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('invalid configuration in cdk.json context "backopper"');
  });
});
