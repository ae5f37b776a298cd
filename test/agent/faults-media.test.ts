import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asServer, backupArgs, runAgent, startAgent } from '../services/agent';
import { exec, waitFor } from '../services/exec';
import { writeMediaFiles } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const FIXED_CLOCK = resolve(__dirname, '../fixtures/fixed-clock.cjs');

/** `tar -tvzf` of a file: one entry per line, `type name` (`d uploads/`, `- uploads/a.jpg`, `l uploads/x -> y`). */
async function listArchive(path: string): Promise<string[]> {
  const verbose = await exec('tar', ['-tvzf', path]);
  return verbose
    .trim()
    .split('\n')
    .map((line) => `${line[0]} ${line.split(/\s+/).slice(5).join(' ')}`)
    .sort();
}

describe('a media folder reached through a symlink (Deployer/Capistrano shared folders, Bedrock on shared storage)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it.each([
    ['the folder itself is a link to a differently named shared folder', 'linked-folder'],
    ['the app root is a release link and the folder a link to shared/', 'deployer-layout'],
  ])('%s: archives the files under the configured name, links inside stay links', async (_, app) => {
    const shared = join(ws.root, 'shared', app, 'wp-uploads-data');
    writeMediaFiles(shared, 4);
    symlinkSync('2024/05/image-0.jpg', join(shared, 'latest.jpg'));
    const appRoot = join(ws.appsDir, app);
    let mediaDir: string;
    if (app === 'linked-folder') {
      mkdirSync(join(appRoot, 'web', 'app'), { recursive: true });
      symlinkSync(shared, join(appRoot, 'web', 'app', 'uploads'));
      mediaDir = 'web/app/uploads';
    } else {
      mkdirSync(join(appRoot, 'releases', '3', 'web', 'app'), { recursive: true });
      const link = join(appRoot, 'releases', '3', 'web', 'app', 'uploads');
      symlinkSync(relative(dirname(link), shared), link);
      symlinkSync(join('releases', '3'), join(appRoot, 'current'));
      mediaDir = 'current/web/app/uploads';
    }
    expect(realpathSync(join(appRoot, mediaDir))).toBe(realpathSync(shared));

    const run = await runAgent(backupArgs(app, 'none', 'bedrock'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_DIR: mediaDir,
    });
    expect(run.exitCode).toBe(0);
    expect(run.report.steps.media).toMatchObject({
      status: 'succeeded',
      path: join(appRoot, mediaDir),
      source: realpathSync(shared),
    });
    const [remoteName] = readdirSync(join(sshd.remoteRoot, app, 'live'));
    const archive = join(sshd.remoteRoot, app, 'live', remoteName!);
    expect(await listArchive(archive)).toEqual(
      [
        'd uploads/',
        'd uploads/2024/',
        'd uploads/2024/05/',
        '- uploads/2024/05/image-0.jpg',
        '- uploads/2024/05/image-2.jpg',
        '- uploads/image-1.jpg',
        '- uploads/image-3.jpg',
        'l uploads/latest.jpg -> 2024/05/image-0.jpg',
        '- uploads/ünïcode name ✓.txt',
      ].sort(),
    );
    expect(run.report.steps.media.bytes).toBeGreaterThan(4 * 4096);
    const extracted = join(ws.root, `extracted-${app}`);
    mkdirSync(extracted);
    await exec('tar', ['-xzf', archive, '-C', extracted]);
    expect(
      readFileSync(join(extracted, 'uploads', '2024', '05', 'image-0.jpg')).equals(
        readFileSync(join(shared, '2024', '05', 'image-0.jpg')),
      ),
    ).toBe(true);
    expect(ws.leftovers()).toEqual([]);
  });
});

