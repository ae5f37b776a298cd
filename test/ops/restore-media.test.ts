import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../ops/commands/run-cli';
import { agentOutput } from '../fakes/fake-run-command';
import { createOversightWorld, type OversightWorld, skippedOutcome } from '../fakes/oversight-world';
import { seedRunRecords, transferStep } from '../fakes/seed-run-records';
import { WORLD_NOW } from '../fakes/sync-world';

const at = (hoursAgo: number) => Math.floor(WORLD_NOW.getTime() / 1000 - hoursAgo * 3600);
const archive = (hoursAgo: number, app = 'shop') =>
  `media.example.net:/srv/media/${app}/live/media_${at(hoursAgo)}_a1b2c3d4.tar.gz`;
const snapshot = (hoursAgo: number, app = 'gallery') =>
  `media.example.net:/srv/media/web-1/snapshots/${app}@live/${at(hoursAgo)}_a1b2c3d4`;
const snapshotStep = (hoursAgo: number, manifest: unknown = { files: 120, bytes: 3_000_000 }) => ({
  status: 'succeeded' as const,
  path: snapshot(hoursAgo),
  bytes: 3_000_000,
  manifest: manifest as { files: number; bytes: number },
});

describe("backopper restore --media: through SSM on the app's servers (Run Command fake, s3rver)", () => {
  let oversight: OversightWorld;
  let out: string[];
  let err: string[];
  const cli = (...argv: string[]) =>
    runCli(argv, {
      env: oversight.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps({ now: () => WORLD_NOW, sleep: async () => oversight.ssm.advance() }),
    });

  beforeEach(async () => {
    oversight = await createOversightWorld({ backend: 'scheduler' });
    oversight.world.api.setList('live', [
      { name: 'shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
      { name: 'blog', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
      { name: 'unsure', frequency: 'daily', db_engine: 'none', project_type: 'wordpress' },
      { name: 'gallery', frequency: 'daily', db_engine: 'none', project_type: 'wordpress' },
      { name: 'odd', frequency: 'daily', db_engine: 'none', project_type: 'wordpress' },
    ]);
    oversight.world.api.setList('staging', []);
    await oversight.syncThenInstall();
    await seedRunRecords({
      client: oversight.s3!.client,
      bucket: oversight.s3!.bucket,
      now: WORLD_NOW,
      runs: [
        {
          app: 'shop',
          hoursAgo: 48,
          steps: { transfer: transferStep({ timestamp: at(48), bytes: 5000, sha256: '11'.repeat(32) }) },
        },
        {
          app: 'shop',
          hoursAgo: 24,
          steps: { transfer: transferStep({ timestamp: at(24), bytes: 5100, sha256: '22'.repeat(32) }) },
        },
        {
          app: 'shop',
          hoursAgo: 1,
          status: 'failed',
          steps: { transfer: { status: 'failed', error: 'ssh: Connection refused' } },
        },
        { app: 'gallery', hoursAgo: 30, steps: { transfer: snapshotStep(30, { files: 100, bytes: 2_000_000 }) } },
        { app: 'gallery', hoursAgo: 6, steps: { transfer: snapshotStep(6) } },
        // A snapshot whose record lost its manifest, and one whose location is not a snapshot folder.
        { app: 'odd', hoursAgo: 9, steps: { transfer: { ...snapshotStep(9), manifest: undefined } } },
        {
          app: 'odd',
          hoursAgo: 3,
          steps: { transfer: { ...snapshotStep(3), path: 'media.example.net:/srv/media/../etc/1765000000_a1b2c3d4' } },
        },
        {
          app: 'unsure',
          hoursAgo: 5,
          steps: { transfer: transferStep({ timestamp: at(5), bytes: 10, sha256: null, app: 'unsure' }) },
        },
      ],
    });
    oversight.ssm.respond = (_command, instanceId) =>
      instanceId === 'i-web1'
        ? {
            status: 'Success',
            responseCode: 0,
            stdout: agentOutput({
              app: 'shop',
              command: 'restore-media',
              status: 'succeeded',
              path: '/srv/users/serverpilot/apps/shop/public/wp-content/uploads.restored-1736942400',
            }),
          }
        : skippedOutcome('shop');
    out = [];
    err = [];
  });
  afterEach(async () => {
    await oversight.close();
  });

  it('sends restore-media with the newest recorded archive and its sha256 to the servers the backup schedule targets', async () => {
    expect(await cli('restore', 'live', 'shop', '--media')).toBe(0);
    const schedule = JSON.parse(oversight.world.scheduler.schedule('backopper-live-shop')?.Target?.Input as string);
    expect(oversight.ssm.sent).toEqual([
      {
        DocumentName: 'Backopper-RestoreMedia',
        Targets: schedule.Targets,
        Parameters: { app: ['shop'], environment: ['live'], archive: [archive(24)], sha256: ['22'.repeat(32)] },
        Comment: 'backopper media restore of shop (live)',
      },
    ]);
    expect(out[0]).toBe(
      `archive   ${archive(24)}  5.0 KiB  taken ${new Date(at(24) * 1000).toISOString()} on web1  sha256 222222222222`,
    );
    expect(out).toContain(
      'i-web1  Success  exit 0  succeeded: restored into /srv/users/serverpilot/apps/shop/public/wp-content/uploads.restored-1736942400',
    );
    expect(out.at(-1)).toBe(
      'ok: restored beside the live media on i-web1; swapping it in is a separate step (see the README, "Restoring media")',
    );
    expect(err).toEqual([]);
  });

  it('--at picks the newest archive at or before it, and refuses a time before the oldest', async () => {
    expect(await cli('restore', 'live', 'shop', '--media', '--at', String(at(30)))).toBe(0);
    expect(oversight.ssm.sent[0]?.Parameters).toMatchObject({ archive: [archive(48)], sha256: ['11'.repeat(32)] });
    expect(await cli('restore', 'live', 'shop', '--media', '--at', '2001-01-01')).toBe(1);
    expect(err.at(-1)).toBe(
      `backopper restore: shop (live): no media backup at or before 2001-01-01T23:59:59.000Z; the oldest recorded is ${new Date(at(48) * 1000).toISOString()} (${archive(48)})`,
    );
    expect(oversight.ssm.sent).toHaveLength(1);
  });

  it('refuses, sending nothing, when no archive is recorded or the archive has no sha256 recorded', async () => {
    expect(await cli('restore', 'live', 'blog', '--media')).toBe(1);
    expect(err.at(-1)).toBe(
      'backopper restore: blog (live): no media archive or snapshot is recorded in the run records (is media configured, and has a transfer succeeded?)',
    );
    expect(await cli('restore', 'live', 'unsure', '--media')).toBe(1);
    expect(err.at(-1)).toMatch(
      /^backopper restore: unsure \(live\): media\.example\.net:\/srv\/media\/unsure\/live\/media_\d+_a1b2c3d4\.tar\.gz has no sha256 recorded \(run record unsure\/live\/runs\/\d+_a1b2c3d4\.json\): it cannot be verified, so it is not restored$/,
    );
    expect(oversight.ssm.sent).toEqual([]);
  });

  it('exits 1 when no server restored it, and 2 for options that do not go with --media', async () => {
    oversight.ssm.respond = () => skippedOutcome('shop');
    expect(await cli('restore', 'live', 'shop', '--media')).toBe(1);
    expect(out.at(-1)).toBe('FAILED: no server restored it (the app is on none of the targeted servers?)');
    expect(await cli('restore', 'live', 'shop', '--media', '--database-url', 'mysql://x@y/z')).toBe(2);
    expect(err.at(-1)).toContain('--media does not take --database-url');
    expect(await cli('restore', 'acceptance', 'shop', '--media')).toBe(2);
  });

  it('an app with no schedule in the environment is exit 3 (no such app), as in every command', async () => {
    expect(await cli('restore', 'live', 'shpo', '--media')).toBe(3);
    expect(err.at(-1)).toMatch(
      /^backopper restore: no app shpo in live \(did you mean shop\?\): it has no backup schedule there/,
    );
    expect(oversight.ssm.sent).toEqual([]);
  });

  it('restores the newest snapshot whole with its manifest, or with --path one file of the one --at picks', async () => {
    expect(await cli('restore', 'live', 'gallery', '--media')).toBe(0);
    expect(oversight.ssm.sent[0]?.Parameters).toEqual({
      app: ['gallery'],
      environment: ['live'],
      snapshot: [snapshot(6)],
      manifestFiles: ['120'],
      manifestBytes: ['3000000'],
    });
    expect(out[0]).toBe(
      `snapshot  ${snapshot(6)}  120 files, 2.9 MiB  taken ${new Date(at(6) * 1000).toISOString()} on web1`,
    );
    expect(await cli('restore', 'live', 'gallery', '--media', '--at', '1d', '--path', '2026/12/logo.png/')).toBe(0);
    expect(oversight.ssm.sent[1]).toMatchObject({
      Parameters: {
        snapshot: [snapshot(30)],
        path: ['2026/12/logo.png'],
        manifestFiles: ['100'],
        manifestBytes: ['2000000'],
      },
      Comment: 'backopper media restore of gallery (live): 2026/12/logo.png',
    });
    expect(err).toEqual([]);
  });

  it('refuses --path that leaves the uploads or an archive (exit 2 or 1), and a snapshot with no manifest or a strange location, sending nothing', async () => {
    for (const path of ['../x', '2026/../../etc', '/etc/passwd', '.htaccess', 'a b', 'x;rm -rf /', '$(id)']) {
      expect(await cli('restore', 'live', 'gallery', '--media', '--path', path), path).toBe(2);
      expect(err.at(-1)).toContain(`--path ${JSON.stringify(path)} is not a file or folder inside the uploads`);
    }
    expect(await cli('restore', 'live', 'shop', '--path', 'a.jpg')).toBe(2);
    expect(err.at(-1)).toContain('--path is for --media');
    expect(await cli('restore', 'live', 'shop', '--media', '--path', 'a.jpg')).toBe(1);
    expect(err.at(-1)).toMatch(/--path restores one file or folder of a snapshot; .* is an archive/);
    expect(await cli('restore', 'live', 'odd', '--media')).toBe(1);
    expect(err.at(-1)).toMatch(/is not a media snapshot location/);
    expect(await cli('restore', 'live', 'odd', '--media', '--at', '8h')).toBe(1);
    expect(err.at(-1)).toMatch(/has no sha256 recorded/);
    expect(oversight.ssm.sent).toEqual([]);
  });
});
