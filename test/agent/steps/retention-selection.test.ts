import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBackupState } from '../../../agent/run/backup-state';
import { selectExpiredArchives } from '../../../agent/steps/prune-media';
import { planLocalRetention, selectExpired } from '../../../agent/steps/retention';
import { calendarPeriods } from '../../../common/calendar';
import { retentionTier } from '../../../common/retention-tier';

const at = (iso: string) => Date.parse(iso) / 1000;
const dated = (...isos: string[]) => isos.map((iso) => ({ name: iso.slice(0, 10), timestamp: at(iso) }));
const kept = (items: { name: string }[], selection: { expired: string[] }) =>
  items.map((item) => item.name).filter((name) => !selection.expired.includes(name));

describe('selectExpired: the newest N plus the first of each of the last weeks and months', () => {
  // Daily archives from Monday 2024-01-01 to Thursday 2024-02-15, at 02:00 UTC.
  const daily = Array.from({ length: 46 }, (_, day) => new Date(Date.UTC(2024, 0, 1 + day, 2)).toISOString());
  const now = at('2024-02-15T03:00:00Z');

  it('keeps only the newest N without weeks or months', () => {
    expect(kept(dated(...daily), selectExpired(dated(...daily), { keep: 3 }, now))).toEqual([
      '2024-02-13',
      '2024-02-14',
      '2024-02-15',
    ]);
  });
  it('adds the first of each of the last 3 ISO weeks (Monday start), the current week included', () => {
    // Weeks: Feb 12-18 (first Feb 12), Feb 5-11 (Feb 5, a Monday), Jan 29-Feb 4 (Jan 29).
    expect(kept(dated(...daily), selectExpired(dated(...daily), { keep: 2, weeks: 3 }, now))).toEqual([
      '2024-01-29',
      '2024-02-05',
      '2024-02-12',
      '2024-02-14',
      '2024-02-15',
    ]);
  });
  it('adds the first of each of the last 2 months', () => {
    expect(kept(dated(...daily), selectExpired(dated(...daily), { keep: 1, months: 2 }, now))).toEqual([
      '2024-01-01',
      '2024-02-01',
      '2024-02-15',
    ]);
  });
  it('counts weeks and months in the configured zone', () => {
    // 23:30 UTC on Sunday 4 February is Monday 5 February in Amsterdam: there it is the first of the new week.
    const items = dated('2024-01-30T12:00:00Z', '2024-02-04T23:30:00Z', '2024-02-10T12:00:00Z');
    const later = at('2024-02-10T13:00:00Z');
    expect(kept(items, selectExpired(items, { keep: 0, weeks: 2, timeZone: 'UTC' }, later))).toEqual([
      '2024-01-30',
      '2024-02-10',
    ]);
    expect(kept(items, selectExpired(items, { keep: 0, weeks: 2, timeZone: 'Europe/Amsterdam' }, later))).toEqual([
      '2024-01-30',
      '2024-02-04',
    ]);
  });
  it('deletes nothing when a name is dated after now: the clock is wrong now or was then', () => {
    const items = dated('2024-02-14T02:00:00Z', '2024-02-15T02:00:00Z', '2030-01-01T00:00:00Z', '2029-01-01T00:00:00Z');
    expect(selectExpired(items, { keep: 1, weeks: 5, months: 5 }, now)).toEqual({
      expired: [],
      clockSuspect: { name: '2030-01-01', timestamp: at('2030-01-01T00:00:00Z') },
    });
  });
  it('a clock 400 days behind with monthly keeps deletes no monthly archive', () => {
    // Two years of monthly keeps made by a right clock; the clock is now set 400 days back.
    const monthly = Array.from({ length: 24 }, (_, m) => new Date(Date.UTC(2023, m, 1, 2)).toISOString());
    const items = dated(...monthly);
    const behind = at('2024-12-31T03:00:00Z') - 400 * 86_400;
    const selection = selectExpired(items, { keep: 3, months: 12 }, behind);
    expect(selection.expired).toEqual([]);
    expect(selection.clockSuspect?.name).toBe('2024-12-01');
  });
});

describe("selectExpiredArchives: only this app's archives from this server", () => {
  const shop = { app: 'shop', environment: 'live', hostId: 'abcdef12' };
  const names = [
    'shop+live+media_1700000001_abcdef12.tar.gz',
    'shop+live+media_1700000002_abcdef12.tar.gz',
    'shop+live+media_1700000003_abcdef12.tar.gz',
    'blog+live+media_1690000000_abcdef12.tar.gz',
    'shop+staging+media_1690000000_abcdef12.tar.gz',
    'shop+live+media_1690000000_deadbeef.tar.gz',
    'shop.old+live+media_1690000000_abcdef12.tar.gz',
    'media_1600000000.tar.gz',
    'media_1600000001_abcdef12.tar.gz',
    'media_1500000000_deadbeef.tar.gz',
    'media_1400000000_abcdef12.tar.gz.bak',
    'notes.txt',
    '.shop+live+media_1700000004_abcdef12.tar.gz.part',
  ];
  it('in a shared folder (no {app} in media.path): only names that say shop, live, this server', () => {
    expect(selectExpiredArchives(names, shop, { keep: 2 }, 1800000000).expired).toEqual([
      'shop+live+media_1700000001_abcdef12.tar.gz',
    ]);
  });
  it("in the app's own folder: also earlier names of this server or without a server", () => {
    expect(selectExpiredArchives(names, { ...shop, appFolder: true }, { keep: 2 }, 1800000000).expired).toEqual([
      'shop+live+media_1700000001_abcdef12.tar.gz',
      'media_1600000001_abcdef12.tar.gz',
      'media_1600000000.tar.gz',
    ]);
  });
  it("an app whose name starts like another's never takes the other's", () => {
    const old = { app: 'shop.old', environment: 'live', hostId: 'abcdef12' };
    expect(selectExpiredArchives(names, old, { keep: 0 }, 1800000000).expired).toEqual([
      'shop.old+live+media_1690000000_abcdef12.tar.gz',
    ]);
  });
});

