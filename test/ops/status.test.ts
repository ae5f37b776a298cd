import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../ops/commands/run-cli';
import type { StatusReport } from '../../ops/status/format-status';
import { seedBackups } from '../fakes/seed-backups';
import { seedRunRecords, transferStep } from '../fakes/seed-run-records';
import {
  checkSkippedOutcome,
  createOversightWorld,
  failedOutcome,
  type OversightWorld,
  skippedOutcome,
  succeededOutcome,
} from '../fakes/oversight-world';
import { WORLD_NOW } from '../fakes/sync-world';

const HOUR = 3_600_000;
const app = (name: string, frequency: string, engine: string) => ({
  name,
  frequency,
  db_engine: engine,
  project_type: 'wordpress',
});
const request = (name: string, environment = 'live', document = 'Backopper-Backup') => ({
  DocumentName: document,
  Targets: [{ Key: 'tag:backopper:environment', Values: [environment] }],
  Parameters: {
    app: [name],
    environment: [environment],
    engine: ['mysql'],
    projectType: ['wordpress'],
    executionTimeout: ['3600'],
  },
  Comment: `backopper backup of ${name} (${environment})`,
});

describe('backopper status against the fakes and s3rver', () => {
  let oversight: OversightWorld;
  let out: string[];
  let err: string[];
  const cli = (...argv: string[]) =>
    runCli(argv, {
      env: oversight.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps(),
    });

  beforeEach(async () => {
    oversight = await createOversightWorld({ backend: 'scheduler', pageSize: 3 });
    const { world, ssm, s3 } = oversight;
    world.api.setList('live', [
      app('shop', 'daily', 'mysql'),
      app('blog', 'daily', 'mysql'),
      app('crm', 'daily', 'postgres'),
      app('newsite', 'weekly', 'mysql'),
      app('static', 'daily', 'none'),
      app('gone', 'daily', 'mysql'),
      app('broken', 'hourly', 'mysql'),
    ]);
    world.api.setList('staging', [app('shop', 'weekly', 'mysql')]);
    await oversight.syncThenInstall();
    world.disableByHand('backopper-live-static');
    await seedBackups({
      client: s3!.client,
      bucket: s3!.bucket,
      now: WORLD_NOW,
      backups: [
        { app: 'shop', environment: 'live', hoursAgo: 10, size: 1_250_000 },
        { app: 'shop', environment: 'live', hoursAgo: 34, size: 1_200_000 },
        { app: 'blog', environment: 'live', hoursAgo: 60, size: 2000 },
        { app: 'blog', environment: 'live', hoursAgo: 84, size: 2000 },
        { app: 'crm', environment: 'live', hoursAgo: 11, size: 400_000, extension: '.tar' },
        { app: 'crm', environment: 'live', hoursAgo: 35, size: 1_000_000, extension: '.tar' },
        { app: 'gone', environment: 'live', hoursAgo: 20, size: 5000 },
        { app: 'broken', environment: 'live', hoursAgo: 1.5, size: 9000 },
        { app: 'shop', environment: 'staging', hoursAgo: 30, size: 800 },
      ],
    });
    const seed = (
      name: string,
      hoursAgo: number,
      outcomes: Parameters<typeof ssm.seedCommand>[0]['outcomes'],
      environment = 'live',
      document?: string,
    ) =>
      ssm.seedCommand({
        request: request(name, environment, document),
        requestedAt: new Date(WORLD_NOW.getTime() - hoursAgo * HOUR),
        outcomes,
      });
    seed('shop', 34, { 'i-web1': failedOutcome('shop'), 'i-web2': skippedOutcome('shop') }); // older: superseded
    seed('shop', 10, { 'i-web1': succeededOutcome('shop'), 'i-web2': skippedOutcome('shop') });
    seed('shop', 2, { 'i-web1': failedOutcome('shop'), 'i-web2': skippedOutcome('shop') }, 'live', 'Backopper-Verify'); // another document
    seed('blog', 24 * 10, { 'i-web1': succeededOutcome('blog') }); // older than the history window
    seed('crm', 11, { 'i-web1': checkSkippedOutcome('crm'), 'i-web2': succeededOutcome('crm') }); // skipped at the document's first step
    seed('gone', 9, { 'i-web1': skippedOutcome('gone'), 'i-web2': checkSkippedOutcome('gone') });
    seed('broken', 3, { 'i-web1': succeededOutcome('broken'), 'i-web2': skippedOutcome('broken') });
    seed('broken', 1, { 'i-web1': failedOutcome('broken'), 'i-web2': skippedOutcome('broken') });
    seed('shop', 30, { 'i-stage1': succeededOutcome('shop', 'staging') }, 'staging');
    for (let index = 0; index < 12; index += 1)
      seed('other-app', 0.1 * index, { 'i-web1': succeededOutcome('other-app') }); // not scheduled
    out = [];
    err = [];
  });
  afterEach(async () => {
    await oversight.close();
  });

  it("names the apps the servers' inventory puts on no server or on several", async () => {
    const item = (apps: string[]) => ({
      TypeName: 'Custom:BackopperApps',
      SchemaVersion: '1.0',
      CaptureTime: '2025-01-15T06:00:00Z',
      Content: apps.map((name) => ({ App: name, Environment: 'live' })),
    });
    oversight.ssm.inventory.put('i-web1', item(['shop', 'blog', 'crm', 'static', 'gone', 'broken']));
    oversight.ssm.inventory.put('i-web2', item(['crm']));
    await cli('status');
    const placement = out.filter((line) => line.startsWith('placement: '));
    expect(placement).toEqual([
      'placement: live/newsite: on no server (its command goes to every live server)',
      'placement: live/crm: on i-web1, i-web2 (backed up on i-web1 only)',
    ]);
  });

  it('prints one row per app × environment with its schedule, newest backup, last run and flags', async () => {
    expect(await cli('status')).toBe(1);
    const text = out.join('\n');
    expect(out[0]).toBe(
      'backopper status · backend scheduler · bucket oversight-test · 8 app(s), 6 flagged · 2025-01-15T12:00:00Z',
    );
    const row = (environment: string, name: string) =>
      out.find((line) => line.startsWith(`${environment.padEnd(11)}  ${name} `)) ?? '';
    expect(row('live', 'shop')).toMatch(
      /^live +shop +cron\(\d+ \d \* \* \? \*\) +2025-01-16 0\d:\d\d CET +10h ago +1\.2 MiB \(\+4%\) +Success 10h ago \(1 ran, 1 skipped\) +ok$/,
    );
    expect(row('live', 'blog')).toMatch(/ 2d 12h ago +2\.0 KiB \(\+0%\) +none in 8d +stale$/);
    expect(row('live', 'crm')).toMatch(/ 11h ago +390\.6 KiB \(-60%\) +Success 11h ago \(1 ran, 1 skipped\) +shrunk$/);
    expect(row('live', 'newsite')).toMatch(
      /cron\(\d+ \d \? \* SUN \*\) +2025-01-19 0\d:\d\d CET +none +- +none in 8d +missing$/,
    );
    expect(row('live', 'static')).toMatch(/\(disabled\) +- +media only +- +none in 8d +media-missing,disabled$/);
    expect(row('live', 'gone')).toMatch(/ Success 9h ago \(0 ran, 2 skipped\) +absent$/);
    expect(row('live', 'broken')).toMatch(
      /cron\(\d+ \* \* \* \? \*\) +2025-01-15 12:\d\d UTC +1h 30m ago +8\.8 KiB +Failed 1h ago \(i-web1 Failed\) +failed$/,
    );
    expect(row('staging', 'shop')).toMatch(/ 1d 6h ago +800 B +Success 1d 6h ago \(1 ran\) +ok$/);
    expect(text).not.toContain('other-app');
    expect(out.at(-1)).toBe('ATTENTION: 6 app(s) flagged');
    expect(err).toEqual([]);
  });

  it('prints the same as JSON, restricted to one environment, and exits 0 when nothing is flagged', async () => {
    expect(await cli('status', '--environment', 'staging', '--json')).toBe(0);
    const report = JSON.parse(out.join('\n')) as StatusReport;
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({
      environment: 'staging',
      app: 'shop',
      engine: 'mysql',
      schedule: {
        name: 'backopper-staging-shop',
        timeZone: 'Europe/Amsterdam',
        state: 'ENABLED',
        intervalSeconds: 7 * 86_400,
      },
      backups: { freshness: 'fresh', shrunk: false, count: 1, newest: { size: 800 } },
      lastRun: {
        status: 'Success',
        ran: 1,
        skipped: 0,
        instances: [{ instanceId: 'i-stage1', status: 'Success', reportStatus: 'succeeded' }],
      },
      flags: [],
    });
  });

  it("flags absent when every server ended the command at its check step, SSM's skip output and all", async () => {
    const command = oversight.ssm.seedCommand({
      request: request('gone'),
      requestedAt: new Date(WORLD_NOW.getTime() - 2 * HOUR),
      outcomes: { 'i-web1': checkSkippedOutcome('gone'), 'i-web2': checkSkippedOutcome('gone') },
    });
    // What real SSM lists for such a server: the later steps skipped, each with a non-empty Output.
    const listed = oversight.ssm.answer('ListCommandInvocations', { CommandId: command.commandId, Details: true }) as {
      CommandInvocations: { CommandPlugins: { Name: string; Output: string; ResponseCode: number }[] }[];
    };
    expect(listed.CommandInvocations[0]?.CommandPlugins.map((plugin) => [plugin.Name, plugin.ResponseCode])).toEqual([
      ['checkApp', 168],
      ['downloadAgent', 0],
      ['runAgent', 0],
    ]);
    expect(listed.CommandInvocations[0]?.CommandPlugins[2]?.Output).toBe(
      'Plugin with name aws:runShellScript and id runAgent skipped due to prior step with an exit condition',
    );
    expect(await cli('status', '--environment', 'live', '--json')).toBe(1);
    const report = JSON.parse(out.join('\n')) as StatusReport;
    const gone = report.rows.find((row) => row.app === 'gone');
    expect(gone?.lastRun).toMatchObject({
      commandId: command.commandId,
      ran: 0,
      skipped: 2,
      instances: [
        { instanceId: 'i-web1', reportStatus: 'skipped' },
        { instanceId: 'i-web2', reportStatus: 'skipped' },
      ],
    });
    expect(gone?.flags).toEqual(['absent']);
  });

  it('reads the command history page by page, newest first, only until every app is found', async () => {
    oversight.ssm.calls.reset();
    await cli('status', '--environment', 'live', '--history-days', '30');
    // 20 commands of the backup document in 30 days, 3 per page; newsite and static have none, so every page is read.
    expect(oversight.ssm.calls.counts.ListCommands).toBe(7);
    expect(oversight.ssm.calls.counts.ListCommandInvocations).toBe(5);
    expect(out.find((line) => line.includes(' blog '))).toMatch(/Success 10d ago \(1 ran\) +stale$/);
    oversight.ssm.calls.reset();
    await cli('status', '--environment', 'staging', '--history-days', '30');
    // staging/shop's command is the 18th newest: page 6 of 7, and the reading stops there.
    expect(oversight.ssm.calls.counts.ListCommands).toBe(6);
    expect(oversight.ssm.calls.counts.ListCommandInvocations).toBe(1);
  });

  it('says what could not be read, and still shows the rest', async () => {
    const env = { ...oversight.env, BACKOPPER_BUCKET: 'no-such-bucket' };
    expect(
      await runCli(['status', '--environment', 'staging'], {
        env,
        stdout: (line) => out.push(line),
        stderr: (line) => err.push(line),
        deps: oversight.deps(),
      }),
    ).toBe(1);
    expect(out.find((line) => line.startsWith('staging'))).toMatch(/ error +- +Success 1d 6h ago \(1 ran\) +error$/);
    // Every read of the bucket failed: the dump listing, the run records and the drill records.
    expect(out).toContain('ATTENTION: 1 app(s) flagged, 3 error(s)');
    expect(err.join('\n')).toMatch(/staging\/shop: drill records could not be read: NoSuchBucket/);
    expect(err.join('\n')).toMatch(
      /staging\/shop: s3:\/\/no-such-bucket\/shop\/staging\/ could not be listed: NoSuchBucket/,
    );
    expect(err.join('\n')).toMatch(
      /staging\/shop: run records under s3:\/\/no-such-bucket\/shop\/staging\/runs\/ could not be read: NoSuchBucket/,
    );
  });

  it('checks media from the run records and says why the newest run failed (record newer than the history)', async () => {
    const at = (hoursAgo: number) => Math.floor(WORLD_NOW.getTime() / 1000 - hoursAgo * 3600);
    await seedRunRecords({
      client: oversight.s3!.client,
      bucket: oversight.s3!.bucket,
      now: WORLD_NOW,
      runs: [
        // shop: media copied 3 days ago, then the transfer failed every run since; the newest run is newer than its newest command.
        { app: 'shop', hoursAgo: 72, steps: { transfer: transferStep({ timestamp: at(72), bytes: 9_000_000 }) } },
        ...[49, 25, 1].map((hoursAgo) => ({
          app: 'shop',
          hoursAgo,
          status: 'failed' as const,
          steps: {
            database: { status: 'succeeded' as const },
            transfer: {
              status: 'failed' as const,
              error: 'ssh: connect to host media.example.net port 22: Connection refused',
            },
          },
        })),
        // crm: media shrunk to a tenth.
        {
          app: 'crm',
          hoursAgo: 35,
          steps: { transfer: transferStep({ timestamp: at(35), bytes: 10_000_000, app: 'crm' }) },
        },
        {
          app: 'crm',
          hoursAgo: 11,
          steps: { transfer: transferStep({ timestamp: at(11), bytes: 1_000_000, app: 'crm' }) },
        },
        // broken: the record of its failed run says why (the command history shows only "Failed").
        {
          app: 'broken',
          hoursAgo: 1,
          status: 'failed',
          steps: {
            database: {
              status: 'failed',
              error: "mysqldump exited with status 2: Access denied for user 'shop'@'localhost'",
            },
          },
        },
      ],
    });
    expect(await cli('status', '--environment', 'live')).toBe(1);
    const row = (name: string) => out.find((line) => line.startsWith(`live${' '.repeat(9)}${name} `)) ?? '';
    expect(row('shop')).toMatch(/ Success 10h ago \(1 ran, 1 skipped\) +media-stale,failed$/);
    expect(row('crm')).toMatch(/ shrunk,media-shrunk$/);
    expect(out).toContain(
      'why live/shop failed: transfer: ssh: connect to host media.example.net port 22: Connection refused (1h ago on web1, from the run record)',
    );
    expect(out).toContain(
      `media of live/shop: the newest archive is 3d old: media.example.net:/srv/media/shop/live/media_${at(72)}_a1b2c3d4.tar.gz`,
    );
    expect(out).toContain(
      `media of live/crm: the newest archive is 976.6 KiB, the previous 9.5 MiB (10%): media.example.net:/srv/media/crm/live/media_${at(11)}_a1b2c3d4.tar.gz`,
    );
    expect(out).toContain(
      "why live/broken failed: database: mysqldump exited with status 2: Access denied for user 'shop'@'localhost' (1h ago on web1, from the run record)",
    );
    expect(err).toEqual([]);
    out = [];
    expect(await cli('status', '--environment', 'live', '--json')).toBe(1);
    const report = JSON.parse(out.join('\n')) as StatusReport;
    const shop = report.rows.find((entry) => entry.app === 'shop');
    expect(shop?.media).toMatchObject({ freshness: 'stale', newest: { size: 9_000_000 } });
    expect(shop?.failure).toEqual({
      reason: 'transfer: ssh: connect to host media.example.net port 22: Connection refused',
      at: new Date(at(1) * 1000).toISOString(),
      where: 'web1',
      source: 'run record',
    });
    // Without run records the reason comes from the command output, as before.
    expect(report.rows.find((entry) => entry.app === 'gone')?.media).toMatchObject({ freshness: 'not-checked' });
  });

  it('falls back to the command output for why a run failed when there is no run record', async () => {
    expect(await cli('status', '--environment', 'live')).toBe(1);
    expect(out).toContain(
      "why live/broken failed: database: mysqldump exited with status 2: Access denied for user 'shop'@'localhost' (1h ago on i-web1, from the command history)",
    );
  });

  it('refuses a bad invocation with exit status 2', async () => {
    expect(await cli('status', '--environment', 'nope')).toBe(2);
    expect(err.join('\n')).toContain('--environment: nope is not in BACKOPPER_ENVIRONMENTS');
    expect(
      await runCli(['status'], {
        env: { ...oversight.env, BACKOPPER_BUCKET: '' },
        stdout: () => undefined,
        stderr: (line) => err.push(line),
        deps: oversight.deps(),
      }),
    ).toBe(2);
    expect(err.at(-1)).toContain('BACKOPPER_BUCKET: is required');
    expect(await cli('status', '--history-days', '90')).toBe(2);
  });
});

