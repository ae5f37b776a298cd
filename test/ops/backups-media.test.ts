import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRecordKey } from '../../common/run-record';
import { runCli } from '../../ops/commands/run-cli';
import { FakeS3Archive } from '../fakes/fake-s3-archive';
import { seedBackups } from '../fakes/seed-backups';
import { seedRunRecords, transferStep } from '../fakes/seed-run-records';
import { type LocalS3, startS3 } from '../services/s3';

const NOW = new Date('2025-01-15T07:00:00Z');
const at = (hoursAgo: number) => Math.floor(NOW.getTime() / 1000 - hoursAgo * 3600);

async function cli(argv: string[], s3: FakeS3Archive['client'], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCli(argv, {
    env,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    deps: { s3 },
  });
  return { status, out, err };
}

describe('backopper backups: dumps from the S3 listing, media archives from the run records (s3rver)', () => {
  let s3: LocalS3;
  let env: Record<string, string>;
  beforeAll(async () => {
    s3 = await startS3('listing-test');
    env = { BACKOPPER_BUCKET: s3.bucket };
    // An old dump without a run record, and a newer one whose run recorded everything.
    await seedBackups({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      backups: [{ app: 'shop', environment: 'live', hoursAgo: 200, size: 700 }],
    });
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `shop/live/backup_${at(24)}.sql.gz`, Body: Buffer.alloc(900, 1) }),
    );
    await seedRunRecords({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      runs: [
        {
          app: 'shop',
          hoursAgo: 24,
          steps: {
            database: { status: 'succeeded', bytes: 900, sha256: 'cd'.repeat(32) },
            upload: { status: 'succeeded', bucket: s3.bucket, key: `shop/live/backup_${at(24)}.sql.gz`, bytes: 900 },
            transfer: transferStep({ timestamp: at(24), bytes: 3_500_000, sha256: 'ef'.repeat(32) }),
          },
        },
        {
          app: 'shop',
          hoursAgo: 2,
          status: 'failed',
          steps: { database: { status: 'failed', error: 'mysqldump exited with status 2' } },
        },
        {
          app: 'shop',
          hoursAgo: 1,
          steps: { transfer: transferStep({ timestamp: at(1), bytes: 3_600_000, hostId: '0badcafe', sha256: null }) },
        },
      ],
    });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('lists dumps then media archives, newest first, with time, size, sha256 and where; --json prints only JSON', async () => {
    const json = await cli(['backups', 'live', 'shop', '--json'], s3.client, env);
    expect(json.status).toBe(0);
    expect(json.out).toHaveLength(1);
    const rows = JSON.parse(json.out[0] as string);
    expect(rows).toEqual([
      {
        kind: 'database',
        time: new Date(at(24) * 1000).toISOString(),
        timestamp: at(24),
        size: 900,
        sha256: 'cd'.repeat(32),
        where: `s3://listing-test/shop/live/backup_${at(24)}.sql.gz`,
        key: `shop/live/backup_${at(24)}.sql.gz`,
      },
      {
        kind: 'database',
        time: new Date(at(200) * 1000).toISOString(),
        timestamp: at(200),
        size: 700,
        sha256: '0'.repeat(64),
        where: `s3://listing-test/shop/live/backup_${at(200)}.sql.gz`,
        key: `shop/live/backup_${at(200)}.sql.gz`,
      },
      {
        kind: 'media',
        time: new Date(at(1) * 1000).toISOString(),
        timestamp: at(1),
        size: 3_600_000,
        sha256: 'missing',
        where: `media.example.net:/srv/media/shop/live/media_${at(1)}_0badcafe.tar.gz`,
        host: 'web1',
      },
      {
        kind: 'media',
        time: new Date(at(24) * 1000).toISOString(),
        timestamp: at(24),
        size: 3_500_000,
        sha256: 'ef'.repeat(32),
        where: `media.example.net:/srv/media/shop/live/media_${at(24)}_a1b2c3d4.tar.gz`,
        host: 'web1',
      },
    ]);
    const table = await cli(['backups', 'live', 'shop'], s3.client, env);
    expect(table.status).toBe(0);
    expect(table.out).toContain(`  2025-01-14 07:00:00       900 B  cdcdcdcdcdcd  shop/live/backup_${at(24)}.sql.gz`);
    expect(table.out).toContain(
      'media archives of shop (live) on the media server, from 3 run record(s), newest first (older ones may have been pruned there):',
    );
    expect(table.out).toContain(
      `  2025-01-15 06:00:00     3.4 MiB  missing       media.example.net:/srv/media/shop/live/media_${at(1)}_0badcafe.tar.gz`,
    );
    expect(table.err).toEqual([]);
  });

  it('names an unreadable run record on stderr and exits 1, still listing the rest', async () => {
    const key = runRecordKey({ app: 'shop', environment: 'live', timestamp: at(3), hostId: 'a1b2c3d4' });
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: '{"app":"shop","environment":"live","host":"web1","timestamp":1,"status":"exploded","steps":{}}',
      }),
    );
    const run = await cli(['backups', 'live', 'shop', '--json'], s3.client, env);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.out[0] as string)).toHaveLength(4);
    expect(run.err).toEqual([
      `backopper backups: run record s3://listing-test/${key} is unreadable (skipped): Error: status "exploded" is unknown`,
    ]);
  });

  it('says so when there is nothing, and refuses a bad --runs', async () => {
    const run = await cli(['backups', 'live', 'nothing'], s3.client, env);
    // Nothing at all under nothing/: a typo, told apart from an app without backups (exit 3, not 1).
    expect([run.status, run.out]).toEqual([3, []]);
    expect(run.err.join('\n')).toContain(
      'no app nothing in live: nothing stored under s3://listing-test/nothing/live/',
    );
    expect((await cli(['backups', 'live', 'shop', '--runs', '0'], s3.client, env)).status).toBe(2);
  });
});