describe('two servers holding the same app, running in the same second', () => {
  let sshd: LocalSshd;
  const workspaces: Workspace[] = [];
  const app = 'twin-shop';
  // One fixed second for every run in this block: the servers' clocks agree to the second.
  const clockMs = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), ...workspaces.map((ws) => ws.remove())]);
  });

  async function server(marker: string): Promise<Workspace> {
    const ws = await createWorkspace();
    workspaces.push(ws);
    writeMediaFiles(join(ws.appsDir, app, 'files'), 2);
    writeFileSync(join(ws.appsDir, app, 'files', `from-${marker}.txt`), `${marker}\n`);
    return ws;
  }
  const envOf = (ws: Workspace) => ({
    ...ws.env,
    ...sshd.env,
    BACKOPPER_MEDIA_DIR: 'files',
    NODE_OPTIONS: `--require=${FIXED_CLOCK}`,
    BACKOPPER_TEST_CLOCK_MS: String(clockMs),
  });
  const remoteDir = () => join(sshd.remoteRoot, app, 'live');

  it('both keep their own archive: names carry the server, both reports name their remote file and its hash', async () => {
    const [a, b] = await Promise.all([server('a'), server('b')]);
    const [runA, runB] = await Promise.all([
      startAgent(backupArgs(app, 'none', 'static'), envOf(a), { wrapper: asServer('web-a') }).finished,
      startAgent(backupArgs(app, 'none', 'static'), envOf(b), { wrapper: asServer('web-b') }).finished,
    ]);
    expect([runA.exitCode, runB.exitCode], runA.stderr + runB.stderr).toEqual([0, 0]);
    expect(runA.report.timestamp).toBe(runB.report.timestamp);
    expect([runA.report.host, runB.report.host]).toEqual(['web-a', 'web-b']);
    const names = readdirSync(remoteDir()).sort();
    expect(names).toHaveLength(2);
    for (const [run, marker] of [
      [runA, 'a'],
      [runB, 'b'],
    ] as const) {
      const transfer = run.report.steps.transfer;
      const remotePath = transfer.path.slice(transfer.path.indexOf(':') + 1);
      expect(remotePath.startsWith(`${remoteDir()}/${app}+live+media_${clockMs / 1000}_`)).toBe(true);
      expect(sha256(readFileSync(remotePath))).toBe(transfer.sha256);
      expect(transfer.sha256).toBe(run.report.steps.media.sha256);
      expect(await listArchive(remotePath)).toContain(`- files/from-${marker}.txt`);
    }
    expect(runA.report.steps.transfer.path).not.toBe(runB.report.steps.transfer.path);
  });

  it('never replaces an archive already under the final name: the second copy fails loudly and leaves no .part', async () => {
    // The same server twice with its state lost in between (a rebuilt server): the same name again.
    const first = await server('first');
    const again = await server('again');
    const runFirst = await runAgent(backupArgs(app, 'none', 'static'), envOf(first));
    expect(runFirst.exitCode).toBe(0);
    const remotePath = runFirst.report.steps.transfer.path.slice(runFirst.report.steps.transfer.path.indexOf(':') + 1);
    const before = readdirSync(remoteDir()).sort();
    const runAgain = await runAgent(backupArgs(app, 'none', 'static'), envOf(again));
    expect(runAgain.exitCode).toBe(1);
    expect(runAgain.report.steps.transfer.status).toBe('failed');
    expect(runAgain.report.steps.transfer.error).toContain(
      `${remotePath} already exists on the media server; not replacing it`,
    );
    expect(sha256(readFileSync(remotePath))).toBe(runFirst.report.steps.transfer.sha256);
    expect(readdirSync(remoteDir()).sort()).toEqual(before);
    expect(again.leftovers()).toEqual([]);
  });
});

describe('SSH connections the media server drops or refuses', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  const app = 'busy';

  beforeAll(async () => {
    // A media server that takes one unauthenticated connection at a time and drops the others.
    [ws, sshd] = await Promise.all([
      createWorkspace(),
      startSshd({ extraConfig: ['MaxStartups 1:100:1'], logLevel: 'INFO' }),
    ]);
    writeMediaFiles(join(ws.appsDir, app, 'files'), 3);
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  /** Opens a connection that sshd counts as starting up (it sent its banner) and holds it. */
  async function holdStartupSlot(): Promise<Socket> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const socket = connect(sshd.port, '127.0.0.1');
      const banner = await new Promise<boolean>((resolveBanner) => {
        socket.once('data', (chunk: Buffer) => resolveBanner(chunk.toString().startsWith('SSH-')));
        socket.once('close', () => resolveBanner(false));
        socket.once('error', () => resolveBanner(false));
      });
      if (banner) return socket;
      socket.destroy();
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('sshd never accepted the holding connection');
  }

  it('a connection dropped past MaxStartups is retried with backoff, and the archive arrives', async () => {
    const held = await holdStartupSlot();
    try {
      const agent = startAgent(backupArgs(app, 'none', 'static'), {
        ...ws.env,
        ...sshd.env,
        BACKOPPER_MEDIA_DIR: 'files',
      });
      let stdout = '';
      let exited = false;
      agent.child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      agent.child.once('exit', () => (exited = true));
      // sshd logs only its first drop; the agent's own line says when its first attempt was dropped.
      await waitFor('the first attempt to be dropped', async () => stdout.includes('retrying') || exited);
      held.destroy();
      const run = await agent.finished;
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.report.steps.transfer.status).toBe('succeeded');
      expect(run.report.steps.transfer.attempts).toBeGreaterThanOrEqual(2);
      expect(run.report.steps.transfer.attempts).toBeLessThanOrEqual(3);
      expect(run.stdout).toMatch(
        /transfer +attempt 1 of 3 failed \(sftp exited with status 255: kex_exchange_identification: .*\); retrying in \d+(\.\d)? s/,
      );
      const remotePath = run.report.steps.transfer.path.slice(run.report.steps.transfer.path.indexOf(':') + 1);
      expect(sha256(readFileSync(remotePath))).toBe(run.report.steps.transfer.sha256);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      held.destroy();
    }
  });

  it.each([
    [
      'an unknown host key',
      () => ({ BACKOPPER_MEDIA_KNOWN_HOSTS: sshd.wrongKnownHostsFile }),
      /Host key verification failed/,
    ],
    [
      'a key the server refuses',
      () => ({ BACKOPPER_MEDIA_IDENTITY: sshd.knownHostsFile.replace(/known_hosts$/, 'other_host_key') }),
      /Permission denied/,
    ],
  ])('%s is not retried: one attempt, the transfer fails at once', async (_, settings, error) => {
    const run = await runAgent(backupArgs(app, 'none', 'static'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_DIR: 'files',
      ...settings(),
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.transfer).toMatchObject({ status: 'failed', attempts: 1 });
    expect(run.report.steps.transfer.error).toMatch(error);
    expect(run.stdout).not.toContain('retrying');
    expect(
      readdirSync(join(sshd.remoteRoot, app, 'live')).filter((name) => name.includes(String(run.report.timestamp))),
    ).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });
});
