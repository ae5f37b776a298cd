import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostId } from '../../agent/process/process-identity';
import { backupArgs, FAULT_BIN, killGroup, runAgent, startAgent } from '../services/agent';
import { exec, waitFor } from '../services/exec';
import { MEDIA_GATE, startSnapshotServer } from '../services/media-gate';
import type { LocalSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

/** A media folder of `count` incompressible files of `size` bytes. */
function writeUploads(dir: string, count: number, size: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i += 1) writeFileSync(join(dir, `upload-${i}.jpg`), randomBytes(size));
}

describe('snapshot lifecycle: killed runs, pruning scoped to the app (real sshd, rsync, rrsync)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  const folder = (app: string) => join(sshd.remoteRoot, 'snapshots', `${app}@live`);
  const env = (extra: Record<string, string> = {}) => ({
    ...ws.env,
    ...sshd.env,
    BACKOPPER_MEDIA_DIR: 'files',
    ...extra,
  });
  const backup = (app: string, extra: Record<string, string> = {}) =>
    runAgent(backupArgs(app, 'none', 'static'), env(extra));

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSnapshotServer()]);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it('a run killed mid-copy (SIGKILL of its process group) leaves no final snapshot; the next run removes its partial and says so', async () => {
    const app = 'killed';
    writeUploads(join(ws.appsDir, app, 'files'), 8, 256 * 1024);
    const first = await backup(app);
    expect(first.exitCode, first.stdout).toBe(0);
    // New bytes, so the slow run copies them (unchanged files would only be linked, at once).
    writeUploads(join(ws.appsDir, app, 'files'), 8, 256 * 1024);
    const agent = startAgent(
      backupArgs(app, 'none', 'static'),
      env({ PATH: `${FAULT_BIN}:${process.env.PATH}`, FAKE_RSYNC_MODE: 'slow' }),
      { detached: true },
    );
    // Killed once the partial folder holds a file: the copy is under way.
    const partial = await waitFor(
      'the partial snapshot to fill',
      async () =>
        readdirSync(folder(app)).find(
          (name) => name.endsWith('.partial') && readdirSync(join(folder(app), name)).length > 0,
        ),
      60_000,
    );
    await killGroup(agent);
    const finals = readdirSync(folder(app)).filter((name) => !name.startsWith('.'));
    expect(finals).toEqual([first.report.steps.transfer.path.split('/').pop()]);

    const next = await backup(app);
    expect(next.exitCode, next.stdout).toBe(0);
    const removed = `127.0.0.1:${join(folder(app), partial)}`;
    expect(next.report.steps.transfer.cleaned).toEqual([removed]);
    expect(next.report.cleaned).toContain(removed);
    expect(readdirSync(folder(app)).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(readdirSync(folder(app))).toHaveLength(2);
  }, 180_000);

  it('pruning keeps the newest BACKOPPER_MEDIA_KEEP of its own snapshots and nothing else is touched: other servers, other apps, other files', async () => {
    const app = 'pruned';
    writeUploads(join(ws.appsDir, app, 'files'), 3, 10_000);
    writeUploads(join(ws.appsDir, 'neighbour', 'files'), 2, 10_000);
    const neighbour = await backup('neighbour');
    expect(neighbour.exitCode, neighbour.stdout).toBe(0);
    // Another server's snapshot of the same app (older than all ours), a stray file, another server's partial.
    const foreign = ['1500000000_deadbeef', '.1500000001_deadbeef.partial'];
    for (const name of foreign) mkdirSync(join(folder(app), name), { recursive: true });
    writeFileSync(join(folder(app), 'notes.txt'), 'not a snapshot\n');
    const runs = [];
    for (let i = 0; i < 4; i += 1) runs.push(await backup(app, { BACKOPPER_MEDIA_KEEP: '2' }));
    for (const run of runs) expect(run.exitCode, run.stdout).toBe(0);
    const names = runs.map((run) => run.report.steps.transfer.path.split('/').pop() as string);
    expect(names.every((name) => name.endsWith(`_${hostId()}`))).toBe(true);
    expect(readdirSync(folder(app)).sort()).toEqual([...foreign, 'notes.txt', ...names.slice(2)].sort());
    expect(runs.map((run) => run.report.steps.mediaRetention.deleted)).toEqual([
      [],
      [],
      [`127.0.0.1:${join(folder(app), names[0]!)}`],
      [`127.0.0.1:${join(folder(app), names[1]!)}`],
    ]);
    expect(readdirSync(folder('neighbour'))).toEqual([neighbour.report.steps.transfer.path.split('/').pop()]);
  }, 180_000);
});

