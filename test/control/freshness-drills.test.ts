/**
 * The drill verdict (control/freshness/assess-drills.ts), pure: tables of drill histories at a fixed
 * time, and what the monitor and status make of them.
 */
import { describe, expect, it } from 'vitest';
import { parseBackupWindow } from '../../common/settings/rules';
import { DRILL_FREQUENCY, type DrillRecord } from '../../common/drill-record';
import { buildVerifySchedules } from '../../control/sync/desired-schedules';
import { describeLastProof, summarizeDrills } from '../../control/drill-records';
import { FREQUENCY_SECONDS } from '../../control/freshness/assess';
import {
  type AssessedDrill,
  assessDrills,
  DRILL_OVERDUE_AFTER_PERIODS,
  DRILL_PERIOD_SECONDS,
} from '../../control/freshness/assess-drills';

const NOW = new Date('2025-01-15T07:00:00Z');
const DAY = 86_400;
const at = (daysAgo: number) => Math.floor(NOW.getTime() / 1000) - Math.round(daysAgo * DAY);
const drill = (daysAgo: number, status: DrillRecord['status'], extra: Partial<AssessedDrill> = {}): AssessedDrill => ({
  app: 'shop',
  environment: 'live',
  host: 'web1',
  timestamp: at(daysAgo),
  kind: 'database',
  status,
  backup: { key: `shop/live/backup_${at(daysAgo + 0.5)}.sql.gz`, timestamp: at(daysAgo + 0.5) },
  differences: status === 'failed' ? ['table wp_posts: 10 rows, the manifest says 12'] : [],
  ...(status === 'passed' ? { restoreSeconds: 4.2 } : {}),
  ...extra,
});
const judge = (
  drills: AssessedDrill[],
  options: { oldestBackupDaysAgo?: number; complete?: boolean; enabled?: boolean; engine?: 'mysql' | 'none' } = {},
) =>
  assessDrills({
    enabled: options.enabled ?? true,
    engine: options.engine ?? 'mysql',
    drills,
    complete: options.complete ?? true,
    oldestBackup: options.oldestBackupDaysAgo === undefined ? undefined : at(options.oldestBackupDaysAgo),
    now: NOW,
  });

