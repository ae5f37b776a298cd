/**
 * `backopper status`'s LAST PROVEN RESTORE, filled from drill records the agent's own writer put in S3
 * through the strict front (`If-None-Match: *`, as the servers' role writes): a passed drill's age and
 * restore time, a failed drill shown as failed (flag and reason), `never` for an app not drilled, `-` for
 * a media-only app; overdue drills flagged as the freshness monitor alerts on them.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDrillRecord } from '../../agent/drill/drill-s3';
import type { DrillRecord } from '../../common/drill-record';
import { runCli } from '../../ops/commands/run-cli';
import type { StatusReport } from '../../ops/status/format-status';
import { createOversightWorld, type OversightWorld } from '../fakes/oversight-world';
import { seedBackups } from '../fakes/seed-backups';
import { WORLD_NOW } from '../fakes/sync-world';
import { type ConditionalS3, startConditionalS3 } from '../services/s3-conditional';

const DAY = 86_400;
const at = (daysAgo: number) => Math.floor(WORLD_NOW.getTime() / 1000) - Math.round(daysAgo * DAY);
const app = (name: string, engine = 'mysql') => ({
  name,
  frequency: 'daily',
  db_engine: engine,
  project_type: 'wordpress',
});

function drillReport(name: string, daysAgo: number, status: DrillRecord['status'], extra: Partial<DrillRecord> = {}) {
  const dumpAt = at(daysAgo + 0.25);
  return {
    command: 'drill',
    kind: 'database',
    app: name,
    environment: 'live',
    host: 'web1',
    timestamp: at(daysAgo),
    status,
    backup: { key: `${name}/live/backup_${dumpAt}.sql.gz`, timestamp: dumpAt, sha256: 'b'.repeat(64) },
    bytes: 2048,
    differences: [] as string[],
    durationMs: 3000,
    ...(status === 'passed' ? { restoreSeconds: 4.25 } : {}),
    ...extra,
  };
}

describe('backopper status: the last proven restore, from the drill records', () => {
  let oversight: OversightWorld;
  let front: ConditionalS3;
  let out: string[];
  let err: string[];
  const cli = (...argv: string[]) =>
    runCli(argv, {
      env: { ...oversight.env, BACKOPPER_VERIFY_DOCUMENT_NAME: 'Backopper-Verify' },
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps(),
    });

  beforeEach(async () => {
    oversight = await createOversightWorld({ backend: 'scheduler' });
    const { world } = oversight;
    const s3 = oversight.s3!;
    world.api.setList('live', [app('shop'), app('blog'), app('crm'), app('newsite'), app('static', 'none')]);
    world.api.setList('staging', []);
    await oversight.syncThenInstall();
    const backups = (name: string, days: number[]) =>
      days.map((daysAgo) => ({ app: name, environment: 'live', hoursAgo: daysAgo * 24, size: 1000 }));
    await seedBackups({
      client: s3.client,
      bucket: s3.bucket,
      now: WORLD_NOW,
      backups: [...backups('shop', [0.5, 60]), ...backups('blog', [0.5, 60]), ...backups('crm', [0.5, 20])],
    });
    front = await startConditionalS3(s3);
    const writer = new S3Client({
      endpoint: front.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const write = (record: ReturnType<typeof drillReport>) =>
      writeDrillRecord(writer, { bucket: s3.bucket, record, hostId: '1a2b3c4d' });
    await write(drillReport('shop', 3, 'passed'));
    await write(drillReport('blog', 9, 'passed'));
    await write(
      drillReport('blog', 1, 'failed', {
        differences: ['table wp_options is missing'],
        error: 'table wp_options is missing',
      }),
    );
    expect(front.refused()).toEqual([]);
    out = [];
    err = [];
  });
  afterEach(async () => {
    await front?.stop();
    await oversight.close();
  });

  it('fills the LAST PROVEN RESTORE column: age and restore time, failed, never, and - for media only', async () => {
    expect(await cli('status', '--environment', 'live')).toBe(1);
    const header = out.find((line) => line.startsWith('ENVIRONMENT'));
    expect(header).toMatch(/ {2}LAST PROVEN RESTORE {2}/);
    const column = (header as string).indexOf('LAST PROVEN RESTORE');
    const cell = (name: string) => {
      const line = out.find((row) => row.startsWith(`live  `) && row.split(/\s+/)[1] === name) as string;
      return line.slice(column).split(/ {2,}/)[0];
    };
    expect(cell('shop')).toBe('3d ago, 4.25 s');
    expect(cell('blog')).toBe('9d ago, 4.25 s; drill failed 1d ago');
    expect(cell('crm')).toBe('never');
    expect(cell('newsite')).toBe('never');
    expect(cell('static')).toBe('-');
    expect(out).toContain(`    drill failed: blog/live/backup_${at(1.25)}.sql.gz: table wp_options is missing`);
    expect(err).toEqual([]);
  });

  it('flags a failed drill and an overdue one (crm: backups for 20 days, never drilled), not a new app', async () => {
    expect(await cli('status', '--environment', 'live', '--json')).toBe(1);
    const report = JSON.parse(out.join('\n')) as StatusReport;
    const row = (name: string) => report.rows.find((entry) => entry.app === name);
    expect(row('shop')?.proof).toEqual({
      lastPassed: {
        time: new Date(at(3) * 1000).toISOString(),
        key: `shop/live/backup_${at(3.25)}.sql.gz`,
        restoreSeconds: 4.25,
      },
      newest: { time: new Date(at(3) * 1000).toISOString(), status: 'passed' },
    });
    expect(row('blog')?.proof?.failed).toEqual({
      time: new Date(at(1) * 1000).toISOString(),
      key: `blog/live/backup_${at(1.25)}.sql.gz`,
      error: 'table wp_options is missing',
    });
    expect(row('blog')?.flags).toContain('drill-failed');
    expect(row('crm')?.flags).toContain('drill-overdue');
    expect(row('newsite')?.flags).not.toContain('drill-overdue');
    expect(row('shop')?.flags.filter((flag) => flag.startsWith('drill'))).toEqual([]);
    expect(row('static')?.proof).toBeUndefined();
  });

  it('exits 1 on a failed drill alone, 0 on a proven app; with drills off the proof is shown but not flagged', async () => {
    expect(await cli('status', '--app', 'shop')).toBe(0);
    out = [];
    expect(await cli('status', '--app', 'blog', '--json')).toBe(1);
    expect((JSON.parse(out.join('\n')) as StatusReport).rows[0]?.flags).toEqual(['drill-failed']);
    // No BACKOPPER_VERIFY_DOCUMENT_NAME: the stack runs no drills, so an old failure is history, not a flag.
    out = [];
    const code = await runCli(['status', '--app', 'blog'], {
      env: oversight.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps(),
    });
    expect(code).toBe(0);
    expect(out.find((line) => line.startsWith('live '))).toMatch(/9d ago, 4\.25 s; drill failed 1d ago {2}ok$/);
  });

  it('names a drill record it cannot read, and exits 1', async () => {
    const s3 = oversight.s3!;
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `shop/live/drills/${at(0.5)}_0f0f0f0f.json`, Body: 'not json' }),
    );
    expect(await cli('status', '--app', 'shop')).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^backopper status: live\/shop: drill record s3:\/\/oversight-test\/shop\/live\/drills\/\d+_0f0f0f0f\.json is unreadable \(skipped\): SyntaxError/,
      ),
    ]);
    // The pass behind it still shows.
    expect(out.find((line) => line.startsWith('live '))).toMatch(/3d ago, 4\.25 s {2,}ok$/);
  });
});