describe('backopper status at 500 apps', () => {
  it('answers with a bounded number of calls and no downloads', async () => {
    const oversight = await createOversightWorld({ backend: 'scheduler' });
    try {
      const names = Array.from({ length: 500 }, (_, index) => `site-${String(index).padStart(3, '0')}`);
      oversight.world.api.setList(
        'live',
        names.map((name) => app(name, 'daily', 'mysql')),
      );
      oversight.world.api.setList('staging', []);
      await oversight.syncThenInstall();
      await seedBackups({
        client: oversight.s3!.client,
        bucket: oversight.s3!.bucket,
        now: WORLD_NOW,
        backups: names.map((name, index) => ({
          app: name,
          environment: 'live',
          hoursAgo: index % 50 === 0 ? 72 : 5,
          size: 1000,
        })),
      });
      for (const name of names) {
        oversight.ssm.seedCommand({
          request: request(name),
          requestedAt: new Date(WORLD_NOW.getTime() - 5 * HOUR),
          outcomes: { 'i-web1': succeededOutcome(name), 'i-web2': skippedOutcome(name) },
        });
      }
      oversight.ssm.calls.reset();
      oversight.world.resetCounts();
      const out: string[] = [];
      const started = performance.now();
      expect(
        await runCli(['status', '--json'], {
          env: oversight.env,
          stdout: (line) => out.push(line),
          stderr: () => undefined,
          deps: oversight.deps(),
        }),
      ).toBe(1);
      const elapsed = Math.round(performance.now() - started);
      const report = JSON.parse(out.join('\n')) as StatusReport;
      expect(report.rows).toHaveLength(500);
      expect(report.rows.filter((row) => row.flags.includes('stale'))).toHaveLength(10);
      expect(oversight.ssm.calls.counts).toEqual({ ListCommands: 10, ListCommandInvocations: 500, GetInventory: 1 });
      expect(oversight.world.counts()).toMatchObject({ GetSchedule: 500 });
      console.log(
        `[status] 500 apps: ${elapsed} ms, SSM ${JSON.stringify(oversight.ssm.calls.counts)}, Scheduler ${JSON.stringify(oversight.world.counts())}`,
      );
    } finally {
      await oversight.close();
    }
  }, 180_000);
});
