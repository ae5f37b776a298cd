import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { startSnapshotServer } from '../services/media-gate';
import { randomBytes } from 'node:crypto';
import type { LocalSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const app = 'gallery';
const env = (ws: Workspace, sshd: LocalSshd, extra: Record<string, string> = {}) => ({
  ...ws.env,
  ...sshd.env,
  BACKOPPER_MEDIA_DIR: 'files',
  ...extra,
});

describe('media snapshots with rsync --link-dest (real sshd, rsync and rrsync behind the gate)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  const runs: AgentRun[] = [];
  const media = () => join(ws.appsDir, app, 'files');
  const folder = () => join(sshd.remoteRoot, 'snapshots', `${app}@live`);
  const snapshotPath = (run: AgentRun) => run.report.steps.transfer.path.split(':').pop() as string;

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSnapshotServer()]);
    mkdirSync(media(), { recursive: true });
    for (let i = 0; i < 6; i += 1) writeFileSync(join(media(), `photo-${i}.jpg`), randomBytes(20_000));
    runs.push(await runAgent(backupArgs(app, 'none', 'static'), env(ws, sshd)));
    // The site changes: one file added, one changed, one deleted.
    writeFileSync(join(media(), 'added.jpg'), 'a new upload\n');
    appendFileSync(join(media(), 'photo-0.jpg'), 'edited\n');
    unlinkSync(join(media(), 'photo-1.jpg'));
    runs.push(await runAgent(backupArgs(app, 'none', 'static'), env(ws, sshd)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it('writes one complete snapshot per run, each holding the folder as it was then', () => {
    for (const run of runs) expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const names = readdirSync(folder()).sort();
    expect(names).toEqual(runs.map((run) => snapshotPath(run).split('/').pop()).sort());
    expect(readdirSync(snapshotPath(runs[1]!)).sort()).toEqual(readdirSync(media()).sort());
    expect(readdirSync(snapshotPath(runs[0]!))).not.toContain('added.jpg');
    for (const name of readdirSync(media()))
      expect(readFileSync(join(snapshotPath(runs[1]!), name)).equals(readFileSync(join(media(), name)))).toBe(true);
  });

  it('links unchanged files to the previous snapshot (same inode) and copies changed ones', () => {
    const [first, second] = runs.map(snapshotPath) as [string, string];
    const changed = 'photo-0.jpg';
    const unchanged = readdirSync(media()).sort().filter((name) => name !== changed && name !== 'added.jpg');
    expect(unchanged.length).toBeGreaterThan(2);
    for (const name of unchanged) expect(statSync(join(second, name)).ino).toBe(statSync(join(first, name)).ino);
    expect(statSync(join(second, changed)).ino).not.toBe(statSync(join(first, changed)).ino);
    expect(readFileSync(join(first, changed), 'utf8')).not.toContain('edited');
    expect(runs[1]!.report.steps.transfer.linkedFrom).toBe(snapshotPath(runs[0]!).split('/').pop());
  });

  it('reports files, bytes in the snapshot, bytes sent and a manifest; the second run sends far less', () => {
    const [first, second] = runs.map((run) => run.report.steps) as [any, any];
    expect(first.media).toMatchObject({ status: 'succeeded', files: 6, bytes: 120_000 });
    expect(first.media.manifest).toEqual({ files: 6, bytes: 120_000 });
    expect(second.media.manifest).toEqual({ files: 6, bytes: 120_000 + 7 + 13 - 20_000 });
    expect(first.transfer.bytesSent).toBeGreaterThan(120_000);
    expect(second.transfer.bytesSent).toBeLessThan(20_000 + 5_000);
    expect(runs[1]!.stdout).toMatch(/transfer  succeeded/);
  });
});
