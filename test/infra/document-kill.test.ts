import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_BIN } from '../services/agent';
import { waitFor } from '../services/exec';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';
import { type DocumentContent, localStackDocument, runDocument, writeFakeAwsCli } from './document-runner';
import { AGENT_FILE } from './synth';

/** Every file under `dir` (recursively) whose text contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && readFileSync(full).includes(needle)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

/** `pid start-time boot-id`, as the run step records the shell that owns a work folder. */
function ownerLine(pid: number): string {
  const startTime = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
  return `${pid} ${startTime} ${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}\n`;
}

/**
 * SSM's execution timeout SIGKILLs the run step's whole process group: the shell's EXIT trap never
 * runs, so the copy of the media server's private key it fetched stays on disk until someone removes it.
 */
describe('the backup document killed with SIGKILL mid-run, and the run after it', () => {
  let s3: LocalS3;
  let sshd: LocalSshd;
  let ws: Workspace;
  let db: MysqlDatabase;
  let content: DocumentContent;
  let env: Record<string, string | undefined>;
  let sleeper: ChildProcess;
  const app = 'timed-out';
  const parameters = { app, environment: 'live', engine: 'mysql', projectType: 'wordpress' };
  const tmp = () => ws.env.TMPDIR!;
  const workFolders = () => join(tmp(), 'backopper-document');

  beforeAll(async () => {
    [s3, sshd, ws, db] = await Promise.all([startStrictS3(), startSshd(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
    writeWordpressApp(ws.appsDir, app, db);
    content = localStackDocument({
      ws,
      bucket: s3.bucket,
      sshd,
      media: { identityParameter: '/backopper/test-media-key' },
    });
    const bin = writeFakeAwsCli(ws.root, sshd.identityFile);
    env = { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, LANG: 'C.UTF-8', TMPDIR: tmp(), ...s3.env };
    sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  });
  afterAll(async () => {
    sleeper?.kill();
    await Promise.all([s3?.stop(), sshd?.stop(), ws?.remove(), db?.drop()]);
  });

  it('leaves the key only in its private work folder, which the next run removes (and only folders whose shell is gone)', async () => {
    const key = readFileSync(sshd.identityFile, 'utf8').split('\n')[1]!;
    let shell: ChildProcess | undefined;
    const killed = runDocument({
      content,
      parameters,
      agentBundle: AGENT_FILE,
      env: { ...env, PATH: `${FAULT_BIN}:${env.PATH}`, FAKE_DUMP_MODE: 'slow' },
      spawnOptions: { detached: true, onSpawn: (child) => (shell = child) },
    });
    const backupDir = join(ws.backupsDir, app);
    await waitFor(
      'the dump to be under way',
      async () => existsSync(backupDir) && readdirSync(backupDir).some((name) => name.endsWith('.partial')),
      30_000,
    );
    process.kill(-shell!.pid!, 'SIGKILL');
    expect((await killed).exitCode).toBe(null);

    const copies = filesContaining(tmp(), key);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(new RegExp(`^${workFolders()}/${shell!.pid}\\.[A-Za-z0-9]{6}/media-key$`));
    expect(statSync(workFolders()).mode & 0o777).toBe(0o700);
    expect(statSync(copies[0]!).mode & 0o077).toBe(0);

    // Beside it: a folder whose shell still runs (not to be touched) and one whose shell is gone.
    const live = join(workFolders(), `${sleeper.pid}.AbCdEf`);
    mkdirSync(live);
    writeFileSync(join(live, 'owner'), ownerLine(sleeper.pid!));
    const reused = join(workFolders(), `${sleeper.pid}.ReUsEd`);
    mkdirSync(reused);
    writeFileSync(
      join(reused, 'owner'),
      ownerLine(sleeper.pid!).replace(/^(\d+) (\d+)/, (_, pid: string, start: string) => `${pid} ${Number(start) + 1}`),
    );

    const next = await runDocument({ content, parameters, agentBundle: AGENT_FILE, env });
    expect(next.exitCode, next.stdout).toBe(0);
    const report = JSON.parse(next.stdout.trim().split('\n').at(-1)!);
    expect(report.status).toBe('succeeded');
    expect(report.cleaned).toEqual(expect.arrayContaining([expect.stringMatching(/\.partial$/)]));
    expect(filesContaining(tmp(), key)).toEqual([]);
    expect(readdirSync(workFolders())).toEqual([`${sleeper.pid}.AbCdEf`]);
  });
});
