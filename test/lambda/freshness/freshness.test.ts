import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listNewestBackups, type NewestBackups } from '../../../control/backup-objects';
import { createFreshnessHandler, FreshnessCheckError } from '../../../lambda/freshness/handler';
import { formatBytes } from '../../../common/format';
import { assessBackups, formatAge } from '../../../control/freshness/assess';
import { type LocalS3, startS3 } from '../../services/s3';
import { type AppListApi, startAppListApi } from '../../fakes/app-list-api';
import { createPagingS3 } from '../../fakes/fake-s3-listing';
import { FakeSsm } from '../../fakes/fake-ssm';
import { seedBackups } from '../../fakes/seed-backups';
import { seedRunRecords, transferStep } from '../../fakes/seed-run-records';

const NOW = new Date('2025-01-15T07:00:00Z');
const HOUR = 3600;
const backup = (hoursAgo: number, size: number) => ({
  key: `k${hoursAgo}`,
  timestamp: NOW.getTime() / 1000 - hoursAgo * HOUR,
  size,
});
const backups = (...items: ReturnType<typeof backup>[]): NewestBackups => ({
  newest: items[0],
  previous: items[1],
  count: items.length,
});

describe('assessBackups (pure)', () => {
  it.each([
    // engine, interval (h), backups, freshness, shrunk, case
    ['mysql', 24, 'newest 5h old', backups(backup(5, 1000), backup(29, 1000)), 'fresh', false],
    ['mysql', 24, 'newest exactly 48h old', backups(backup(48, 1000)), 'fresh', false],
    ['mysql', 24, 'newest just over 48h old', backups(backup(48.01, 1000)), 'stale', false],
    ['mysql', 1, 'newest 2.5h old', backups(backup(2.5, 1000)), 'stale', false],
    ['postgres', 168, 'newest 300h old', backups(backup(300, 1000)), 'fresh', false],
    ['mysql', 24, 'no backup', backups(), 'missing', false],
    ['mysql', 24, '499 B after 1000 B', backups(backup(3, 499), backup(27, 1000)), 'fresh', true],
    ['mysql', 24, '500 B after 1000 B (exactly half)', backups(backup(3, 500), backup(27, 1000)), 'fresh', false],
    ['mysql', 24, '0 B after 1000 B', backups(backup(3, 0), backup(27, 1000)), 'fresh', true],
    ['mysql', 24, '10 B after 0 B (nothing to compare)', backups(backup(3, 10), backup(27, 0)), 'fresh', false],
    ['mysql', 24, '100h old and shrunk', backups(backup(100, 10), backup(124, 1000)), 'stale', true],
    ['none', 24, 'media only', backups(), 'not-checked', false],
  ] as const)('%s every %ih, %s: %s (shrunk: %s)', (engine, hours, _case, found, freshness, shrunk) => {
    expect(assessBackups({ engine, intervalSeconds: hours * HOUR, backups: found, now: NOW })).toMatchObject({
      freshness,
      shrunk,
    });
  });

  it.each([
    [12, '12s'],
    [45 * 60, '45m'],
    [3 * HOUR, '3h'],
    [3 * HOUR + 600, '3h 10m'],
    [50 * HOUR, '2d 2h'],
  ])('formatAge(%i) is %s', (seconds, text) => expect(formatAge(seconds)).toBe(text));

  it.each([
    [512, '512 B'],
    [1234, '1.2 KiB'],
    [830_000, '810.5 KiB'],
    [1_250_000, '1.2 MiB'],
  ])('formatBytes(%i) is %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('the freshness monitor against s3rver, the loopback app-list API and a recording SNS', () => {
  const secret = 'freshness-secret-0123';
  let s3: LocalS3;
  let api: AppListApi;
  let ssm: FakeSsm;
  let published: (PublishCommandInput & { raw?: string })[];
  let snsMock: AwsClientStub<SNSClient>;
  let metrics: string[];

  beforeAll(async () => {
    s3 = await startS3('freshness-test');
    await seedBackups({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      backups: [
        { app: 'shop', environment: 'live', hoursAgo: 5, size: 1000 },
        { app: 'shop', environment: 'live', hoursAgo: 29, size: 1010 },
        { app: 'shop', environment: 'staging', hoursAgo: 500, size: 10 }, // another environment: not shop (live)'s
        { app: 'blog', environment: 'live', hoursAgo: 60, size: 2000 },
        { app: 'blog', environment: 'live', hoursAgo: 84, size: 2000 },
        { app: 'crm', environment: 'live', hoursAgo: 3, size: 400, extension: '.tar' },
        { app: 'crm', environment: 'live', hoursAgo: 27, size: 1000, extension: '.tar' },
        { app: 'crm', environment: 'live', hoursAgo: 51, size: 990, extension: '.tar' },
        { app: 'ticker', environment: 'live', hoursAgo: 1.5, size: 100 },
        { app: 'archive', environment: 'live', hoursAgo: 40 * 24, size: 100 },
        ...Array.from({ length: 7 }, (_, index) => ({
          app: 'paged',
          environment: 'live',
          hoursAgo: 1 + index * 24,
          size: 100 + index,
        })),
      ],
    });
    // The media-only app's media: fresh (a media-only app is judged by its archives, see the media test).
    const fresh = Math.floor(NOW.getTime() / 1000 - HOUR);
    await seedRunRecords({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      runs: [
        {
          app: 'static',
          hoursAgo: 1,
          steps: { transfer: transferStep({ timestamp: fresh, bytes: 100, app: 'static' }) },
        },
      ],
    });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  beforeEach(async () => {
    api = await startAppListApi({ secret });
    api.setList('live', [
      { name: 'shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
      { name: 'blog', frequency: 'Daily', db_engine: 'mariadb', project_type: 'wordpress' },
      { name: 'crm', frequency: 'daily', db_engine: 'postgresql', project_type: 'laravel' },
      { name: 'newsite', frequency: 'weekly', db_engine: 'mysql', project_type: 'wordpress' },
      { name: 'static', frequency: 'daily', db_engine: 'none', project_type: 'wordpress' },
      { name: 'old-site', frequency: 'disabled', db_engine: 'mysql', project_type: 'wordpress' },
      { name: 'ticker', frequency: 'hourly', db_engine: 'mysql', project_type: 'laravel' },
      { name: 'archive', frequency: 'monthly', db_engine: 'mysql', project_type: 'laravel' },
      { name: 'paged', frequency: 'daily', db_engine: 'mysql', project_type: 'laravel' },
      { name: 'odd', frequency: 'fortnightly', db_engine: 'mysql', project_type: 'laravel' },
    ]);
    api.setList('staging', [{ name: 'shop', frequency: 'weekly', db_engine: 'mysql', project_type: 'wordpress' }]);
    ssm = new FakeSsm().put('/backopper/api-secret', secret).install();
    published = [];
    snsMock = mockClient(SNSClient);
    snsMock.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
      // What an e-mail subscriber reads: the `default` text of a json-structured message.
      published.push(
        input.MessageStructure === 'json'
          ? {
              ...input,
              Message: (JSON.parse(input.Message ?? '{}') as { default: string }).default,
              raw: input.Message,
            }
          : input,
      );
      return { MessageId: `m-${published.length}` };
    });
    metrics = [];
  });
  afterEach(async () => {
    snsMock.restore();
    ssm.restore();
    await api.close();
  });

  const env = (environments: string[], extra: Record<string, string> = {}) => ({
    BACKOPPER_API_URL: api.urlTemplate,
    BACKOPPER_API_SECRET_PARAMETER: '/backopper/api-secret',
    BACKOPPER_API_TIMEOUT_MS: '500',
    BACKOPPER_API_RETRIES: '0',
    BACKOPPER_ENVIRONMENTS: JSON.stringify(environments),
    BACKOPPER_BUCKET: s3.bucket,
    BACKOPPER_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:backopper-alerts',
    ...extra,
  });
  const handler = (environments: string[], extra: Record<string, string> = {}) =>
    createFreshnessHandler({
      env: env(environments, extra),
      s3: s3.client,
      sns: new SNSClient({ region: 'eu-west-1' }),
      now: () => NOW,
      sleep: async () => undefined,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      writeMetric: (line) => metrics.push(line),
    });

  it('sends one message naming every stale, missing and shrunk backup, and emits the counts as a metric', async () => {
    const report = await handler(['live'])();
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({
      checked: 7,
      fresh: 5,
      stale: 1,
      missing: 1,
      shrunk: 1,
      notChecked: 1,
      errors: 0,
      mediaStale: 0,
      mediaMissing: 0,
      mediaShrunk: 0,
      onSeveralServers: 0,
      onNoServer: 0,
      runsSucceeded: 1, // the media-only app's fresh run record
      runsFailed: 0,
      drillsFailed: 0,
      // archive has had backups for 40 days and no drill; the others are too new to be drilled yet.
      drillsOverdue: 1,
    });
    const verdicts = Object.fromEntries(report.apps.map((app) => [app.app, [app.freshness, app.shrunk]]));
    expect(verdicts).toEqual({
      shop: ['fresh', false],
      blog: ['stale', false],
      crm: ['fresh', true],
      newsite: ['missing', false],
      static: ['not-checked', false],
      ticker: ['fresh', false],
      archive: ['fresh', false],
      paged: ['fresh', false],
    });
    expect(report.environments).toEqual([{ environment: 'live', status: 'ok', apps: 8, disabled: 1, skipped: 1 }]);
    expect(published).toHaveLength(1);
    const [message] = published;
    expect(message?.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:backopper-alerts');
    expect(message?.Subject).toBe('Backopper: 1 stale, 1 missing, 1 shrunk backup(s); 1 overdue drill(s)');
    const text = message?.Message ?? '';
    expect(text).toMatch(
      /^STALE: .*\n {2}blog \(live\): newest backup 2d 12h old \(daily: stale after 2d\), s3:\/\/freshness-test\/blog\/live\/backup_\d+\.sql\.gz$/m,
    );
    expect(text).toMatch(
      /^MISSING: .*\n {2}newsite \(live\): weekly, mysql, nothing under s3:\/\/freshness-test\/newsite\/live\/$/m,
    );
    expect(text).toMatch(
      /^SHRUNK: .*\n {2}crm \(live\): 400 B, previous 1000 B \(40%\), s3:\/\/freshness-test\/crm\/live\/backup_\d+\.tar$/m,
    );
    expect(text).toMatch(
      /^DRILL OVERDUE: .*\n {2}archive \(live\): never drilled, though it has had backups since 2024-12-06 07:00 UTC \(40d ago\)$/m,
    );
    expect(text).not.toMatch(/shop|static|old-site|ticker|paged/);
    // The totals, then one line per app with a dump or media (the per-app dashboard widgets).
    expect(metrics).toHaveLength(8);
    expect(metrics.slice(1).map((line) => (JSON.parse(line) as { App: string }).App)).toEqual(
      expect.arrayContaining(['shop', 'static']),
    );
    const metric = JSON.parse(metrics[0] as string) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
    };
    expect(metric._aws.CloudWatchMetrics[0]?.Namespace).toBe('Backopper');
    expect(metric._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual([
      'FreshnessAppsChecked',
      'FreshnessStale',
      'FreshnessMissing',
      'FreshnessShrunk',
      'FreshnessErrors',
      'FreshnessMediaStale',
      'FreshnessMediaMissing',
      'FreshnessMediaShrunk',
      'PlacementSeveralServers',
      'PlacementNoServer',
      'RunsSucceeded',
      'RunsFailed',
      'DrillsFailed',
      'DrillsOverdue',
    ]);
    expect(metric).toMatchObject({
      FreshnessAppsChecked: 7,
      FreshnessStale: 1,
      FreshnessMissing: 1,
      FreshnessShrunk: 1,
      FreshnessErrors: 0,
    });
  });

  it('judges media archives from the run records: missing, stale, shrunk, with the last failure; an unreadable record is an error', async () => {
    const media = await startS3('freshness-media');
    try {
      const t = (hoursAgo: number) => Math.floor(NOW.getTime() / 1000 - hoursAgo * HOUR);
      const failedTransfer = (app: string, hoursAgo: number) => ({
        app,
        hoursAgo,
        status: 'failed' as const,
        steps: {
          transfer: {
            status: 'failed' as const,
            error: 'ssh: connect to host media.example.net port 22: Connection refused',
          },
        },
      });
      await seedBackups({
        client: media.client,
        bucket: media.bucket,
        now: NOW,
        backups: ['shop', 'blog', 'crm', 'ticker'].map((app) => ({
          app,
          environment: 'live',
          hoursAgo: app === 'ticker' ? 0.5 : 5,
          size: 1000,
        })),
      });
      await seedRunRecords({
        client: media.client,
        bucket: media.bucket,
        now: NOW,
        runs: [
          { app: 'shop', hoursAgo: 29, steps: { transfer: transferStep({ timestamp: t(29), bytes: 5000 }) } },
          { app: 'shop', hoursAgo: 5, steps: { transfer: transferStep({ timestamp: t(5), bytes: 5100 }) } },
          {
            app: 'blog',
            hoursAgo: 77,
            steps: { transfer: transferStep({ timestamp: t(77), bytes: 5000, app: 'blog' }) },
          },
          failedTransfer('blog', 53),
          failedTransfer('blog', 29),
          failedTransfer('blog', 5),
          failedTransfer('crm', 5),
          {
            app: 'ticker',
            hoursAgo: 2,
            steps: { transfer: transferStep({ timestamp: t(2), bytes: 100, app: 'ticker' }) },
          },
          {
            app: 'ticker',
            hoursAgo: 1,
            steps: { transfer: transferStep({ timestamp: t(1), bytes: 10, app: 'ticker' }) },
          },
          {
            app: 'static',
            hoursAgo: 5,
            steps: {
              media: { status: 'skipped', reason: 'BACKOPPER_MEDIA_HOST is not set' },
              transfer: { status: 'skipped', reason: 'BACKOPPER_MEDIA_HOST is not set' },
            },
          },
        ],
      });
      await media.client.send(
        new PutObjectCommand({ Bucket: media.bucket, Key: `static/live/runs/${t(1)}_a1b2c3d4.json`, Body: 'garbage' }),
      );
      api.setList('live', [
        { name: 'shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
        { name: 'blog', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
        { name: 'crm', frequency: 'daily', db_engine: 'mysql', project_type: 'laravel' },
        { name: 'ticker', frequency: 'hourly', db_engine: 'mysql', project_type: 'laravel' },
        { name: 'static', frequency: 'daily', db_engine: 'none', project_type: 'wordpress' },
      ]);
      const check = createFreshnessHandler({
        env: env(['live'], { BACKOPPER_BUCKET: media.bucket }),
        s3: media.client,
        sns: new SNSClient({ region: 'eu-west-1' }),
        now: () => NOW,
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
        writeMetric: (line) => metrics.push(line),
      });
      await expect(check()).rejects.toThrow(FreshnessCheckError);
      const [message] = published;
      expect(message?.Subject).toBe(
        'Backopper: 1 not checked (errors) backup(s); 1 stale, 2 missing, 1 shrunk media archive(s)',
      );
      const text = message?.Message ?? '';
      expect(text).toContain(
        `MEDIA STALE: the newest media archive on the media server is older than 2 intervals (from the run records):\n  blog (live): newest archive 3d 5h old, media.example.net:/srv/media/blog/live/media_${t(77)}_a1b2c3d4.tar.gz; the last run (${new Date(t(5) * 1000).toISOString()} on web1) failed: transfer: ssh: connect to host media.example.net port 22: Connection refused\n`,
      );
      expect(text).toMatch(
        /^MEDIA MISSING: .*\n {2}crm \(live\): none in the newest 1 run record\(s\); the last run .* failed: transfer: ssh: connect/m,
      );
      // A media-only app whose runs archived nothing is missing its backup, whatever its steps said.
      expect(text).toMatch(
        /^MEDIA MISSING: .*\n(?: {2}.*\n)* {2}static \(live\): none in the newest 1 run record\(s\)/m,
      );
      expect(text).toMatch(
        /^MEDIA SHRUNK: .*\n {2}ticker \(live\): 10 B, previous 100 B \(10%\), media\.example\.net:/m,
      );
      expect(text).toContain(
        `static (live): run record s3://freshness-media/static/live/runs/${t(1)}_a1b2c3d4.json is unreadable (skipped): Error: not JSON:`,
      );
      expect(text).not.toMatch(/shop/);
      expect(JSON.parse(metrics[0] as string)).toMatchObject({
        FreshnessMediaStale: 1,
        FreshnessMediaMissing: 2,
        FreshnessMediaShrunk: 1,
        FreshnessErrors: 1,
      });
    } finally {
      await media.stop();
    }
  });

  it("names the apps the servers' inventory puts on no server, or on several", async () => {
    const captured = NOW.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const item = (apps: string[]) => ({
      TypeName: 'Custom:BackopperApps',
      SchemaVersion: '1.0',
      CaptureTime: captured,
      Content: apps.map((app) => ({ App: app, Environment: 'live' })),
    });
    ssm.manage('i-0000000000000000a').manage('i-0000000000000000b');
    ssm.inventory.put('i-0000000000000000a', item(['shop', 'blog', 'crm', 'static']));
    ssm.inventory.put('i-0000000000000000b', item(['blog', 'ticker', 'archive', 'paged']));
    const report = await handler(['live'])();
    expect(report.environments[0]?.placement).toMatchObject({ onNoServer: ['newsite'], onSeveralServers: ['blog'] });
    const text = published[0]?.Message ?? '';
    expect(text).toMatch(
      /^PLACEMENT: .*\n {2}newsite \(live\): on no server\n {2}blog \(live\): on i-0000000000000000a, i-0000000000000000b; backed up on i-0000000000000000a only/m,
    );
  });

  it('alerts, to e-mail and Chatbot, when the only finding is an app on several servers', async () => {
    api.setList('live', [{ name: 'shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' }]);
    const item = (apps: string[]) => ({
      TypeName: 'Custom:BackopperApps',
      SchemaVersion: '1.0',
      CaptureTime: NOW.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Content: apps.map((app) => ({ App: app, Environment: 'live' })),
    });
    ssm.manage('i-0000000000000000a').manage('i-0000000000000000b');
    ssm.inventory.put('i-0000000000000000a', item(['shop']));
    ssm.inventory.put('i-0000000000000000b', item(['shop']));
    const report = await handler(['live'])();
    expect([report.counts.stale, report.counts.missing, report.counts.shrunk, report.counts.errors]).toEqual([
      0, 0, 0, 0,
    ]);
    expect(report.ok).toBe(false);
    expect(published).toHaveLength(1);
    expect(published[0]?.Subject).toBe('Backopper: 1 app(s) on several servers');
    expect(published[0]?.Message).toContain(
      'shop (live): on i-0000000000000000a, i-0000000000000000b; backed up on i-0000000000000000a only',
    );
    const chatbot = JSON.parse((JSON.parse(published[0]?.raw ?? '{}') as { https: string }).https) as {
      version: string;
      source: string;
      content: { title: string; description: string };
    };
    expect(chatbot).toMatchObject({ version: '1.0', source: 'custom', content: { title: published[0]?.Subject } });
    expect(chatbot.content.description).toContain('backed up on i-0000000000000000a only');
    expect(JSON.parse(metrics[0] as string)).toMatchObject({ PlacementSeveralServers: 1, PlacementNoServer: 0 });
  });

  it('stays quiet when every backup is fresh', async () => {
    api.setList('live', [
      { name: 'shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
      { name: 'static', frequency: 'hourly', project_type: 'wordpress' },
    ]);
    const report = await handler(['live'])();
    expect(report.ok).toBe(true);
    expect(published).toEqual([]);
    expect(JSON.parse(metrics[0] as string)).toMatchObject({
      FreshnessAppsChecked: 1,
      FreshnessStale: 0,
      FreshnessErrors: 0,
    });
  });

  it('alerts and fails when an app list cannot be had, and still checks the other environments', async () => {
    api.setBehaviour('staging', { kind: 'raw', status: 502, body: 'Bad Gateway' });
    const run = handler(['staging', 'live']);
    await expect(run()).rejects.toThrow(FreshnessCheckError);
    expect(published).toHaveLength(1);
    expect(published[0]?.Subject).toBe(
      'Backopper: 1 stale, 1 missing, 1 shrunk, 1 not checked (errors) backup(s); 1 overdue drill(s)',
    );
    expect(published[0]?.Message).toMatch(
      /^NOT CHECKED: .*\n {2}staging: AppListFetchError: app list http:\/\/127\.0\.0\.1:\d+\/backups\/staging: HTTP 502 "Bad Gateway"; none of its apps was checked$/m,
    );
    expect(published[0]?.Message).toContain('blog (live)');
    expect(JSON.parse(metrics[0] as string)).toMatchObject({ FreshnessErrors: 1 });
  });

  it('alerts and fails when the API secret cannot be read, or the bucket cannot be listed', async () => {
    await expect(handler(['live'], { BACKOPPER_API_SECRET_PARAMETER: '/backopper/nope' })()).rejects.toThrow(
      FreshnessCheckError,
    );
    expect(published[0]?.Message).toContain(
      'live: SecretUnavailableError: API secret parameter /backopper/nope: could not be read',
    );
    published.length = 0;
    await expect(handler(['live'], { BACKOPPER_BUCKET: 'no-such-bucket' })()).rejects.toThrow(FreshnessCheckError);
    expect(published).toHaveLength(1);
    expect(published[0]?.Message).toMatch(
      /shop \(live\): listing s3:\/\/no-such-bucket\/shop\/live\/ failed: NoSuchBucket/,
    );
    expect(published[0]?.Message).not.toContain('MISSING');
  });

  it('fails when the alert cannot be published, so the error alarm still reaches someone', async () => {
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    await expect(handler(['live'])()).rejects.toThrow(
      'could not publish the freshness alert: KMSDisabledException: KMS key disabled',
    );
  });

  it('refuses to start without the bucket or the topic, naming the variable', async () => {
    await expect(handler(['live'], { BACKOPPER_BUCKET: '' })()).rejects.toThrow('BACKOPPER_BUCKET: is required');
    await expect(handler(['live'], { BACKOPPER_ALERT_TOPIC_ARN: 'alerts' })()).rejects.toThrow(
      'BACKOPPER_ALERT_TOPIC_ARN: expected an SNS topic ARN',
    );
    expect(published).toEqual([]);
  });

  it('ignores .sha256 companions, stray files and other environments', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'shop/live/backup_notes.txt', Body: 'x' }));
    const found = await listNewestBackups({ client: s3.client, bucket: s3.bucket, app: 'shop', environment: 'live' });
    expect(found).toMatchObject({ count: 2, newest: { size: 1000 }, previous: { size: 1010 } });
    expect(found.newest?.key).toMatch(/^shop\/live\/backup_\d{10}\.sql\.gz$/);
  });
});

describe('listNewestBackups paging', () => {
  it('reads every page and keeps the two newest dumps, whatever page they are on', async () => {
    const objects: Record<string, number> = {};
    for (let index = 0; index < 2500; index += 1) {
      const key = `busy/live/backup_${1_700_000_000 + index * 3600}.sql.gz`;
      objects[key] = 1000 + index;
      objects[`${key}.sha256`] = 80;
    }
    objects['busy/live/backup_999999999.sql.gz'] = 1; // nine digits: sorts after the others but is the oldest
    const { client, calls } = createPagingS3(objects);
    const found = await listNewestBackups({ client, bucket: 'b', app: 'busy', environment: 'live' });
    expect(calls).toHaveLength(6);
    expect(calls.every((call) => call.Prefix === 'busy/live/backup_')).toBe(true);
    expect(found).toMatchObject({ count: 2501, newest: { size: 3499 }, previous: { size: 3498 } });
  });
});
