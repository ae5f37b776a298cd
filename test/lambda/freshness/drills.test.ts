/**
 * The freshness monitor's drill alerts, end to end: drill records written by the agent's own writer
 * (`If-None-Match: *`) through the strict S3 front, dumps in s3rver, the loopback app-list API, a
 * recording SNS; the monitor reads them through a request-logging front, so the test sees what it read.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeDrillRecord } from '../../../agent/drill/drill-s3';
import type { DrillRecord } from '../../../common/drill-record';
import { readDrillFacts } from '../../../control/drill-records';
import { assessDrills } from '../../../control/freshness/assess-drills';
import { drillSections } from '../../../lambda/freshness/drill-alert';
import { createFreshnessHandler } from '../../../lambda/freshness/handler';
import type { FreshnessReport } from '../../../lambda/freshness/report';
import { type AppListApi, startAppListApi } from '../../fakes/app-list-api';
import { createPagingS3 } from '../../fakes/fake-s3-listing';
import { FakeSsm } from '../../fakes/fake-ssm';
import { seedBackups } from '../../fakes/seed-backups';
import { type LoggingS3, startLoggingS3 } from '../../services/s3-request-log';
import { type ConditionalS3, startConditionalS3 } from '../../services/s3-conditional';
import { type LocalS3, startS3 } from '../../services/s3';

const NOW = new Date('2025-01-15T07:00:00Z');
const DAY = 86_400;
const at = (daysAgo: number) => Math.floor(NOW.getTime() / 1000) - Math.round(daysAgo * DAY);
const clientFor = (env: Record<string, string>) =>
  new S3Client({
    endpoint: env.AWS_ENDPOINT_URL_S3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

/** A drill report as the agent writes it (its DrillReport: the record plus its own fields). */
function drillReport(app: string, daysAgo: number, status: DrillRecord['status'], extra: Partial<DrillRecord> = {}) {
  const dumpAt = at(daysAgo + 0.25);
  return {
    command: 'drill',
    kind: 'database',
    app,
    environment: 'live',
    host: 'web1',
    timestamp: at(daysAgo),
    status,
    backup: { key: `${app}/live/backup_${dumpAt}.sql.gz`, timestamp: dumpAt, sha256: 'a'.repeat(64) },
    bytes: 4096,
    differences: [] as string[],
    durationMs: 5000,
    ...(status === 'passed' ? { restoreSeconds: 4.25, scratchDatabase: `bkdrill_${app}_${at(daysAgo)}_ab12` } : {}),
    ...extra,
  };
}