describe('assessDrills (pure)', () => {
  it('the drill period is the verify schedule period, weekly: overdue after 14 days', () => {
    expect(DRILL_FREQUENCY).toBe('weekly');
    expect(DRILL_PERIOD_SECONDS * DRILL_OVERDUE_AFTER_PERIODS).toBe(14 * DAY);
    expect(FREQUENCY_SECONDS[DRILL_FREQUENCY]).toBe(DRILL_PERIOD_SECONDS);
    // The sync builds the verify schedules at that frequency, whatever the app's own: one slot on the verify day.
    const [schedule] = buildVerifySchedules(
      [{ name: 'shop', frequency: 'hourly', engine: 'mysql', projectType: 'wordpress' }],
      {
        environment: { name: 'live', tagKey: 'backopper:environment', tagValue: 'live' },
        timeZone: 'UTC',
        window: parseBackupWindow('06:00-08:00'),
        weeklyDay: 'SUN',
        documentName: 'Backopper-Verify',
        executionTimeoutSeconds: 3600,
        deliveryTimeoutSeconds: 600,
        logGroupName: undefined,
      },
    );
    expect(schedule?.timing).toMatchObject({ frequency: DRILL_FREQUENCY, weekday: 'SUN' });
  });

  it.each([
    // case, drills, oldest backup (days ago), failed?, overdue?
    ['passed 3 days ago', [drill(3, 'passed')], 60, false, false],
    ['passed exactly 14 days ago', [drill(14, 'passed')], 60, false, false],
    ['passed just over 14 days ago', [drill(14.01, 'passed')], 60, false, true],
    ['failed after a pass 2 days before', [drill(1, 'failed'), drill(3, 'passed')], 60, true, false],
    ['passed after a failure', [drill(1, 'passed'), drill(8, 'failed')], 60, false, false],
    [
      'skipped after a failure: the failure stands',
      [drill(1, 'skipped'), drill(8, 'failed'), drill(9, 'passed')],
      60,
      true,
      false,
    ],
    ['skipped after a pass: the pass stands', [drill(1, 'skipped'), drill(8, 'passed')], 60, false, false],
    ['only skipped drills for 20 days', [drill(1, 'skipped'), drill(20, 'skipped')], 60, false, true],
    ['only skipped drills, app 10 days old', [drill(1, 'skipped')], 10, false, false],
    ['never drilled, backups for 15 days', [], 15, false, true],
    ['never drilled, backups for 13 days (too new)', [], 13, false, false],
    ['never drilled, no backups (MISSING says so)', [], undefined, false, false],
    ['failed ever since its first drill, 30 days', [drill(1, 'failed'), drill(29, 'failed')], 30, true, true],
  ] as const)('%s', (_case, drills, oldest, failed, overdue) => {
    const verdict = judge([...drills], { oldestBackupDaysAgo: oldest });
    expect(verdict.checked).toBe(true);
    expect(verdict.failed !== undefined).toBe(failed);
    expect(verdict.overdue).toBe(overdue);
  });

  it('names the failed drill and the last pass, with its age', () => {
    const failed = drill(1, 'failed', { error: 'restore failed: ERROR 1064' });
    const verdict = judge([drill(5, 'passed'), failed], { oldestBackupDaysAgo: 60 });
    expect(verdict.failed).toBe(failed);
    expect(verdict.lastPassed?.timestamp).toBe(at(5));
    expect(verdict.ageSeconds).toBe(5 * DAY);
    expect(verdict.newest).toBe(failed);
  });

  it('checks nothing when drills are off, or for a media-only app', () => {
    for (const verdict of [
      judge([drill(1, 'failed')], { enabled: false, oldestBackupDaysAgo: 60 }),
      judge([drill(1, 'failed')], { engine: 'none', oldestBackupDaysAgo: 60 }),
    ])
      expect(verdict).toMatchObject({ checked: false, failed: undefined, overdue: false });
  });

  it('a media drill neither proves nor fails the database drills', () => {
    const media = drill(1, 'passed', { kind: 'media' });
    expect(judge([media, drill(2, 'failed')], { oldestBackupDaysAgo: 60 })).toMatchObject({ overdue: true });
    expect(judge([drill(1, 'failed', { kind: 'media' }), drill(2, 'passed')], { oldestBackupDaysAgo: 60 }).failed).toBe(
      undefined,
    );
  });

  it('does not trust a drill clock ahead of S3: the time S3 stored the record counts', () => {
    // A server whose clock runs 30 days ahead writes a "future" pass; S3 stored it 20 days ago.
    const lying = drill(-30, 'passed', { writtenAt: at(20) });
    expect(judge([lying], { oldestBackupDaysAgo: 60 })).toMatchObject({ overdue: true, ageSeconds: 20 * DAY });
    // And it does not hide a newer failure by sorting first.
    expect(judge([lying, drill(1, 'failed')], { oldestBackupDaysAgo: 60 }).failed?.timestamp).toBe(at(1));
    expect(summarizeDrills([lying, drill(1, 'failed')]).newest?.status).toBe('failed');
  });

  it('does not let a drill clock behind S3 hide a new failure under an older pass', () => {
    // A pass stored 3 days ago (true clock), then a drill on a server whose clock runs 30 days behind
    // fails: its own timestamp says 31 days ago, S3 stored it an hour ago. It is the newest outcome.
    const pass = drill(3, 'passed');
    const failed = drill(31, 'failed', { writtenAt: at(1 / 24) });
    const verdict = judge([pass, failed], { oldestBackupDaysAgo: 60 });
    expect(verdict.failed?.status).toBe('failed');
    expect(verdict.newest?.status).toBe('failed');
    expect(summarizeDrills([pass, failed]).newest?.status).toBe('failed');
    // Its age is still never younger than its own (behind) clock allows to be trusted: the pass stays the proof.
    expect(verdict.lastPassed?.timestamp).toBe(at(3));
  });

  it('with records left unread and no pass among those read, the pass is older than the oldest read', () => {
    // Ten failures today: an older pass may exist, but it is not known to be older than 14 days.
    const today = Array.from({ length: 10 }, (_, index) => drill(index * 0.01, 'failed'));
    expect(judge(today, { complete: false, oldestBackupDaysAgo: 400 })).toMatchObject({ overdue: false });
    const weekly = Array.from({ length: 10 }, (_, index) => drill(index * 7, 'failed'));
    expect(judge(weekly, { complete: false, oldestBackupDaysAgo: 400 })).toMatchObject({ overdue: true });
  });
});

describe('describeLastProof (pure)', () => {
  it('names the drilled copy and its retention tier when the record has it', () => {
    const passed = drill(2, 'passed', {
      backup: { key: 'shop/live/backup_1700000000.sql.gz', timestamp: 1_700_000_000, tier: 'monthly' },
    });
    expect(describeLastProof({ newest: passed, lastPassed: passed })).toBe(
      `last proven restore ${new Date(at(2) * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC: shop/live/backup_1700000000.sql.gz (monthly copy) restored in 4.2 s and matched its manifest`,
    );
  });

  it('shows a pass from a clock 30 days ahead at the time S3 stored it, not in the future', () => {
    const lying = drill(-30, 'passed', { writtenAt: at(20) });
    const line = describeLastProof({ newest: lying, lastPassed: lying });
    expect(line).toContain(
      `last proven restore ${new Date(at(20) * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC`,
    );
  });
});
