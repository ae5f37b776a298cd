import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, exitWithin, FAULT_BIN, killGroup, runAgent, startAgent } from '../services/agent';
import { exec, waitFor } from '../services/exec';
import { startSnapshotServer } from '../services/media-gate';
import type { LocalSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

/** A media folder of `count` incompressible files of `size` bytes. */
function writeUploads(dir: string, count: number, size: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i += 1) writeFileSync(join(dir, `upload-${i}.jpg`), randomBytes(size));
}

/**
 * An `ssh` first on PATH (the agent's and rsync's `-e ssh` alike) that logs each connection's
 * ControlPath and ControlMaster and the mode of the socket's folder, then runs the real ssh.
 */
function writeSshSpy(bin: string, log: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'ssh'),
    `#!/bin/sh
path=-; master=-; mode=-
for word in "$@"; do
  case $word in
    ControlPath=*) [ "$path" != - ] || path=\${word#ControlPath=} ;;
    ControlMaster=*) [ "$master" != - ] || master=\${word#ControlMaster=} ;;
  esac
done
[ "$path" = - ] || mode=$(stat -c %a "$(dirname "$path")")
printf '%s %s %s\\n' "$path" "$master" "$mode" >> ${log}
exec /usr/bin/ssh "$@"
`,
  );
  chmodSync(join(bin, 'ssh'), 0o755);
}

/** The processes (pid and command line) whose command line names `marker`: ssh masters and clients of a run. */
async function processesNaming(marker: string): Promise<string[]> {
  const lines = (await exec('ps', ['-eo', 'pid=,args='])).split('\n');
  return lines.filter((line) => line.includes(marker) && !/\bps -eo\b/.test(line));
}