describe('snapshot failures: one line naming what and where, exit 1, no final snapshot', () => {
  let ws: Workspace;
  const servers: LocalSshd[] = [];
  const app = 'failing';
  beforeAll(async () => {
    ws = await createWorkspace();
    writeUploads(join(ws.appsDir, app, 'files'), 4, 512 * 1024);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), ...servers.map((server) => server.stop())]);
  });
  const start = async (options: Parameters<typeof startSnapshotServer>[0] = {}) => {
    const sshd = await startSnapshotServer(options);
    servers.push(sshd);
    return sshd;
  };
  const finals = (sshd: LocalSshd) => {
    const dir = join(sshd.remoteRoot, 'snapshots', `${app}@live`);
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('a media server without rsync on its PATH', async () => {
    // The ssh session's PATH has what the gate needs (sh, coreutils, grep) but no rsync or rrsync.
    const bin = join(ws.root, 'server-bin');
    mkdirSync(bin);
    for (const tool of ['sh', 'bash', 'grep', 'ls', 'mv', 'rm', 'mkdir', 'realpath', 'sort', 'tail'])
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const sshd = await start({ extraConfig: [`SetEnv PATH=${bin}`] });
    const run = await runAgent(backupArgs(app, 'none', 'static'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_DIR: 'files',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.media.error).toMatch(
      /^snapshot of .* to 127\.0\.0\.1:.*\.partial failed: backopper-media-gate: rsync is not installed on the media server \(not on PATH: .*\) \(rsync exit \d+\)$/,
    );
    expect(finals(sshd)).toEqual([]);
  }, 60_000);

  it('a key the media server refuses', async () => {
    const sshd = await start();
    const other = await start();
    const run = await runAgent(backupArgs(app, 'none', 'static'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_DIR: 'files',
      BACKOPPER_MEDIA_IDENTITY: other.identityFile,
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.media.error).toMatch(
      /^media server 127\.0\.0\.1:\d+: snapshot session failed: .*Permission denied/,
    );
    expect(finals(sshd)).toEqual([]);
  }, 60_000);

  it('a media server whose gate is older than the agent (no session): says so, copies nothing', async () => {
    const gate = readFileSync(MEDIA_GATE, 'utf8');
    const sessionAt = gate.indexOf('  session)\n');
    const end = gate.indexOf('    ;;\n', sessionAt) + '    ;;\n'.length;
    expect(sessionAt).toBeGreaterThan(0);
    const oldGate = join(ws.root, 'old-gate');
    writeFileSync(oldGate, gate.slice(0, sessionAt) + gate.slice(end));
    chmodSync(oldGate, 0o755);
    const sshd = await start({ forcedCommand: (root) => `${oldGate} ${root}` });
    const run = await runAgent(backupArgs(app, 'none', 'static'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_DIR: 'files',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.media.error).toMatch(
      /^media server 127\.0\.0\.1:\d+: snapshot session failed: backopper-media-gate: refused: backopper-snapshot session /,
    );
    expect(finals(sshd)).toEqual([]);
  }, 60_000);

  it('a full media server disk (a 1 MB tmpfs)', async () => {
    const sshd = await start();
    const snapshots = join(sshd.remoteRoot, 'snapshots');
    mkdirSync(snapshots);
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', snapshots]);
    try {
      const run = await runAgent(backupArgs(app, 'none', 'static'), {
        ...ws.env,
        ...sshd.env,
        BACKOPPER_MEDIA_DIR: 'files',
      });
      expect(run.exitCode).toBe(1);
      expect(run.report.steps.media.error).toMatch(
        /^snapshot of .* to 127\.0\.0\.1:.*\.partial failed: .*No space left on device/,
      );
      expect(finals(sshd)).toEqual([]);
    } finally {
      await exec('umount', [snapshots]);
    }
  }, 60_000);
});
