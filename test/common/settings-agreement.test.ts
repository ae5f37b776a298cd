/**
 * Synth (cdk.json context) and the Lambdas (their variables) read the shared settings through one
 * schema. One table of values goes to both: each value is accepted by both or refused by both, and an
 * accepted value means the same thing to both.
 */
import { describe, expect, it } from 'vitest';
import { toVariableText } from '../../common/settings/read-variables';
import { SHARED_SETTINGS } from '../../common/settings/shared-settings';
import { ConfigError, parseConfig } from '../../infra/config';
import { loadConfig } from '../../control/config';
import { exampleConfig } from '../infra/synth';

const VALUES: Record<keyof typeof SHARED_SETTINGS, unknown[]> = {
  apiUrl: [
    'https://agency.example.com/api/backups/{environment}',
    'http://127.0.0.1:8080/backups/{environment}',
    'http://api.example.com/{environment}',
    'https://agency.example.com/api/backups',
    'ftp://agency.example.com/{environment}',
    'https://agency example.com/{environment}',
    "https://agency.example.com/{environment}'",
  ],
  apiSecretParameter: ['/backopper/api-secret', 'backopper-secret', 'my secret', '/a//b', '/a/b/'],
  apiSecretHeader: ['X-Secret-Key', 'Authorization', 'X_Key', 'x'.repeat(65)],
  environments: [
    [{ name: 'live' }],
    ['live', 'staging'],
    [{ name: 'live', tagKey: 'Role', tagValue: 'web-live' }],
    [],
    [{ name: 'live' }, { name: 'live' }],
    [{ name: 'live' }, { name: 'live-eu' }],
    [{ name: '../x' }],
    [{ name: 'live', tagKey: 'aws:env' }],
    [{ name: 'live', tagValue: 'a b' }],
    [{ name: 'live', tag: 'x' }],
    { name: 'live' },
  ],
  backend: ['scheduler', 'rules', 'RULES', 'cron'],
  scheduleGroup: ['backopper', 'my.group_1', 'a b', 'x'.repeat(65)],
  timeZone: ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Mars/Olympus', 'CEST+2'],
  backupWindow: [
    '01:00-05:00',
    '22:00-02:00',
    '1:00-5:00',
    '22:00-24:00',
    '24:00-01:00',
    '03:00-03:00',
    '1am-5am',
    '01:00-05:60',
  ],
  weeklyDay: ['SUN', 'sunday', 'Mon', 'SATURDAY', 'Caturday', 'SU', 'Sundays'],
  executionTimeoutSeconds: [60, 14_400, 172_800, 59, 172_801, 1.5, -1],
  maxDeleteFraction: [0, 0.5, 1, -0.1, 1.5],
  verifyDay: ['SUN', 'wednesday', 'Caturday'],
  verifyWindow: ['06:00-08:00', '23:30-00:30', '08:00-08:00', '06:00-24:00'],
  verifyExecutionTimeoutSeconds: [60, 3600, 172_800, 30, 200_000],
};

const BASE_VARIABLES = {
  BACKOPPER_API_URL: 'https://agency.example.com/api/backups/{environment}',
  BACKOPPER_API_SECRET_PARAMETER: '/backopper/api-secret',
  BACKOPPER_ENVIRONMENTS: '["live"]',
  BACKOPPER_SCHEDULE_ROLE_ARN: 'arn:aws:iam::123456789012:role/backopper-schedules',
  BACKOPPER_VERIFY_DOCUMENT_NAME: 'Backopper-Verify',
  AWS_REGION: 'eu-west-1',
};

/** The worked example with the setting at `path` set (intermediate objects created). */
function contextWith(path: string, value: unknown): Record<string, unknown> {
  const config = exampleConfig();
  const keys = path.split('.');
  let node = config;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1) as string] = value;
  return config;
}

function synthProblems(path: string, value: unknown): string[] {
  try {
    parseConfig(contextWith(path, value));
    return [];
  } catch (error) {
    if (error instanceof ConfigError)
      return error.problems.filter((problem) => problem.startsWith(`backopper.${path}`));
    throw error;
  }
}

function lambdaProblem(variable: string, value: unknown): string | undefined {
  try {
    loadConfig({ ...BASE_VARIABLES, [variable]: toVariableText(value as object) });
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

const cases = Object.entries(VALUES).flatMap(([name, values]) => values.map((value) => [name, value] as const));

describe('synth and the Lambdas agree on every shared setting', () => {
  it('covers every shared setting with good and bad values', () => {
    expect(Object.keys(VALUES).sort()).toEqual(Object.keys(SHARED_SETTINGS).sort());
    for (const [name, values] of Object.entries(VALUES)) {
      const setting = SHARED_SETTINGS[name as keyof typeof SHARED_SETTINGS];
      const verdicts = values.map((value) => synthProblems(setting.context, value).length === 0);
      expect(verdicts, `${name} needs accepted and refused values`).toContain(true);
      expect(verdicts, `${name} needs accepted and refused values`).toContain(false);
    }
  });

  it.each(cases)('%s = %j: accepted by both or refused by both, naming the key or the variable', (name, value) => {
    const setting = SHARED_SETTINGS[name as keyof typeof SHARED_SETTINGS];
    const synth = synthProblems(setting.context, value);
    const lambda = lambdaProblem(setting.variable, value);
    if (synth.length === 0) {
      expect(lambda).toBeUndefined();
    } else {
      expect(synth[0]).toMatch(new RegExp(`^backopper\\.${setting.context.replace('.', '\\.')}: `));
      expect(lambda).toMatch(new RegExp(`^${setting.variable}: `));
      // The same rule speaks on both sides.
      expect(lambda?.slice(setting.variable.length + 2)).toBe(synth[0]?.slice(`backopper.${setting.context}: `.length));
    }
  });
});
