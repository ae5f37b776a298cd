import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, FAULT_BIN, killGroup, runAgent, startAgent } from '../services/agent';
import { waitFor } from '../services/exec';
import { writeMediaFiles } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

/** Every file under `dir`, relative, with its contents. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files[join(entry.parentPath, entry.name).slice(dir.length + 1)] = readFileSync(
        join(entry.parentPath, entry.name),
        'base64',
      );
  }
  return files;
}

describe('restore-media: a media archive put back beside the live folder (real sshd and tar)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  let backup: AgentRun;
  let before: Record<string, string>;
  const app = 'photos';
  const live = () => join(ws.appsDir, app, 'public', 'wp-content', 'uploads');
  const restoreArgs = (archive: string, sha256: string) => [
    'restore-media',
    '--app',
    app,
    '--environment',
    'live',
    '--project-type',
    'wordpress',
    '--archive',
    archive,
    '--sha256',
    sha256,
  ];
  const env = () => ({ ...ws.env, ...sshd.env });

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    writeMediaFiles(live(), 5);
    before = snapshot(live());
    backup = await runAgent(backupArgs(app, 'none', 'wordpress'), env());
    // The site changes after the backup: a file is added, one is deleted.
    writeFileSync(join(live(), 'after-backup.txt'), 'new\n');
    unlinkSync(join(live(), 'image-1.jpg'));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it('fetches the archive the run record names, checks its sha256, extracts it into a new folder, and leaves the live one alone', async () => {
    expect(backup.exitCode).toBe(0);
    const liveNow = snapshot(live());
    const run = await runAgent(
      restoreArgs(backup.report.steps.transfer.path, backup.report.steps.transfer.sha256),
      env(),
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report).toMatchObject({
      status: 'succeeded',
      app,
      archive: backup.report.steps.transfer.path,
      sha256: backup.report.steps.transfer.sha256,
      live: live(),
    });
    expect(run.report.restored).toMatch(new RegExp(`^${live()}\\.restored-\\d+$`));
    expect(snapshot(run.report.restored)).toEqual(before);
    expect(snapshot(live())).toEqual(liveNow);
    expect(run.report.swap).toEqual([
      `mv ${live()} ${live()}.before-${run.report.restored.split('-').pop()}`,
      `mv ${run.report.restored} ${live()}`,
    ]);
    expect(readdirSync(join(live(), '..')).sort()).toEqual([
      'uploads',
      `uploads.restored-${run.report.restored.split('-').pop()}`,
    ]);
    expect(ws.leftovers()).toEqual([]);
    rmSync(run.report.restored, { recursive: true });
  });

  it('refuses an archive whose sha256 is not the recorded one: no folder, no download left', async () => {
    const name = backup.report.steps.transfer.path.split('/').pop();
    const run = await runAgent(restoreArgs(name, 'a'.repeat(64)), env());
    expect(run.exitCode).toBe(1);
    expect(run.report.status).toBe('failed');
    expect(run.report.error).toContain(
      `the run record says ${'a'.repeat(64)}: not restoring it (the download was deleted)`,
    );
    expect(readdirSync(join(live(), '..'))).toEqual(['uploads']);
    expect(ws.leftovers()).toEqual([]);
  });

  it('refuses names that are not our archives, or outside the app folder, before connecting', async () => {
    for (const archive of ['notes.txt', '/etc/media_1700000000.tar.gz', 'media_1700000000.tar.gz;rm']) {
      const run = await runAgent(restoreArgs(archive, 'a'.repeat(64)), env());
      expect(run.exitCode, archive).toBe(2);
      expect(run.report.status).toBe('invalid');
    }
    expect(existsSync(join(live(), '..', 'uploads'))).toBe(true);
  });
});

describe('restore-media in the disaster, and after a restore killed mid-way (real sshd, tar, SIGKILL)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  let backup: AgentRun;
  let before: Record<string, string>;
  const app = 'gone';
  const live = () => join(ws.appsDir, app, 'wp-content', 'uploads');
  const env = () => ({ ...ws.env, ...sshd.env });
  const restore = () => [
    'restore-media',
    '--app',
    app,
    '--environment',
    'live',
    '--project-type',
    'wordpress',
    '--archive',
    backup.report.steps.transfer.path,
    '--sha256',
    backup.report.steps.transfer.sha256,
  ];
  /** Starts a restore whose tar is killed (with its whole process group) once the files are in the staging folder. */
  async function killRestoreMidway(): Promise<string> {
    const agent = startAgent(
      restore(),
      { ...env(), PATH: `${FAULT_BIN}:${process.env.PATH}`, FAKE_TAR_MODE: 'slow-extract' },
      { detached: true },
    );
    const staging = await waitFor(
      'the archive extracted into the staging folder',
      async () => {
        const name = readdirSync(join(ws.appsDir, app, 'wp-content')).find((entry) =>
          entry.startsWith('.uploads.restoring-'),
        );
        const path = name && join(ws.appsDir, app, 'wp-content', name);
        return path && existsSync(join(path, 'uploads')) ? path : undefined;
      },
      60_000,
    );
    await killGroup(agent);
    expect(existsSync(staging)).toBe(true);
    return staging;
  }

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    writeMediaFiles(live(), 4);
    before = snapshot(live());
    backup = await runAgent(backupArgs(app, 'none', 'wordpress'), env());
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it('restores into the configured place when the live uploads folder was deleted', async () => {
    expect(backup.exitCode, backup.stdout).toBe(0);
    rmSync(live(), { recursive: true });
    const run = await runAgent(restore(), env());
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report).toMatchObject({ status: 'succeeded', restored: live(), live: live(), swap: [] });
    expect(snapshot(live())).toEqual(before);
    expect(readdirSync(join(ws.appsDir, app, 'wp-content'))).toEqual(['uploads']);
    expect(ws.leftovers()).toEqual([]);
  });

  it("the next restore removes a killed restore's staging folder, says so in cleaned, and restores", async () => {
    const staging = await killRestoreMidway();
    const run = await runAgent(restore(), env());
    expect(run.exitCode, run.stdout).toBe(0);
    // The killed restore's download (in the temporary folder) and its staging folder.
    expect(run.report.cleaned).toEqual([
      expect.stringMatching(new RegExp(`^${ws.tmpDir}/backopper-gone\\.\\d+-\\w{6}$`)),
      staging,
    ]);
    expect(existsSync(staging)).toBe(false);
    expect(ws.leftovers()).toEqual([]);
    expect(snapshot(run.report.restored)).toEqual(before);
    rmSync(run.report.restored, { recursive: true });
  });

  it("the next backup removes a killed restore's staging folder and says so in cleaned", async () => {
    const staging = await killRestoreMidway();
    const run = await runAgent(backupArgs(app, 'none', 'wordpress'), env());
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.cleaned).toEqual([
      expect.stringMatching(new RegExp(`^${ws.tmpDir}/backopper-gone\\.\\d+-\\w{6}$`)),
      staging,
    ]);
    expect(ws.leftovers()).toEqual([]);
    expect(readdirSync(join(ws.appsDir, app, 'wp-content'))).toEqual(['uploads']);
    expect(snapshot(live())).toEqual(before);
  });

  it('leaves the staging folder of a restore that is still running', async () => {
    const agent = startAgent(
      restore(),
      { ...env(), PATH: `${FAULT_BIN}:${process.env.PATH}`, FAKE_TAR_MODE: 'slow-extract' },
      { detached: true },
    );
    try {
      const staging = await waitFor(
        'the staging folder',
        async () => {
          const name = readdirSync(join(ws.appsDir, app, 'wp-content')).find((entry) =>
            entry.startsWith('.uploads.restoring-'),
          );
          return name && existsSync(join(ws.appsDir, app, 'wp-content', name, 'uploads')) ? name : undefined;
        },
        60_000,
      );
      const run = await runAgent(backupArgs(app, 'none', 'wordpress'), env());
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.report.cleaned ?? []).toEqual([]);
      expect(readdirSync(join(ws.appsDir, app, 'wp-content'))).toContain(staging);
    } finally {
      await killGroup(agent);
    }
  });
});