describe('the freshness monitor reads the drill records', () => {
  const secret = 'drill-freshness-secret';
  let s3: LocalS3;
  let front: ConditionalS3;
  let logged: LoggingS3;
  let api: AppListApi;
  let ssm: FakeSsm;
  let snsMock: AwsClientStub<SNSClient>;
  let published: { Subject?: string; Message: string }[];
  let metrics: string[];

  beforeAll(async () => {
    s3 = await startS3('drill-freshness');
    // The servers' role writes through the strict front; the monitor (which may list) reads through a logging one.
    front = await startConditionalS3(s3);
    logged = await startLoggingS3(s3);
    const backups = (app: string, days: number[]) =>
      days.map((daysAgo) => ({ app, environment: 'live', hoursAgo: daysAgo * 24, size: 1000 }));
    await seedBackups({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      backups: [
        ...backups('shop', [0.25, 1.25, 60]),
        ...backups('blog', [0.25, 60]),
        ...backups('crm', [0.25, 60]),
        ...backups('good', [0.25, 60]),
        ...backups('newsite', [0.25, 5]),
        ...backups('old', [0.25, 30]),
        ...backups('busy', [0.25, 400]),
      ],
    });
    // The agent's writer through the strict front: the bucket policy's If-None-Match rule applies.
    const writer = clientFor(front.env);
    const write = (record: ReturnType<typeof drillReport>, hostId = '0a1b2c3d') =>
      writeDrillRecord(writer, { bucket: s3.bucket, record, hostId });
    await write(drillReport('shop', 9, 'passed'));
    await write(
      drillReport('shop', 1, 'failed', {
        differences: ['table wp_posts: 10 rows restored, the manifest says 12', 'view wp_stats is missing'],
        error: 'table wp_posts: 10 rows restored, the manifest says 12; view wp_stats is missing',
      }),
    );
    await write(drillReport('blog', 20, 'passed'));
    await write(drillReport('crm', 20, 'passed'));
    await write(
      drillReport('crm', 2, 'skipped', {
        reason: 'crm/live/backup_1.tar restored into a scratch database, but no manifest was recorded with it',
      }),
    );
    // Written in the order the drills ran, as servers write them: the newest outcome is the one S3 stored
    // last (control/drill-records.ts orders by it, so a server clock behind cannot hide a failure).
    await write(drillReport('good', 9, 'failed', { error: 'older failure, since passed' }));
    await write(drillReport('good', 2, 'passed'));
    // A long history: 30 weekly passes; the monitor must read only the newest.
    for (let week = 29; week >= 0; week -= 1) await write(drillReport('busy', 1 + week * 7, 'passed'));
    expect(front.refused()).toEqual([]);
  });
  afterAll(async () => {
    await logged?.stop();
    await front?.stop();
    await s3?.stop();
  });

  beforeEach(async () => {
    api = await startAppListApi({ secret });
    api.setList('live', [
      ...['shop', 'blog', 'good', 'newsite', 'old', 'busy'].map((name) => ({
        name,
        frequency: 'daily',
        db_engine: 'mysql',
        project_type: 'wordpress',
      })),
      { name: 'crm', frequency: 'daily', db_engine: 'postgresql', project_type: 'laravel' },
    ]);
    ssm = new FakeSsm().put('/backopper/api-secret', secret).install();
    published = [];
    snsMock = mockClient(SNSClient);
    snsMock.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
      const message = JSON.parse(input.Message ?? '{}') as { default: string };
      published.push({ Subject: input.Subject, Message: message.default });
      return { MessageId: 'm-1' };
    });
    metrics = [];
  });
  afterEach(async () => {
    snsMock.restore();
    ssm.restore();
    await api.close();
  });

  const run = (extra: Record<string, string> = {}): Promise<FreshnessReport> =>
    createFreshnessHandler({
      env: {
        BACKOPPER_API_URL: api.urlTemplate,
        BACKOPPER_API_SECRET_PARAMETER: '/backopper/api-secret',
        BACKOPPER_API_RETRIES: '0',
        BACKOPPER_ENVIRONMENTS: JSON.stringify(['live']),
        BACKOPPER_BUCKET: s3.bucket,
        BACKOPPER_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:backopper-alerts',
        ...extra,
      },
      s3: clientFor(logged.env),
      sns: new SNSClient({ region: 'eu-west-1' }),
      now: () => NOW,
      sleep: async () => undefined,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      writeMetric: (line) => metrics.push(line),
    })();

  it('alerts on a failed drill (the dump drilled and what differed) and on overdue drills, in the one message', async () => {
    const report = await run();
    expect(report.counts).toMatchObject({ drillsFailed: 1, drillsOverdue: 3, errors: 0, stale: 0, missing: 0 });
    const verdicts = Object.fromEntries(
      report.apps.map((app) => [app.app, [app.drills?.failed !== undefined, app.drills?.overdue]]),
    );
    expect(verdicts).toEqual({
      shop: [true, false],
      blog: [false, true],
      crm: [false, true], // the skipped drill 2 days ago proves nothing: the pass is 20 days old
      good: [false, false], // a failure before the newest pass is history
      newsite: [false, false], // backups for 5 days: too new to have been drilled
      old: [false, true], // backups for 30 days, never drilled
      busy: [false, false],
    });
    expect(published).toHaveLength(1);
    const [alert] = published;
    expect(alert?.Subject).toBe('Backopper: 1 failed, 3 overdue drill(s)');
    const text = alert?.Message ?? '';
    expect(text).toContain(
      `DRILL FAILED: the newest restore drill of the S3 copy failed (this backup may not restore):\n  shop (live): drill of s3://drill-freshness/shop/live/backup_${at(1.25)}.sql.gz at 2025-01-14 07:00 UTC on web1 failed: table wp_posts: 10 rows restored, the manifest says 12; view wp_stats is missing`,
    );
    expect(text).toMatch(
      /^DRILL OVERDUE: no restore drill passed in the last 2 drill periods \(weekly: overdue after 14d;/m,
    );
    expect(text).toContain(
      `  blog (live): last passed drill 20d ago (2024-12-26 07:00 UTC, s3://drill-freshness/blog/live/backup_${at(20.25)}.sql.gz)`,
    );
    expect(text).toMatch(
      /^ {2}crm \(live\): last passed drill 20d ago .*; the newest drill was skipped: crm\/live\/backup_1\.tar restored into a scratch database, but no manifest was recorded with it$/m,
    );
    expect(text).toContain(
      '  old (live): never drilled, though it has had backups since 2024-12-16 07:00 UTC (30d ago)',
    );
    expect(text).not.toMatch(/good|newsite|busy/);
  });

  it('publishes per-app drill metrics and the drill counts', async () => {
    await run();
    const totals = JSON.parse(metrics[0] as string) as Record<string, unknown>;
    expect(totals).toMatchObject({ DrillsFailed: 1, DrillsOverdue: 3 });
    const perApp = Object.fromEntries(
      metrics.slice(1).map((line) => {
        const parsed = JSON.parse(line) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] };
        };
        return [parsed.App, parsed];
      }),
    );
    expect(perApp.good).toMatchObject({ DrillAgeHours: 48, DrillFailed: 0, DrillRestoreSeconds: 4.25 });
    expect(perApp.shop).toMatchObject({ DrillAgeHours: 216, DrillFailed: 1, DrillRestoreSeconds: 4.25 });
    expect(perApp.good?._aws.CloudWatchMetrics[0]?.Metrics).toContainEqual({
      Name: 'DrillRestoreSeconds',
      Unit: 'Seconds',
    });
    // Never drilled: no age, no failure flag, sent as nothing rather than 0.
    expect(perApp.old).not.toHaveProperty('DrillAgeHours');
    expect(perApp.old).not.toHaveProperty('DrillFailed');
  });

  it('reads only the newest drill records: one listing per app, GETs down to the last pass', async () => {
    const before = logged.requests().length;
    await run();
    const requests = logged.requests().slice(before);
    const drillGets = (app: string) => requests.filter((line) => line.startsWith(`GET ${app}/live/drills/`));
    expect(requests.filter((line) => line === 'LIST busy/live/drills/')).toHaveLength(1);
    expect(drillGets('busy')).toHaveLength(1); // of 30 records
    expect(drillGets('shop')).toHaveLength(2); // the failure, then the pass
    expect(drillGets('crm')).toHaveLength(2); // the skipped drill, then the pass
    expect(drillGets('newsite')).toHaveLength(0);
  });

  it('says nothing about drills when they are off (cdk.json verify.enabled false), and reads none', async () => {
    const before = logged.requests().length;
    const report = await run({ BACKOPPER_DRILLS_ENABLED: 'false' });
    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({ drillsFailed: 0, drillsOverdue: 0 });
    expect(published).toEqual([]);
    expect(
      logged
        .requests()
        .slice(before)
        .filter((line) => line.includes('/drills/')),
    ).toEqual([]);
    expect(metrics.slice(1).join('\n')).not.toContain('Drill');
  });

  it("never takes another app's record, or an unreadable one, as proof: each is an error, named", async () => {
    await seedBackups({
      client: s3.client,
      bucket: s3.bucket,
      now: NOW,
      backups: [{ app: 'mixed', environment: 'live', hoursAgo: 30 * 24, size: 1000 }],
    });
    const writer = clientFor(front.env);
    // A passed record of shop's, and a torn one, under mixed's prefix (the servers' role may write there).
    const put = (key: string, body: string) =>
      writer.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, IfNoneMatch: '*' }));
    await put(`mixed/live/drills/${at(1)}_00000001.json`, JSON.stringify(drillReport('shop', 1, 'passed')));
    await put(`mixed/live/drills/${at(2)}_00000002.json`, '{"app":"mixed","environment":"li');
    // Its own name, but the proof of a dump of shop's.
    await put(
      `mixed/live/drills/${at(3)}_00000003.json`,
      JSON.stringify({
        ...drillReport('mixed', 3, 'passed'),
        backup: { key: 'shop/live/backup_1.sql.gz', timestamp: 1 },
      }),
    );
    api.setList('live', [{ name: 'mixed', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' }]);
    await expect(run()).rejects.toThrow(/freshness check incomplete: 3 error\(s\)/);
    const text = published[0]?.Message ?? '';
    expect(text).toContain(
      `  mixed (live): drill record s3://drill-freshness/mixed/live/drills/${at(1)}_00000001.json is unreadable (skipped): it is the record of shop (live), not of mixed (live)`,
    );
    expect(text).toMatch(/mixed\/live\/drills\/\d+_00000002\.json is unreadable \(skipped\): SyntaxError/);
    expect(text).toMatch(
      /mixed\/live\/drills\/\d+_00000003\.json is unreadable \(skipped\): it drilled shop\/live\/backup_1\.sql\.gz, not a dump of mixed \(live\)/,
    );
    // And mixed is still overdue: its backups are 30 days old and nothing proved them.
    expect(text).toContain('  mixed (live): never drilled, though it has had backups since');
  });

  it('refuses a bad BACKOPPER_DRILLS_ENABLED, naming it', async () => {
    await expect(run({ BACKOPPER_DRILLS_ENABLED: 'yes' })).rejects.toThrow(/BACKOPPER_DRILLS_ENABLED/);
  });
});