describe('tiers agree for media: what the media server keeps for a period has a record that lives as long', () => {
  const rank = (tier: string) => ['daily', 'weekly', 'monthly', 'yearly'].indexOf(tier);
  it.each([
    ['daily runs at 02:00 UTC', 'UTC', 3600 * 2, 86_400, [] as number[]],
    ['daily runs at 23:30 Amsterdam time', 'Europe/Amsterdam', 3600 * 22.5, 86_400, []],
    ['runs every 5 days, some transfers failing', 'UTC', 3600 * 2, 5 * 86_400, [1, 4, 7, 10, 13, 16, 19]],
    ['hourly runs, some transfers failing', 'UTC', 0, 3600, [5, 6, 7, 700, 701]],
  ])('%s, over 200 days with keep 3, 8 weeks and 4 months', (_, timeZone, offset, every, failing) => {
    const policy = { keep: 3, weeks: 8, months: 4, timeZone };
    const start = Date.UTC(2024, 0, 1) / 1000 + offset;
    const runs = Array.from({ length: Math.floor((200 * 86_400) / every) }, (__, i) => start + i * every);
    const tiers = new Map<string, string>();
    let onServer: { name: string; timestamp: number }[] = [];
    let lastMedia: number | undefined;
    let periodKeeps = 0;
    runs.forEach((timestamp, i) => {
      if (failing.includes(i)) return; // the transfer failed: no archive, the state unchanged
      const name = `shop+live+media_${timestamp}_abcdef12.tar.gz`;
      tiers.set(name, retentionTier(lastMedia, timestamp, timeZone)); // the run record's media tier
      lastMedia = timestamp;
      onServer.push({ name, timestamp });
      const { expired } = selectExpiredArchives(
        onServer.map((archive) => archive.name),
        { app: 'shop', environment: 'live', hostId: 'abcdef12' },
        policy,
        timestamp,
      );
      onServer = onServer.filter((archive) => !expired.includes(archive.name));
      // Each archive kept beyond the newest 3 is kept as a week's or month's first: its record must live as long.
      for (const archive of onServer.slice(0, -policy.keep)) {
        const at = calendarPeriods(archive.timestamp, timeZone);
        const firstOf = (period: 'week' | 'month') =>
          onServer.find((other) => calendarPeriods(other.timestamp, timeZone)[period] === at[period]) === archive;
        const need = firstOf('month') ? 'monthly' : firstOf('week') ? 'weekly' : 'kept for no reason';
        expect(
          rank(tiers.get(archive.name)!),
          `${archive.name} kept (${need}), record ${tiers.get(archive.name)}`,
        ).toBeGreaterThanOrEqual(rank(need));
        periodKeeps += 1;
      }
    });
    expect(periodKeeps).toBeGreaterThan(0);
  });
});

describe('planLocalRetention with a bucket', () => {
  const names = [
    '1700000001.sql.gz',
    '1700000002.sql.gz',
    '1700000003.sql.gz',
    '1700000004.sql.gz',
    '1700000005.sql.gz',
    'notes.txt',
  ];
  it('deletes an expired dump only once it is in S3', () => {
    const plan = planLocalRetention(names, {
      keep: 2,
      inS3: new Set(['1700000002.sql.gz', '1700000005.sql.gz']),
      maxPending: 10,
    });
    expect(plan).toEqual({
      delete: ['1700000002.sql.gz'],
      keptPending: ['1700000003.sql.gz', '1700000001.sql.gz'],
      droppedPending: [],
    });
  });
  it('past BACKOPPER_MAX_PENDING_UPLOADS, drops the oldest pending dumps and says which', () => {
    const plan = planLocalRetention(names, { keep: 1, inS3: new Set(), maxPending: 3 });
    expect(plan.droppedPending).toEqual(['1700000002.sql.gz', '1700000001.sql.gz']);
    expect(plan.delete.sort()).toEqual(['1700000001.sql.gz', '1700000002.sql.gz']);
    expect(plan.keptPending).toEqual(['1700000004.sql.gz', '1700000003.sql.gz']);
  });
  it('without a bucket keeps the newest N as before', () => {
    expect(planLocalRetention(names, { keep: 4, maxPending: 0 }).delete).toEqual(['1700000001.sql.gz']);
  });
});

describe('readBackupState', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backopper-state-'));
  const write = (text: string) => writeFileSync(join(dir, '.backopper-state.json'), text);
  it.each([
    ['not JSON', '{"lastBackup": 17'],
    ['not our shape', '{"last": 1700000000}'],
    ['a time after this run', '{"lastBackup": 1900000000}'],
  ])('a state that is %s is unknown, with a warning', async (_, text) => {
    write(text);
    const read = await readBackupState(dir, 1800000000);
    expect(read.state).toEqual({});
    expect(read.warning).toMatch(/the previous backup is unknown, this one is tagged yearly/);
  });
  it('reads a sound state', async () => {
    write('{"lastBackup": 1700000000}\n');
    expect(await readBackupState(dir, 1800000000)).toEqual({ state: { lastBackup: 1700000000 } });
  });
});
