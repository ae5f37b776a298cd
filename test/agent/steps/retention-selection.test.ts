import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBackupState } from '../../../agent/run/backup-state';
import { selectExpiredArchives } from '../../../agent/steps/prune-media';
import { planLocalRetention, selectExpired } from '../../../agent/steps/retention';

const at = (iso: string) => Date.parse(iso) / 1000;
const dated = (...isos: string[]) => isos.map((iso) => ({ name: iso.slice(0, 10), timestamp: at(iso) }));
const kept = (items: { name: string }[], expired: string[]) =>
  items.map((item) => item.name).filter((name) => !expired.includes(name));

describe('selectExpired: the newest N plus the newest of each of the last weeks and months', () => {
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
  it('adds the newest of each of the last 3 ISO weeks (Monday start), the current week included', () => {
    // Weeks: Feb 12-18 (newest Feb 15), Feb 5-11 (Feb 11, a Sunday), Jan 29-Feb 4 (Feb 4).
    expect(kept(dated(...daily), selectExpired(dated(...daily), { keep: 2, weeks: 3 }, now))).toEqual([
      '2024-02-04',
      '2024-02-11',
      '2024-02-14',
      '2024-02-15',
    ]);
  });
  it('adds the newest of each of the last 2 months', () => {
    expect(kept(dated(...daily), selectExpired(dated(...daily), { keep: 1, months: 2 }, now))).toEqual([
      '2024-01-31',
      '2024-02-15',
    ]);
  });
  it('counts weeks and months in the configured zone', () => {
    // 23:30 UTC on Sunday 4 February is Monday in Amsterdam: the newest of the week before is the Saturday.
    const items = dated('2024-02-03T12:00:00Z', '2024-02-04T23:30:00Z', '2024-02-10T12:00:00Z');
    const later = at('2024-02-10T13:00:00Z');
    expect(kept(items, selectExpired(items, { keep: 1, weeks: 2, timeZone: 'UTC' }, later))).toEqual([
      '2024-02-04',
      '2024-02-10',
    ]);
    expect(kept(items, selectExpired(items, { keep: 1, weeks: 2, timeZone: 'Europe/Amsterdam' }, later))).toEqual([
      '2024-02-03',
      '2024-02-10',
    ]);
  });
  it('a name dated after now goes first and is never a weekly keep', () => {
    const items = dated('2024-02-14T02:00:00Z', '2024-02-15T02:00:00Z', '2030-01-01T00:00:00Z');
    expect(selectExpired(items, { keep: 2, weeks: 5, months: 5 }, now)).toEqual(['2030-01-01']);
  });
});

describe('selectExpiredArchives', () => {
  it('picks only archives of our naming from this server (or of the older naming without a host id)', () => {
    const names = [
      'media_1700000001_abcdef12.tar.gz',
      'media_1700000002_abcdef12.tar.gz',
      'media_1700000003_abcdef12.tar.gz',
      'media_1600000000.tar.gz',
      'media_1500000000_deadbeef.tar.gz',
      'media_1400000000_abcdef12.tar.gz.bak',
      'notes.txt',
      '.media_1700000004_abcdef12.tar.gz.part',
    ];
    expect(selectExpiredArchives(names, 'abcdef12', { keep: 2 }, 1800000000)).toEqual([
      'media_1700000001_abcdef12.tar.gz',
      'media_1600000000.tar.gz',
    ]);
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
