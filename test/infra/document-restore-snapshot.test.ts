import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTORE_MEDIA_DOCUMENT_NAME } from '../../common/names';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { startSnapshotServer } from '../services/media-gate';
import type { LocalSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';
import {
  type DocumentContent,
  documentParameters,
  localStackDocument,
  MEDIA_KEY_PARAMETER,
  runDocument,
  writeFakeAwsCli,
} from './document-runner';
import { AGENT_FILE } from './synth';

describe('the synthesized media restore document restores a snapshot (real agent, loopback sshd behind the gate)', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  let content: DocumentContent;
  let env: Record<string, string | undefined>;
  let backup: AgentRun;
  const app = 'gallery';
  const uploads = () => join(ws.appsDir, app, 'public', 'wp-content', 'uploads');
  const result = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  // As `backopper restore --media` sends them for the snapshot the run record names.
  const snapshotParameters = (extra: Record<string, string> = {}) => ({
    app,
    environment: 'live',
    snapshot: backup.report.steps.transfer.path,
    manifestFiles: String(backup.report.steps.transfer.manifest.files),
    manifestBytes: String(backup.report.steps.transfer.manifest.bytes),
    ...extra,
  });

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSnapshotServer()]);
    mkdirSync(join(uploads(), '2026', '12'), { recursive: true });
    for (let i = 0; i < 5; i++)
      writeFileSync(join(uploads(), '2026', '12', `photo-${i}.jpg`), `photo ${i}\n`.repeat(50));
    writeFileSync(join(uploads(), 'logo.png'), 'logo\n');
    backup = await runAgent(backupArgs(app, 'none', 'wordpress'), { ...ws.env, ...sshd.env });
    if (backup.exitCode !== 0) throw new Error(backup.stdout);
    content = localStackDocument({
      ws,
      bucket: 'unused',
      sshd,
      media: { identityParameter: MEDIA_KEY_PARAMETER },
      document: RESTORE_MEDIA_DOCUMENT_NAME,
      mediaPath: sshd.remoteRoot,
    });
    env = {
      PATH: `${writeFakeAwsCli(ws.root, sshd.identityFile)}:${process.env.PATH}`,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      TMPDIR: ws.env.TMPDIR,
    };
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  it('restores the whole snapshot beside the live folder, checked against its manifest', async () => {
    const liveBefore = readdirSync(uploads(), { recursive: true }).sort();
    const run = await runDocument({ content, parameters: snapshotParameters(), agentBundle: AGENT_FILE, env });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`restoring snapshot ${backup.report.steps.transfer.path} of ${app} (live)`);
    const restored = result(run.stdout);
    expect(restored).toMatchObject({ status: 'succeeded', live: uploads(), path: restored.restored });
    expect(readdirSync(restored.restored, { recursive: true }).sort()).toEqual(liveBefore);
    expect(readdirSync(uploads(), { recursive: true }).sort()).toEqual(liveBefore);
    rmSync(restored.restored, { recursive: true });
    expect(readdirSync(join(ws.env.TMPDIR!, 'backopper-document'))).toEqual([]);
  });

  it('restores one file of the snapshot at its place', async () => {
    const run = await runDocument({
      content,
      parameters: snapshotParameters({ path: '2026/12/photo-3.jpg' }),
      agentBundle: AGENT_FILE,
      env,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const restored = result(run.stdout);
    expect(restored.path).toBe(join(restored.restored, '2026', '12', 'photo-3.jpg'));
    expect(readFileSync(restored.path, 'utf8')).toBe('photo 3\n'.repeat(50));
    expect(readdirSync(restored.restored, { recursive: true }).sort()).toEqual([
      '2026',
      '2026/12',
      '2026/12/photo-3.jpg',
    ]);
    rmSync(restored.restored, { recursive: true });
  });

  it('refuses a snapshot whose manifest does not match, keeping nothing of it', async () => {
    const run = await runDocument({
      content,
      parameters: snapshotParameters({ manifestFiles: '7' }),
      agentBundle: AGENT_FILE,
      env,
    });
    expect(run.exitCode).toBe(1);
    expect(result(run.stdout).error).toMatch(/the run record's manifest says 7 files/);
    expect(readdirSync(join(ws.appsDir, app, 'public', 'wp-content')).sort()).toEqual(['uploads']);
  });

  it('a --path ../x, a path with shell words or a snapshot outside its folder is refused by the patterns before anything runs', async () => {
    for (const [name, value] of [
      ['path', '../x'],
      ['path', '2026/../../../etc/passwd'],
      ['path', '/etc/passwd'],
      ['path', 'x";id;"'],
      ['path', '$(id)'],
      ['snapshot', `${sshd.host}:/etc/../root/snapshots/a@live/1765000000_0a1b2c3d`],
      ['snapshot', `${sshd.host}:/srv/x y/snapshots/a@live/1765000000_0a1b2c3d`],
      ['manifestFiles', '1;id'],
    ] as const) {
      const parameters = snapshotParameters({ [name]: value });
      expect(() => documentParameters(content, parameters), `${name}=${value}`).toThrow(/does not match/);
      await expect(runDocument({ content, parameters, agentBundle: AGENT_FILE, env })).rejects.toThrow(
        /does not match/,
      );
    }
    // Only the three restores above fetched the media key: nothing ran for the refused parameters.
    expect(readFileSync(join(ws.root, 'aws-calls.log'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it("refuses another app's snapshot (the pattern lets it through; the agent checks the app's folder), restoring nothing", async () => {
    const other = (backup.report.steps.transfer.path as string).replace(`/${app}@live/`, '/other-shop@live/');
    const run = await runDocument({
      content,
      parameters: snapshotParameters({ snapshot: other }),
      agentBundle: AGENT_FILE,
      env,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stdout + run.stderr).toContain(`is not in this app's snapshot folder`);
    expect(readdirSync(join(ws.appsDir, app, 'public', 'wp-content')).sort()).toEqual(['uploads']);
  });

  it('the script refuses an archive and a snapshot together, or neither, before the agent runs', async () => {
    const both = await runDocument({
      content,
      parameters: snapshotParameters({ sha256: 'ab'.repeat(32) }),
      agentBundle: AGENT_FILE,
      env,
    });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/give archive and sha256, or snapshot .*not both and not neither/);
    const neither = await runDocument({
      content,
      parameters: { app, environment: 'live' },
      agentBundle: AGENT_FILE,
      env,
    });
    expect(neither.exitCode).toBe(2);
    const half = await runDocument({
      content,
      parameters: snapshotParameters({ manifestBytes: '' }),
      agentBundle: AGENT_FILE,
      env,
    });
    expect(half.exitCode).toBe(2);
    expect(half.stderr).toMatch(/manifestFiles and manifestBytes go together/);
  });
});
