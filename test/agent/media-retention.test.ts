import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostId } from '../../agent/process/process-identity';
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
    const taken = `media_${clockMs / 1000}_${hostId()}.tar.gz`;
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
