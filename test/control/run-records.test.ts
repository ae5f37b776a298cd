import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRecordKey } from '../../common/run-record';
import { lastRunProblem, recordedDumps, recordedMedia } from '../../control/recorded-backups';
import { readRunRecords } from '../../control/run-records';
import { FakeS3Archive } from '../fakes/fake-s3-archive';
import { seedRunRecords, transferStep } from '../fakes/seed-run-records';
import { type LocalS3, startS3 } from '../services/s3';

const NOW = new Date('2025-01-15T07:00:00Z');
const at = (hoursAgo: number) => Math.floor(NOW.getTime() / 1000 - hoursAgo * 3600);

describe('readRunRecords against s3rver', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3('records-test');
    await seedRunRecords({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      runs: [
        {
          app: 'shop',
          hoursAgo: 48,
          steps: {
            database: { status: 'succeeded', bytes: 900, sha256: 'cd'.repeat(32) },
            upload: { status: 'succeeded', bucket: 'records-test', key: 'shop/live/backup_1.sql.gz' },
            transfer: transferStep({ timestamp: at(48), bytes: 5000 }),
          },
        },
        { app: 'shop', hoursAgo: 24, steps: { transfer: transferStep({ timestamp: at(24), bytes: 5100 }) } },
        {
          app: 'shop',
          hoursAgo: 1,
          status: 'failed',
          steps: {
            database: { status: 'succeeded' },
            transfer: { status: 'failed', error: 'ssh: connect to host media.example.net port 22: Connection refused' },
          },
        },
        { app: 'shop', hoursAgo: 0.5, status: 'skipped', host: 'web2', hostId: 'ffffffff' },
        { app: 'shop', environment: 'staging', hoursAgo: 2 },
      ],
    });
    const put = (key: string, body: string) =>
      s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    await put(
      runRecordKey({ app: 'shop', environment: 'live', timestamp: at(12), hostId: 'a1b2c3d4' }),
      '{"app":"shop","truncated',
    );
    await put('shop/live/runs/notes.txt', 'not a record');
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('reads the newest records newest first and names the unreadable one instead of skipping it silently', async () => {
    const found = await readRunRecords({ client: s3.client, bucket: s3.bucket, app: 'shop', environment: 'live' });
    expect(found.total).toBe(5);
    expect(found.records.map(({ record }) => [record.timestamp, record.status])).toEqual([
      [at(0.5), 'skipped'],
      [at(1), 'failed'],
      [at(24), 'succeeded'],
      [at(48), 'succeeded'],
    ]);
    expect(found.unreadable).toEqual([
      { key: `shop/live/runs/${at(12)}_a1b2c3d4.json`, error: expect.stringMatching(/^Error: not JSON: /) },
    ]);
    expect(recordedMedia(found.records).map((media) => [media.timestamp, media.bytes, media.where])).toEqual([
      [at(24), 5100, `media.example.net:/srv/media/shop/live/media_${at(24)}_a1b2c3d4.tar.gz`],
      [at(48), 5000, `media.example.net:/srv/media/shop/live/media_${at(48)}_a1b2c3d4.tar.gz`],
    ]);
    expect(recordedDumps(found.records)).toMatchObject([
      { key: 'shop/live/backup_1.sql.gz', bytes: 900, sha256: 'cd'.repeat(32) },
    ]);
    // The skipped run (a server without the app) is not the "last run".
    expect(lastRunProblem(found.records)).toMatchObject({
      step: 'transfer',
      error: 'ssh: connect to host media.example.net port 22: Connection refused',
      host: 'web1',
    });
  });

  it('reads only the newest `limit` records', async () => {
    const found = await readRunRecords({
      client: s3.client,
      bucket: s3.bucket,
      app: 'shop',
      environment: 'live',
      limit: 2,
    });
    expect(found.records.map(({ record }) => record.timestamp)).toEqual([at(0.5), at(1)]);
    expect(found.unreadable).toEqual([]);
  });
});

describe('readRunRecords paging', () => {
  it('lists every page (1,000 keys each) and downloads only the newest records', async () => {
    const fake = new FakeS3Archive(() => NOW);
    for (let index = 0; index < 2100; index += 1) {
      const timestamp = 1_700_000_000 + index * 3600;
      fake.put(
        runRecordKey({ app: 'busy', environment: 'live', timestamp, hostId: 'a1b2c3d4' }),
        JSON.stringify({ app: 'busy', environment: 'live', host: 'web1', timestamp, status: 'succeeded', steps: {} }),
      );
    }
    const found = await readRunRecords({
      client: fake.client,
      bucket: 'b',
      app: 'busy',
      environment: 'live',
      limit: 3,
    });
    expect(fake.calls.counts).toEqual({ ListObjectsV2: 3, GetObject: 3 });
    expect(found.total).toBe(2100);
    expect(found.records.map(({ record }) => record.timestamp)).toEqual([
      1_700_000_000 + 2099 * 3600,
      1_700_000_000 + 2098 * 3600,
      1_700_000_000 + 2097 * 3600,
    ]);
  });
});
