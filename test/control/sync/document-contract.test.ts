import { describe, expect, it } from 'vitest';
import type { AppSpec } from '../../../common/app-spec';
import { DOCUMENT_PARAMETER_PATTERNS } from '../../../infra/constructs/backup-document';
import { parseBackupWindow } from '../../../common/settings/rules';
import { buildDesiredSchedules } from '../../../control/sync/desired-schedules';

// The schedules send document parameters that SSM checks against the document's allowedPattern: a
// mismatch would fail every backup at run time, long after a green sync. Pin the contract here.
describe('the parameters the sync sends match the Backopper-Backup document', () => {
  const apps: AppSpec[] = [
    { name: 'a', frequency: 'daily', engine: 'mysql', projectType: 'wordpress' },
    { name: `_${'x'.repeat(63)}`, frequency: 'hourly', engine: 'postgres', projectType: 'laravel' },
    { name: 'v1.2-shop_eu', frequency: 'monthly', engine: 'none', projectType: `p${'9'.repeat(31)}` },
  ];
  it.each([60, 3600, 172_800])('with an execution timeout of %i seconds', (executionTimeoutSeconds) => {
    const specs = buildDesiredSchedules(apps, {
      environment: { name: `E${'e'.repeat(31)}`, tagKey: 'backopper:environment', tagValue: 'live' },
      timeZone: 'UTC',
      window: parseBackupWindow('01:00-05:00'),
      weeklyDay: 'SUN',
      documentName: 'Backopper-Backup',
      executionTimeoutSeconds,
      deliveryTimeoutSeconds: 600,
      logGroupName: undefined,
    });
    for (const spec of specs) {
      expect(Object.keys(spec.command.parameters).sort()).toEqual(Object.keys(DOCUMENT_PARAMETER_PATTERNS).sort());
      for (const [name, value] of Object.entries(spec.command.parameters)) {
        expect(value).toMatch(
          new RegExp(DOCUMENT_PARAMETER_PATTERNS[name as keyof typeof DOCUMENT_PARAMETER_PATTERNS]),
        );
      }
    }
  });
});
