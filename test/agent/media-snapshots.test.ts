import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
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
    const unchanged = readdirSync(media())
      .sort()
      .filter((name) => name !== changed && name !== 'added.jpg');
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
    expect(runs[1]!.stdout).toMatch(/transfer {2}succeeded/);
  });

  const restore = (snapshot: string, extra: string[]) =>
    runAgent(['restore-media', '--app', app, '--environment', 'live', '--snapshot', snapshot, ...extra], env(ws, sshd));
  const restoredFolders = () => readdirSync(join(ws.appsDir, app)).filter((name) => name.startsWith('files.restored-'));

  it('restores a whole snapshot beside the live folder, checked against the manifest, leaving the live folder alone', async () => {
    const first = runs[0]!.report.steps;
    const liveBefore = readdirSync(media()).sort();
    const run = await restore(first.transfer.path, [
      '--manifest-files',
      String(first.media.manifest.files),
      '--manifest-bytes',
      String(first.media.manifest.bytes),
    ]);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.restored).toMatch(/files\.restored-\d+$/);
    expect(readdirSync(run.report.restored).sort()).toEqual(readdirSync(snapshotPath(runs[0]!)).sort());
    expect(
      readFileSync(join(run.report.restored, 'photo-0.jpg')).equals(
        readFileSync(join(snapshotPath(runs[0]!), 'photo-0.jpg')),
      ),
    ).toBe(true);
    expect(readdirSync(media()).sort()).toEqual(liveBefore);
    rmSync(run.report.restored, { recursive: true });
  });

  it('restores one file of a snapshot at its place in a new folder', async () => {
    const run = await restore(snapshotPath(runs[0]!).split('/').pop()!, ['--path', 'photo-1.jpg']);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.path).toBe(join(run.report.restored, 'photo-1.jpg'));
    expect(readdirSync(run.report.restored)).toEqual(['photo-1.jpg']);
    expect(readFileSync(run.report.path).equals(readFileSync(join(snapshotPath(runs[0]!), 'photo-1.jpg')))).toBe(true);
    rmSync(run.report.restored, { recursive: true });
  });

  it('refuses a snapshot that does not match its manifest and keeps nothing of it', async () => {
    const run = await restore(runs[1]!.report.steps.transfer.path, ['--manifest-files', '99', '--manifest-bytes', '1']);
    expect(run.exitCode).toBe(1);
    expect(run.report.error).toMatch(
      /holds 6 files, 100020 bytes; the run record's manifest says 99 files, 1 bytes: not restoring it$/,
    );
    expect(restoredFolders()).toEqual([]);
    expect(readdirSync(join(ws.appsDir, app)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses half a manifest (files without bytes), before touching anything', async () => {
    const run = await restore(runs[1]!.report.steps.transfer.path, ['--manifest-files', '6']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr + run.stdout).toContain('--manifest-files and --manifest-bytes go together');
    expect(restoredFolders()).toEqual([]);
  });

  it('refuses a --path that climbs out of the media folder, before touching anything', async () => {
    const run = await restore(snapshotPath(runs[0]!).split('/').pop()!, ['--path', '../../etc/passwd']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr + run.stdout).toContain(
      '--path "../../etc/passwd" is not a relative path inside the media folder',
    );
  });
});