describe('snapshot mode: one ssh connection per run, private to the run, gone with it', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  let spyLog: string;
  let spyBin: string;
  const folder = (app: string) => join(sshd.remoteRoot, 'snapshots', `${app}@live`);
  const env = (extra: Record<string, string> = {}) => ({
    ...ws.env,
    ...sshd.env,
    BACKOPPER_MEDIA_DIR: 'files',
    PATH: `${spyBin}:${process.env.PATH}`,
    ...extra,
  });
  const spied = () =>
    readFileSync(spyLog, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [path, master, mode] = line.split(' ');
        return { path: path!, master: master!, mode: mode! };
      });
  const accepted = () => sshd.log().match(/Accepted publickey/g)?.length ?? 0;
  // The runs' sockets live under the workspace's temporary folder: a process naming it is one of theirs
  // (a client's `ControlPath=`, or a daemonised master's title `ssh: <socket> [mux]`).
  const leftovers = async () => processesNaming(`${ws.tmpDir}/`);

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSnapshotServer({ logLevel: 'INFO' })]);
    spyBin = join(ws.root, 'spy-bin');
    spyLog = join(ws.root, 'ssh.log');
    writeSshSpy(spyBin, spyLog);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it('two apps backed up at once: one handshake each, every request of a run on its own private socket, nothing left', async () => {
    writeUploads(join(ws.appsDir, 'app-a', 'files'), 6, 64 * 1024);
    writeUploads(join(ws.appsDir, 'app-b', 'files'), 6, 64 * 1024);
    writeFileSync(spyLog, '');
    const before = accepted();
    const [a, b] = await Promise.all(
      ['app-a', 'app-b'].map((app) => runAgent(backupArgs(app, 'none', 'static'), env())),
    );
    expect(a!.exitCode, a!.stdout + a!.stderr).toBe(0);
    expect(b!.exitCode, b!.stdout + b!.stderr).toBe(0);
    const calls = spied();
    const of = (app: string) => calls.filter((call) => call.path.includes(`/backopper-${app}.`));
    // Every connection of the agent names a socket, in a 0700 folder of the workspace's temp dir.
    expect(calls.every((call) => call.path.startsWith(`${ws.tmpDir}/`) && call.mode === '700')).toBe(true);
    for (const app of ['app-a', 'app-b']) {
      const mine = of(app);
      // Two ssh processes: the session (the master; the listing, then the commit on its stdin) and rsync's, joining it.
      expect(mine).toHaveLength(2);
      expect(new Set(mine.map((call) => call.path)).size).toBe(1);
      expect(mine.filter((call) => call.master === 'yes')).toHaveLength(1);
      expect(mine.filter((call) => call.master !== 'yes').every((call) => call.master === 'no')).toBe(true);
    }
    expect(of('app-a')[0]!.path).not.toBe(of('app-b')[0]!.path);
    expect(calls).toHaveLength(of('app-a').length + of('app-b').length);
    // Two runs, two handshakes: not one per request, and the two runs did not share one.
    expect(await waitFor('sshd to log both logins', async () => accepted() - before >= 2 && accepted() - before)).toBe(
      2,
    );
    expect(await leftovers()).toEqual([]);
    expect(readdirSync(ws.tmpDir).filter((name) => name.startsWith('backopper-'))).toEqual([]);
  }, 120_000);

  it('SIGTERM mid-copy: the run fails, its partial is removed, no ssh process or socket of it is left', async () => {
    const app = 'termed';
    writeUploads(join(ws.appsDir, app, 'files'), 8, 256 * 1024);
    const agent = startAgent(
      backupArgs(app, 'none', 'static'),
      env({ PATH: `${spyBin}:${FAULT_BIN}:${process.env.PATH}`, FAKE_RSYNC_MODE: 'slow' }),
    );
    await waitFor(
      'the partial snapshot to fill',
      async () =>
        existsSync(folder(app)) &&
        readdirSync(folder(app)).find(
          (name) => name.endsWith('.partial') && readdirSync(join(folder(app), name)).length > 0,
        ),
      60_000,
    );
    expect((await leftovers()).length).toBeGreaterThan(0); // the master and rsync's client, under way
    agent.child.kill('SIGTERM');
    const run = await exitWithin(agent, 30);
    expect(run.exitCode).toBe(1);
    expect(run.report.status).toBe('failed');
    expect(readdirSync(folder(app))).toEqual([]);
    expect(await leftovers()).toEqual([]);
    expect(readdirSync(ws.tmpDir).filter((name) => name.startsWith(`backopper-${app}.`))).toEqual([]);
  }, 120_000);

  it('SIGKILL of the process group mid-copy (SSM’s timeout): no master outlives it; the next run removes the socket folder and the partial', async () => {
    const app = 'killed';
    writeUploads(join(ws.appsDir, app, 'files'), 8, 256 * 1024);
    const agent = startAgent(
      backupArgs(app, 'none', 'static'),
      env({ PATH: `${spyBin}:${FAULT_BIN}:${process.env.PATH}`, FAKE_RSYNC_MODE: 'slow' }),
      { detached: true },
    );
    await waitFor(
      'the partial snapshot to fill',
      async () =>
        existsSync(folder(app)) &&
        readdirSync(folder(app)).find(
          (name) => name.endsWith('.partial') && readdirSync(join(folder(app), name)).length > 0,
        ),
      60_000,
    );
    const socketDirs = readdirSync(ws.tmpDir).filter((name) => name.startsWith(`backopper-${app}.`));
    expect(socketDirs).toHaveLength(1);
    await killGroup(agent);
    // A daemonised master (ControlPersist) would escape the group and linger; the run's master is its child.
    await waitFor('no ssh process of the killed run', async () => (await leftovers()).length === 0, 3000);
    expect(readdirSync(folder(app)).filter((name) => !name.startsWith('.'))).toEqual([]);

    const next = await runAgent(backupArgs(app, 'none', 'static'), env());
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(next.report.cleaned).toEqual(expect.arrayContaining([join(ws.tmpDir, socketDirs[0]!)]));
    expect(readdirSync(folder(app)).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(readdirSync(folder(app))).toHaveLength(1);
    expect(await leftovers()).toEqual([]);
  }, 120_000);

  it('SIGTERM while the session is still opening (a media server that never answers): the run stops at once', async () => {
    const app = 'silent';
    writeUploads(join(ws.appsDir, app, 'files'), 2, 1024);
    // Accepts the connection and says nothing: ssh waits for the banner (up to ConnectTimeout, 15 s).
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const agent = startAgent(backupArgs(app, 'none', 'static'), env({ BACKOPPER_MEDIA_PORT: String(port) }));
      await waitFor('the session to connect', async () => sockets.length > 0, 10_000);
      const stopped = Date.now();
      agent.child.kill('SIGTERM');
      const run = await exitWithin(agent, 10);
      expect(Date.now() - stopped).toBeLessThan(5000);
      expect(run.exitCode).toBe(1);
      expect(run.report.status).toBe('failed');
      expect(await leftovers()).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);

  it('SIGKILL of the agent alone: its session ends with it (the pipe closes), so the master exits once rsync has', async () => {
    const app = 'orphaned';
    writeUploads(join(ws.appsDir, app, 'files'), 8, 256 * 1024);
    const agent = startAgent(
      backupArgs(app, 'none', 'static'),
      env({ PATH: `${spyBin}:${FAULT_BIN}:${process.env.PATH}`, FAKE_RSYNC_MODE: 'slow' }),
    );
    await waitFor(
      'the partial snapshot to fill',
      async () =>
        existsSync(folder(app)) &&
        readdirSync(folder(app)).find(
          (name) => name.endsWith('.partial') && readdirSync(join(folder(app), name)).length > 0,
        ),
      60_000,
    );
    agent.child.kill('SIGKILL');
    await agent.finished;
    // rsync, orphaned, is killed as an operator would; then nothing of the run may stay.
    for (const line of await processesNaming(`${ws.tmpDir}/`))
      if (/\brsync\b/.test(line)) process.kill(Number(line.trim().split(' ')[0]), 'SIGKILL');
    await waitFor('no ssh process of the killed run', async () => (await leftovers()).length === 0, 5000);
    expect(readdirSync(folder(app)).filter((name) => !name.startsWith('.'))).toEqual([]);
  }, 120_000);
});
