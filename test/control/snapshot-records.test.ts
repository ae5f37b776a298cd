import { describe, expect, it } from 'vitest';
import { parseRunRecord } from '../../common/run-record';
import { assessMedia } from '../../control/freshness/assess';
import { mediaExpected, newestMedia, recordedMedia } from '../../control/recorded-backups';
import type { StoredRunRecord } from '../../control/run-records';
import { buildBackupRows } from '../../ops/recovery/backup-listing';

const HOUR = 3600;
const NOW = 1_800_000_000;

/** A run record as the agent writes it in snapshot mode (the fields readers use). */
function snapshotRun(timestamp: number, bytes: number, files: number, status = 'succeeded'): StoredRunRecord {
  const path = `media.example.com:/srv/media/web-1/snapshots/shop@live/${timestamp}_3abda07c`;
  const record = parseRunRecord(
    JSON.stringify({
      app: 'shop',
      environment: 'live',
      host: 'web-1',
      timestamp,
      status,
      steps: {
        media: { status, bytes, files, manifest: { files, bytes } },
        transfer:
          status === 'succeeded'
            ? { status, path, bytes, bytesSent: 1234, manifest: { files, bytes } }
            : { status: 'skipped', reason: 'the snapshot failed' },
      },
    }),
  );
  return { key: `shop/live/runs/${timestamp}_3abda07c.json`, timestamp, record } as StoredRunRecord;
}

describe('snapshot run records: listing and freshness read them as they read archives', () => {
  it('lists a snapshot with its file count where an archive shows its sha256', () => {
    const rows = buildBackupRows({
      bucket: 'b',
      stored: [],
      checksums: [],
      records: [snapshotRun(NOW - HOUR, 5e6, 120)],
    });
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'media',
        size: 5e6,
        sha256: '120 files',
        where: `media.example.com:/srv/media/web-1/snapshots/shop@live/${NOW - HOUR}_3abda07c`,
      }),
    ]);
    expect(recordedMedia([snapshotRun(NOW - HOUR, 5e6, 120)])[0]?.manifest).toEqual({ files: 120, bytes: 5e6 });
  });

  it('is fresh after a recent snapshot, stale after an old one, missing when every run failed', () => {
    const judge = (records: StoredRunRecord[]) =>
      assessMedia({
        engine: 'mysql',
        expected: mediaExpected(records) || records.length > 0,
        intervalSeconds: 24 * HOUR,
        media: newestMedia(records),
        now: new Date(NOW * 1000),
      }).freshness;
    expect(judge([snapshotRun(NOW - HOUR, 5e6, 120)])).toBe('fresh');
    expect(judge([snapshotRun(NOW - 72 * HOUR, 5e6, 120)])).toBe('stale');
    expect(judge([snapshotRun(NOW - HOUR, 5e6, 120, 'failed')])).toBe('missing');
  });

  it('says shrunk when the newest snapshot holds less than half the bytes of the one before', () => {
    const verdict = assessMedia({
      engine: 'mysql',
      expected: true,
      intervalSeconds: 24 * HOUR,
      media: newestMedia([snapshotRun(NOW - HOUR, 1e6, 20), snapshotRun(NOW - 25 * HOUR, 5e6, 120)]),
      now: new Date(NOW * 1000),
    });
    expect(verdict).toMatchObject({ freshness: 'fresh', shrunk: true, sizeRatio: 0.2 });
  });
});
