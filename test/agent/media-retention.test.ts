import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostId } from '../../agent/process/process-identity';
import { formatMediaArchiveName } from '../../common/media-archive';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { writeMediaFiles } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const FIXED_CLOCK = resolve(__dirname, '../fixtures/fixed-clock.cjs');

describe('media server retention (real sshd)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  const app = 'gallery';
  const remoteDir = () => join(sshd.remoteRoot, app, 'live');
  // What is not ours to delete: another server's archive of the same app, files of other naming.
  const foreign = ['media_1500000000_deadbeef.tar.gz', 'media_1500000000.tar.gz.bak', 'notes.txt', '.keep'];
  const runs: AgentRun[] = [];

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    writeMediaFiles(join(ws.appsDir, app, 'files'), 3);
    mkdirSync(remoteDir(), { recursive: true });
    for (const name of foreign) writeFileSync(join(remoteDir(), name), 'not yours\n');
    // An archive of the older naming (no host id) from this server: ours, the oldest.
    writeFileSync(join(remoteDir(), 'media_1500000001.tar.gz'), 'old naming\n');
    for (let i = 0; i < 7; i += 1)
      runs.push(
        await runAgent(backupArgs(app, 'none', 'static'), {
          ...ws.env,
          ...sshd.env,
          BACKOPPER_MEDIA_DIR: 'files',
          BACKOPPER_MEDIA_KEEP: '3',
        }),
      );
  }, 240_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  const nameOf = (run: AgentRun) => run.report.steps.transfer.path.split('/').pop() as string;

  it('seven runs with BACKOPPER_MEDIA_KEEP=3 leave exactly the three newest archives and every foreign file', () => {
    for (const run of runs) expect(run.exitCode, run.stdout).toBe(0);
    expect(readdirSync(remoteDir()).sort()).toEqual([...foreign, ...runs.slice(4).map(nameOf)].sort());
  });

  it('each run reports the remote files it deleted, as host:path, and only after its own transfer', () => {
    const deleted = runs.map((run) => run.report.steps.mediaRetention.deleted);
    const at = (name: string) => `127.0.0.1:${join(remoteDir(), name)}`;
    expect(deleted).toEqual([
      [],
      [],
      [at('media_1500000001.tar.gz')],
      [at(nameOf(runs[0]!))],
      [at(nameOf(runs[1]!))],
      [at(nameOf(runs[2]!))],
      [at(nameOf(runs[3]!))],
    ]);
    expect(runs[6]!.stdout).toContain(`mediaRetention succeeded`);
  });

  it('a run whose transfer failed deletes nothing', async () => {
    // The next run's final name is taken (a rebuilt server with the same clock second): the transfer fails.
    const clockMs = (runs[6]!.report.timestamp + 3600) * 1000;
    const taken = formatMediaArchiveName({ app, environment: 'live', timestamp: clockMs / 1000, hostId: hostId() });
    writeFileSync(join(remoteDir(), taken), 'already here\n');
    const before = readdirSync(remoteDir()).sort();
    const failed = await runAgent(backupArgs(app, 'none', 'static'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_DIR: 'files',
      BACKOPPER_MEDIA_KEEP: '1',
      NODE_OPTIONS: `--require=${FIXED_CLOCK}`,
      BACKOPPER_TEST_CLOCK_MS: String(clockMs),
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.report.steps.transfer.status).toBe('failed');
    expect(failed.report.steps.mediaRetention).toMatchObject({ status: 'skipped', reason: 'the transfer failed' });
    expect(readdirSync(remoteDir()).sort()).toEqual(before);
  });
});

describe('two apps sharing one flat media folder (media.path without {app}), real sshd', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  const flat = () => join(sshd.remoteRoot, 'flat');
  // Archives of earlier versions: their names do not say whose they are, and this folder is no one app's.
  const earlier = () => ['media_1500000000.tar.gz', `media_1500000001_${hostId()}.tar.gz`];
  const runs: { app: string; run: AgentRun }[] = [];
  const runApp = (app: string, extra: Record<string, string> = {}) =>
    runAgent(backupArgs(app, 'none', 'static'), {
      ...ws.env,
      ...sshd.env,
      BACKOPPER_MEDIA_PATH: flat(),
      BACKOPPER_MEDIA_DIR: 'files',
      BACKOPPER_MEDIA_KEEP: '2',
      ...extra,
    });

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    for (const app of ['shop', 'blog']) writeMediaFiles(join(ws.appsDir, app, 'files'), 2);
    mkdirSync(flat(), { recursive: true });
    for (const name of earlier()) writeFileSync(join(flat(), name), 'made before archive names said whose\n');
    for (let i = 0; i < 6; i += 1) {
      const app = i % 2 === 0 ? 'shop' : 'blog';
      runs.push({ app, run: await runApp(app) });
    }
  }, 240_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  const nameOf = (run: AgentRun) => run.report.steps.transfer.path.split('/').pop() as string;

  it("each app keeps its own newest two and never deletes the other's or a name that does not say whose", () => {
    for (const { run } of runs) expect(run.exitCode, run.stdout).toBe(0);
    const newest = (app: string) => runs.filter((entry) => entry.app === app).slice(-2);
    expect(readdirSync(flat()).sort()).toEqual(
      [...earlier(), ...[...newest('shop'), ...newest('blog')].map((entry) => nameOf(entry.run))].sort(),
    );
    for (const { app, run } of runs) {
      for (const deleted of run.report.steps.mediaRetention.deleted as string[])
        expect(deleted.split('/').pop()).toMatch(new RegExp(`^${app}\\+live\\+media_\\d+_${hostId()}\\.tar\\.gz$`));
    }
    expect(runs[4]!.run.report.steps.mediaRetention.deleted).toEqual([
      `127.0.0.1:${join(flat(), nameOf(runs[0]!.run))}`,
    ]);
  });

  it('an archive dated after now (a clock that lies) stops the pruning: nothing deleted, the report names the file', async () => {
    const ahead = formatMediaArchiveName({
      app: 'shop',
      environment: 'live',
      timestamp: Math.floor(Date.now() / 1000) + 400 * 86_400,
      hostId: hostId(),
    });
    writeFileSync(join(flat(), ahead), 'named by a clock 400 days ahead\n');
    const before = readdirSync(flat());
    const run = await runApp('shop', { BACKOPPER_MEDIA_KEEP: '1' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.steps.mediaRetention.deleted).toEqual([]);
    expect(run.report.steps.mediaRetention.warning).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${join(flat(), ahead).replace(/[.+]/g, '\\$&')} is dated .*: the clock is wrong now or was when it was named, so nothing was deleted`,
      ),
    );
    expect(readdirSync(flat()).sort()).toEqual([...before, nameOf(run)].sort());
  });
});
