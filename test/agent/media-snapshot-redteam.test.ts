import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  renameSync,
  utimesSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaServer } from '../../agent/config/config';
import { hostId } from '../../agent/process/process-identity';
import { rsyncShell } from '../../agent/steps/rsync-command';
import { selectExpiredSnapshots } from '../../agent/steps/snapshot-media';
import { parseSnapshotListing } from '../../common/snapshot-names';
import { backupArgs, FAULT_BIN, killGroup, runAgent, startAgent } from '../services/agent';
import { waitFor } from '../services/exec';
import { frozenClockEnv } from '../services/clock';
import { MEDIA_GATE, startSnapshotServer } from '../services/media-gate';
import type { LocalSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

/**
 * Red team of snapshot mode: what a compromised web server can do with its key (bound to the gate), and
 * what lying clocks and killed runs leave behind. Real sshd, gate, rsync and rrsync on loopback.
 */
describe('a compromised web server’s key, through the gate (real sshd, rrsync)', () => {
  let sshd: LocalSshd;
  let local: string;
  let server: MediaServer;
  const shop = () => join(sshd.remoteRoot, 'snapshots', 'shop@live');
  const old = () => join(shop(), '1700000000_3abda07c');

  /** rsync as the attacker runs it, with the web server's key: `args` then the remote destination. */
  function attack(args: string[], remote: string) {
    const run = spawnSync('rsync', [...args, '-e', rsyncShell(server), `${sshd.user}@${sshd.host}:${remote}`], {
      encoding: 'utf8',
    });
    return { status: run.status, stderr: run.stderr };
  }

  beforeAll(async () => {
    sshd = await startSnapshotServer();
    server = {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      path: sshd.remoteRoot,
      identity: sshd.identityFile,
      knownHosts: sshd.knownHostsFile,
    };
    local = mkdtempSync(join(tmpdir(), 'backopper-redteam-'));
    mkdirSync(join(old(), '2024'), { recursive: true });
    writeFileSync(join(old(), '2024', 'photo.jpg'), 'the real photo\n');
    chmodSync(join(old(), '2024'), 0o755);
  });
  afterAll(async () => {
    spawnSync('chmod', ['-R', 'u+rwx', sshd.remoteRoot]);
    rmSync(local, { recursive: true, force: true });
    await sshd?.stop();
  });

  it('cannot overwrite a file of an existing snapshot', () => {
    mkdirSync(join(local, 'over', '2024'), { recursive: true });
    writeFileSync(join(local, 'over', '2024', 'photo.jpg'), 'a forged photo!\n');
    attack(['-a', '-I', `${join(local, 'over')}/`], `${old()}/`);
    expect(readFileSync(join(old(), '2024', 'photo.jpg'), 'utf8')).toBe('the real photo\n');
  });

  it('cannot rewrite an inode shared with an existing snapshot (--link-dest into a new folder, then --inplace)', () => {
    const evil = join(shop(), '.1700000001_3abda07c.partial');
    mkdirSync(join(local, 'same', '2024'), { recursive: true });
    writeFileSync(join(local, 'same', '2024', 'photo.jpg'), 'the real photo\n');
    const when = statSync(join(old(), '2024', 'photo.jpg')).mtime;
    spawnSync('touch', ['-d', when.toISOString(), join(local, 'same', '2024', 'photo.jpg')]);
    attack(['-a', `--link-dest=/snapshots/shop@live/1700000000_3abda07c`, `${join(local, 'same')}/`], `${evil}/`);
    mkdirSync(join(local, 'forged', '2024'), { recursive: true });
    writeFileSync(join(local, 'forged', '2024', 'photo.jpg'), 'a forged photo!\n');
    attack(['-a', '-I', '--inplace', `${join(local, 'forged')}/`], `${evil}/`);
    expect(readFileSync(join(old(), '2024', 'photo.jpg'), 'utf8')).toBe('the real photo\n');
  });

  it('cannot write into an existing snapshot by passing --sender as a path (the gate reads it as rrsync does)', () => {
    mkdirSync(join(local, 'sender', 'x'), { recursive: true });
    writeFileSync(join(local, 'sender', 'x', 'shell.php'), '<?php system($_GET["c"]);\n');
    // --old-args: the remote path is split on blanks by the server, so `--sender` arrives as a second path.
    attack(['-a', '--old-args', `${join(local, 'sender')}/`], `${old()}/ --sender`);
    expect(spawnSync('find', [old(), '-name', 'shell.php'], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('cannot make the media server write a log or batch file into an existing snapshot', () => {
    mkdirSync(join(local, 'log'), { recursive: true });
    writeFileSync(join(local, 'log', 'a.jpg'), 'a\n');
    const partial = join(shop(), '.1700000002_3abda07c.partial');
    attack(
      ['-a', `--remote-option=--log-file=${join(old(), '2024', 'log.php')}`, `${join(local, 'log')}/`],
      `${partial}/`,
    );
    attack(
      ['-a', `--remote-option=--only-write-batch=${join(old(), '2024', 'batch.php')}`, `${join(local, 'log')}/`],
      `${partial}/`,
    );
    expect(spawnSync('find', [old(), '-name', '*.php'], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('cannot change the permissions of an existing snapshot’s folders (a restore would fail on them)', () => {
    mkdirSync(join(local, 'locked', '2024'), { recursive: true });
    chmodSync(join(local, 'locked', '2024'), 0o000);
    chmodSync(join(local, 'locked'), 0o000);
    attack(['-d', '--perms', `${join(local, 'locked')}/`, `${join(local, 'locked')}`], `${old()}/`);
    chmodSync(join(local, 'locked'), 0o755);
    chmodSync(join(local, 'locked', '2024'), 0o755);
    expect(statSync(old()).mode & 0o777).toBe(0o755);
    expect(statSync(join(old(), '2024')).mode & 0o777).toBe(0o755);
  });

  it('cannot write into an existing snapshot at all (a planted file a restore would bring back)', () => {
    mkdirSync(join(local, 'plant', '2024'), { recursive: true });
    writeFileSync(join(local, 'plant', '2024', 'shell.php'), '<?php system($_GET["c"]);\n');
    attack(['-a', `${join(local, 'plant')}/`], `${old()}/`);
    expect(() => statSync(join(old(), '2024', 'shell.php'))).toThrow();
  });
});

describe('snapshot runs under a lying clock (real agent, sshd, gate)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  const folder = (app: string) => join(sshd.remoteRoot, 'snapshots', `${app}@live`);
  const backup = (app: string, extra: Record<string, string> = {}) =>
    runAgent(backupArgs(app, 'none', 'static'), { ...ws.env, ...sshd.env, BACKOPPER_MEDIA_DIR: 'files', ...extra });
  const uploads = (app: string) => {
    mkdirSync(join(ws.appsDir, app, 'files'), { recursive: true });
    writeFileSync(join(ws.appsDir, app, 'files', 'photo.jpg'), 'a photo\n');
  };

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSnapshotServer()]);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it('a clock set back a little (within the tolerance) never prunes the snapshot the run just wrote', async () => {
    const app = 'setback';
    uploads(app);
    const first = await backup(app, { BACKOPPER_MEDIA_KEEP: '1' });
    expect(first.exitCode, first.stdout).toBe(0);
    // NTP steps the clock back 100 s; the next run (a rerun, a catch-up) is named before the first.
    const back = (first.report.timestamp - 100) * 1000;
    const next = await backup(app, { BACKOPPER_MEDIA_KEEP: '1', ...frozenClockEnv(back, 60_000) });
    expect(next.exitCode, next.stdout).toBe(0);
    const written = (next.report.steps.transfer.path as string).split('/').pop()!;
    expect(written.startsWith(String(first.report.timestamp - 100))).toBe(true);
    expect(next.report.steps.mediaRetention.deleted).not.toContain(`127.0.0.1:${join(folder(app), written)}`);
    expect(existsSync(join(folder(app), written)), `the run's own snapshot ${written}`).toBe(true);
  }, 120_000);

  it('a snapshot dated after now (the clock ran ahead once) stops pruning, and the report says so', async () => {
    const app = 'ahead';
    uploads(app);
    const ahead = `${Math.floor(Date.now() / 1000) + 86_400}_${hostId()}`;
    mkdirSync(join(folder(app), ahead, 'files'), { recursive: true });
    for (let i = 0; i < 2; i += 1) {
      const run = await backup(app, { BACKOPPER_MEDIA_KEEP: '1' });
      expect(run.exitCode, run.stdout).toBe(0);
    }
    const run = await backup(app, { BACKOPPER_MEDIA_KEEP: '1' });
    expect(readdirSync(folder(app))).toHaveLength(4);
    expect(run.report.steps.mediaRetention.warning).toMatch(new RegExp(`${ahead}.* is dated .*, after this run`));
  }, 120_000);

  it('a file rewritten at the same size within the second the last run read it is copied, not linked to the old bytes', async () => {
    const app = 'samesecond';
    const file = join(ws.appsDir, app, 'files', 'thumb.jpg');
    mkdirSync(join(ws.appsDir, app, 'files'), { recursive: true });
    writeFileSync(file, 'old thumbnail bytes\n');
    spawnSync('touch', ['-d', '@1790000000.2', file]);
    const first = await backup(app);
    expect(first.exitCode, first.stdout).toBe(0);
    // The site regenerates the thumbnail (same size) in the same second the run read it.
    writeFileSync(file, 'new thumbnail bytes\n');
    spawnSync('touch', ['-d', '@1790000000.7', file]);
    const next = await backup(app);
    expect(next.exitCode, next.stdout).toBe(0);
    const written = (next.report.steps.transfer.path as string).split('/').pop()!;
    expect(readFileSync(join(folder(app), written, 'thumb.jpg'), 'utf8')).toBe('new thumbnail bytes\n');
  }, 120_000);

  it('an upload deleted mid-copy (rsync exit 24): the manifest counts what the snapshot holds, so it restores', async () => {
    const app = 'vanishing';
    const files = join(ws.appsDir, app, 'files');
    mkdirSync(files, { recursive: true });
    for (let i = 0; i < 6; i += 1) writeFileSync(join(files, `upload-${i}.jpg`), Buffer.alloc(100 * 1024, i));
    const agent = startAgent(backupArgs(app, 'none', 'static'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_DIR: 'files',
      PATH: `${FAULT_BIN}:${process.env.PATH}`,
      FAKE_RSYNC_MODE: 'slow',
    });
    // The site deletes the last upload while the first ones are still being copied.
    await waitFor(
      'the copy to start',
      async () =>
        existsSync(folder(app)) &&
        readdirSync(folder(app)).some(
          (name) => name.endsWith('.partial') && readdirSync(join(folder(app), name)).length > 0,
        ),
      30_000,
    );
    rmSync(join(files, 'upload-5.jpg'));
    const run = await agent.finished;
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.steps.media.warning).toMatch(/vanished/);
    const snapshot = run.report.steps.transfer.path as string;
    const name = snapshot.split('/').pop()!;
    expect(readdirSync(join(folder(app), name)).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `upload-${i}.jpg`));
    expect(run.report.steps.media.manifest).toEqual({ files: 5, bytes: 5 * 100 * 1024 });
    const { files: count, bytes } = run.report.steps.media.manifest;
    const restored = await runAgent(
      [
        'restore-media',
        '--app',
        app,
        '--environment',
        'live',
        '--snapshot',
        snapshot,
        '--manifest-files',
        String(count),
        '--manifest-bytes',
        String(bytes),
      ],
      { ...ws.env, ...sshd.env, BACKOPPER_MEDIA_DIR: 'files' },
    );
    expect(restored.exitCode, restored.stdout).toBe(0);
  }, 120_000);

  it('a snapshot half-deleted by a killed prune (.deleting) is removed by the next run of its server', async () => {
    const app = 'halfdeleted';
    uploads(app);
    const first = await backup(app);
    expect(first.exitCode, first.stdout).toBe(0);
    const dead = `.${first.report.timestamp - 86_400}_${hostId()}.deleting`;
    mkdirSync(join(folder(app), dead, 'files'), { recursive: true });
    writeFileSync(join(folder(app), dead, 'files', 'photo.jpg'), 'a photo\n');
    const next = await backup(app);
    expect(next.exitCode, next.stdout).toBe(0);
    expect(readdirSync(folder(app)).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(next.report.steps.transfer.cleaned).toEqual([`127.0.0.1:${join(folder(app), dead)}`]);
  }, 120_000);
});

describe('the gate’s newest snapshot, which it never removes', () => {
  it('is the newest by date, not by name: a name of nine digits (a clock at 2000, a dead RTC) does not unguard the newest', () => {
    const root = mkdtempSync(join(tmpdir(), 'backopper-gate-newest-'));
    try {
      const folder = join(root, 'snapshots', 'shop@live');
      for (const name of ['946684800_3abda07c', '1700000000_3abda07c', '1700086400_3abda07c'])
        mkdirSync(join(folder, name), { recursive: true });
      const run = spawnSync(MEDIA_GATE, [root], {
        env: {
          PATH: process.env.PATH,
          SSH_ORIGINAL_COMMAND: `backopper-snapshot remove ${folder} 1700086400_3abda07c`,
        },
        encoding: 'utf8',
      });
      expect(run.stderr).toMatch(/is the newest snapshot/);
      expect(run.status).not.toBe(0);
      expect(readdirSync(folder).sort()).toEqual(['1700000000_3abda07c', '1700086400_3abda07c', '946684800_3abda07c']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the agent never proposes it either', () => {
    const listed = parseSnapshotListing(['946684800_3abda07c', '1700000000_3abda07c', '1700086400_3abda07c']).complete;
    expect(selectExpiredSnapshots({ listed, hostId: '3abda07c', policy: { keep: 1 }, now: 1_700_100_000 })).toEqual([
      '1700000000_3abda07c',
      '946684800_3abda07c',
    ]);
  });
});

describe('restoring a snapshot when things go wrong (real agent, sshd, gate)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  const app = 'restorer';
  const media = () => join(ws.appsDir, app, 'files');
  const env = (extra: Record<string, string> = {}) => ({
    ...ws.env,
    ...sshd.env,
    BACKOPPER_MEDIA_DIR: 'files',
    ...extra,
  });
  let snapshot: string;
  let manifest: string[];
  const restore = () =>
    ['restore-media', '--app', app, '--environment', 'live', '--snapshot', snapshot, ...manifest] as const;
  const hidden = () => readdirSync(join(ws.appsDir, app)).filter((name) => name.startsWith('.files.restoring-'));

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSnapshotServer()]);
    mkdirSync(media(), { recursive: true });
    for (let i = 0; i < 8; i += 1) writeFileSync(join(media(), `photo-${i}.jpg`), Buffer.alloc(128 * 1024, i));
    const run = await runAgent(backupArgs(app, 'none', 'static'), env());
    expect(run.exitCode, run.stdout).toBe(0);
    snapshot = run.report.steps.transfer.path;
    const { files, bytes } = run.report.steps.media.manifest;
    manifest = ['--manifest-files', String(files), '--manifest-bytes', String(bytes)];
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  /** A restore copying at 100 KiB/s, once its staging folder holds something. */
  async function slowRestore() {
    const agent = startAgent(
      [...restore()],
      env({ PATH: `${FAULT_BIN}:${process.env.PATH}`, FAKE_RSYNC_MODE: 'slow' }),
      {
        detached: true,
      },
    );
    const staging = await waitFor(
      'the restore to copy into its staging folder',
      async () => {
        const name = hidden()[0];
        const path = name && join(ws.appsDir, app, name);
        return path && spawnSync('find', [path, '-type', 'f']).stdout.length > 0 ? path : undefined;
      },
      30_000,
    );
    return { agent, staging };
  }

  it('restores the whole snapshot into its place when the live folder is gone (the disaster restore is for)', async () => {
    renameSync(media(), `${media()}.lost`);
    try {
      const run = await runAgent([...restore()], env());
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.report.restored).toBe(media());
      expect(readdirSync(media()).sort()).toEqual(readdirSync(`${media()}.lost`).sort());
      expect(
        readFileSync(join(media(), 'photo-3.jpg')).equals(readFileSync(join(`${media()}.lost`, 'photo-3.jpg'))),
      ).toBe(true);
      rmSync(media(), { recursive: true });
    } finally {
      renameSync(`${media()}.lost`, media());
    }
  }, 60_000);

  it('the next restore removes what a killed restore copied (its staging folder), and says so', async () => {
    const { agent, staging } = await slowRestore();
    await killGroup(agent);
    const run = await runAgent([...restore()], env());
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.cleaned).toContain(staging);
    expect(hidden()).toEqual([]);
    rmSync(run.report.restored, { recursive: true });
  }, 60_000);

  it('a backup never removes the staging folder of a restore still copying, however old the folder looks', async () => {
    const { agent, staging } = await slowRestore();
    try {
      const old = new Date(Date.now() - 3_600_000);
      utimesSync(staging, old, old);
      const run = await runAgent(backupArgs(app, 'none', 'static'), env());
      expect(run.exitCode, run.stdout).toBe(0);
      expect(existsSync(staging), `the running restore's ${staging}`).toBe(true);
    } finally {
      await killGroup(agent);
    }
  }, 60_000);
});