describe('drillSections (pure)', () => {
  const failedDrill = (extra: Partial<DrillRecord>) => ({
    ...(drillReport('shop', 1, 'failed') as DrillRecord),
    ...extra,
  });
  const sections = (drill: DrillRecord) =>
    drillSections(
      'b',
      [
        {
          app: 'shop',
          environment: 'live',
          drills: assessDrills({
            enabled: true,
            engine: 'mysql',
            drills: [drill],
            complete: true,
            oldestBackup: at(3),
            now: NOW,
          }),
        },
      ],
      NOW,
    );

  it('says which retention tier the drilled copy was, when the record has it', () => {
    const [failed] = sections(
      failedDrill({ backup: { key: 'shop/live/backup_1.sql.gz', timestamp: 1, tier: 'monthly' }, error: 'x' }),
    );
    expect(failed?.lines).toEqual([
      'shop (live): drill of s3://b/shop/live/backup_1.sql.gz (monthly copy) at 2025-01-14 07:00 UTC on web1 failed: x',
    ]);
  });

  it('cuts a long difference list to one readable line', () => {
    const differences = Array.from({ length: 200 }, (_, index) => `table t${index} is missing`);
    const [failed] = sections(failedDrill({ differences, error: undefined }));
    expect(failed?.lines[0]).toMatch(/failed: table t0 is missing; table t1 is missing; .{200,}\.\.\.$/);
    expect(failed?.lines[0]?.length).toBeLessThan(450);
  });
});

describe('readDrillFacts paging', () => {
  it('lists every page and reads the newest record first, whatever page it is on', async () => {
    const objects: Record<string, number> = {};
    for (let index = 0; index < 2500; index += 1)
      objects[`busy/live/drills/${1_700_000_000 + index * 3600}_0a0b0c0d.json`] = 900;
    objects['busy/live/drills/999999999_0a0b0c0d.json'] = 900; // nine digits: sorts last, is the oldest
    objects['busy/live/drills/notes.txt'] = 1;
    const { client, calls } = createPagingS3(objects);
    // The fake answers listings only: the one GetObject tried shows which record was read first.
    const facts = await readDrillFacts({ client, bucket: 'b', app: 'busy', environment: 'live', limit: 1 });
    expect(calls).toHaveLength(3);
    expect(facts.unreadable.map((entry) => entry.key)).toEqual([
      `busy/live/drills/${1_700_000_000 + 2499 * 3600}_0a0b0c0d.json`,
    ]);
    expect(facts.complete).toBe(false);
  });
});