describe('backopper restore of a dump in an archive storage class (the S3 archive fake)', () => {
  const env = { BACKOPPER_BUCKET: 'archive-test' };
  const body = Buffer.from('-- a dump\n'.repeat(100));
  const sha = createHash('sha256').update(body).digest('hex');
  const key = `shop/live/backup_${at(24 * 400)}.sql.gz`;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backopper-thaw-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const world = (storageClass: 'GLACIER' | 'DEEP_ARCHIVE') =>
    new FakeS3Archive(() => NOW).put(key, body, storageClass).put(`${key}.sha256`, `${sha}  backup.sql.gz\n`);

  it('says a GLACIER dump is archived and exits 1; --thaw requests it and says how long; once thawed it restores and verifies', async () => {
    const fake = world('GLACIER');
    const refused = await cli(['restore', 'live', 'shop', '--output', dir], fake.client, env);
    expect(refused.status).toBe(1);
    expect(refused.out).toEqual([
      `backup    s3://archive-test/${key}  1000 B  taken ${new Date(at(24 * 400) * 1000).toISOString()}  GLACIER`,
    ]);
    expect(refused.err).toEqual([
      `backopper restore: s3://archive-test/${key} is in GLACIER (archived): it cannot be downloaded until it is thawed; pass --thaw [--thaw-days <n>] [--thaw-tier Standard|Bulk|Expedited] to request that`,
    ]);
    expect(fake.thawRequests).toEqual([]);
    expect(fake.calls.counts.GetObject).toBeUndefined();

    const thaw = await cli(
      ['restore', 'live', 'shop', '--output', dir, '--thaw', '--thaw-days', '3'],
      fake.client,
      env,
    );
    expect(thaw.status).toBe(1);
    expect(thaw.err).toEqual([
      `backopper restore: thaw requested for s3://archive-test/${key} (GLACIER, Standard tier): ready in 3-5 hours, then readable for 3 day(s); run this restore again then`,
    ]);
    expect(fake.thawRequests).toEqual([
      { Bucket: 'archive-test', Key: key, RestoreRequest: { Days: 3, GlacierJobParameters: { Tier: 'Standard' } } },
    ]);

    const again = await cli(['restore', 'live', 'shop', '--output', dir, '--thaw'], fake.client, env);
    expect(again.status).toBe(1);
    expect(again.err).toEqual([
      `backopper restore: s3://archive-test/${key} (GLACIER): a thaw is already running; run this restore again once it is done (Standard takes 3-5 hours)`,
    ]);
    expect(fake.thawRequests).toHaveLength(1);

    fake.finishThaws(NOW);
    const restored = await cli(['restore', 'live', 'shop', '--output', dir], fake.client, env);
    expect(restored.err).toEqual([]);
    expect(restored.status).toBe(0);
    expect(restored.out[1]).toBe(
      `archive   s3://archive-test/${key} is in GLACIER; its thawed copy is readable until Sat, 18 Jan 2025 07:00:00 GMT`,
    );
    expect(restored.out[2]).toContain('(matches the stored sha256)');
    expect(readFileSync(join(dir, `backup_${at(24 * 400)}.sql.gz`))).toEqual(body);
  });

  it('refuses Expedited for DEEP_ARCHIVE (S3 offers Standard and Bulk there) and gives Bulk its 48 hours', async () => {
    const fake = world('DEEP_ARCHIVE');
    const expedited = await cli(
      ['restore', 'live', 'shop', '--output', dir, '--thaw', '--thaw-tier', 'Expedited'],
      fake.client,
      env,
    );
    expect(expedited.status).toBe(1);
    expect(expedited.err).toEqual([
      `backopper restore: s3://archive-test/${key} is in DEEP_ARCHIVE, which has no Expedited retrieval: use --thaw-tier Standard or Bulk`,
    ]);
    expect(fake.thawRequests).toEqual([]);
    const bulk = await cli(
      ['restore', 'live', 'shop', '--output', dir, '--thaw', '--thaw-tier', 'Bulk'],
      fake.client,
      env,
    );
    expect(bulk.err[0]).toContain('(DEEP_ARCHIVE, Bulk tier): ready in up to 48 hours, then readable for 7 day(s)');
    expect(fake.thawRequests[0]?.RestoreRequest).toEqual({ Days: 7, GlacierJobParameters: { Tier: 'Bulk' } });
  });

  it.each([
    [['--thaw-days', '3'], '--thaw-days and --thaw-tier need --thaw'],
    [['--thaw', '--thaw-days', '0'], '--thaw-days: expected whole days from 1 to 365'],
    [['--thaw', '--thaw-tier', 'Fast'], '--thaw-tier: expected Expedited, Standard, Bulk'],
  ])('exits 2 on %j', async (extra, message) => {
    const run = await cli(['restore', 'live', 'shop', '--output', dir, ...extra], world('GLACIER').client, env);
    expect(run.status).toBe(2);
    expect(run.err.join('\n')).toContain(message);
  });
});
