import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, FAULT_BIN, killGroup, runAgent, startAgent } from '../services/agent';
import { waitFor } from '../services/exec';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { writeMediaFiles, writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { type StallingProxy, startStallingProxy } from '../services/stalling-proxy';
import { createWorkspace, type Workspace } from '../services/workspace';

/** Every file under `dir` (recursively, except in `skip`) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string, skip: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (full === skip) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && readFileSync(full).includes(needle)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

/**
 * SSM's execution timeout (and an operator's kill -9) SIGKILLs the agent's whole process group: no
 * handler runs. What such a run leaves must hold no credential, and the next run must clean the rest.
 */
describe('a run killed with SIGKILL, and the run after it', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  let db: MysqlDatabase;
  const app = 'killed';
  let env: Record<string, string>;
  const backupDir = () => join(ws.backupsDir, app);
  // The password's tail (plain letters and digits) appears verbatim however a file quotes or escapes it;
  // only the app's own .env (in the apps folder) may hold it.
  const passwordTail = () => db.password.slice(-7);

  beforeAll(async () => {
    [ws, sshd, db] = await Promise.all([createWorkspace(), startSshd(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
    writeWordpressApp(ws.appsDir, app, db);
    env = { ...ws.env, ...sshd.env };
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop(), db?.drop()]);
  });

  it('mid-dump: no file anywhere holds the database password; the next run removes the partial dump and the dead lock, and says so', async () => {
    const agent = startAgent(
      backupArgs(app, 'mysql', 'wordpress'),
      { ...env, PATH: `${FAULT_BIN}:${process.env.PATH}`, FAKE_DUMP_MODE: 'slow' },
      { detached: true },
    );
    await waitFor(
      'the dump to be under way',
      async () => existsSync(backupDir()) && readdirSync(backupDir()).find((name) => name.endsWith('.partial')),
    );
    const killed = await killGroup(agent);
    expect(killed.exitCode).toBe(null);

    expect(filesContaining(ws.root, passwordTail(), ws.appsDir)).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
    const partial = readdirSync(backupDir()).find((name) => name.endsWith('.partial'))!;
    expect(readdirSync(backupDir())).toContain('.backopper.lock');

    const next = await runAgent(backupArgs(app, 'mysql', 'wordpress'), env);
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.report.cleaned).toEqual([
      `${join(backupDir(), '.backopper.lock')} (pid ${agent.child.pid}, no longer running)`,
      join(backupDir(), partial),
    ]);
    expect(next.stdout).toContain(`cleaned   ${join(backupDir(), partial)}`);
    expect(
      readdirSync(backupDir()).filter((name) => name.endsWith('.partial') || name.startsWith('.backopper.lock')),
    ).toEqual([]);
    expect(ws.backupFiles(app)).toEqual([`${next.report.timestamp}.sql.gz`]);
    expect(filesContaining(ws.root, passwordTail(), ws.appsDir)).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });

  it("mid-archive: the next run removes the dead run's temporary archive, and only that", async () => {
    const agent = startAgent(
      backupArgs(app, 'none', 'wordpress'),
      { ...env, PATH: `${FAULT_BIN}:${process.env.PATH}`, FAKE_TAR_MODE: 'slow' },
      { detached: true },
    );
    const archive = await waitFor('the archive to be written', async () => {
      const dir = readdirSync(ws.tmpDir)[0];
      const file = dir && readdirSync(join(ws.tmpDir, dir))[0];
      return file && statSync(join(ws.tmpDir, dir, file)).size > 0 ? join(ws.tmpDir, dir) : undefined;
    });
    await killGroup(agent);
    expect(ws.leftovers()).toEqual([archive.slice(ws.tmpDir.length + 1)]);

    const next = await runAgent(backupArgs(app, 'none', 'wordpress'), env);
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.report.cleaned).toEqual([
      `${join(backupDir(), '.backopper.lock')} (pid ${agent.child.pid}, no longer running)`,
      archive,
    ]);
    expect(ws.leftovers()).toEqual([]);
  });

  describe('mid-transfer', () => {
    let proxy: StallingProxy;
    beforeAll(async () => {
      proxy = await startStallingProxy(sshd.port);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it("the next run removes the dead run's .part on the media server and says so", async () => {
      writeMediaFiles(join(ws.appsDir, app, 'public', 'wp-content', 'uploads', 'big'), 8, 256 * 1024);
      const viaProxy = {
        ...env,
        BACKOPPER_MEDIA_PORT: String(proxy.port),
        BACKOPPER_MEDIA_KNOWN_HOSTS: await sshd.knownHostsFor(proxy.port),
      };
      const remoteDir = join(sshd.remoteRoot, app, 'live');
      const before = existsSync(remoteDir) ? readdirSync(remoteDir) : [];
      // Enough for the handshake and the start of the file, then the link hangs.
      proxy.stallAfter(proxy.forwarded() + 512 * 1024);
      const agent = startAgent(backupArgs(app, 'none', 'wordpress'), viaProxy, { detached: true });
      const part = await waitFor(
        'a partial upload on the media server',
        async () =>
          existsSync(remoteDir) &&
          readdirSync(remoteDir).find((name) => name.endsWith('.part') && statSync(join(remoteDir, name)).size > 0),
        30_000,
      );
      await killGroup(agent);
      proxy.resume();
      expect(readdirSync(remoteDir)).toContain(part);

      const next = await runAgent(backupArgs(app, 'none', 'wordpress'), viaProxy);
      expect(next.exitCode, next.stdout).toBe(0);
      expect(next.report.steps.transfer.cleaned).toEqual([`127.0.0.1:${join(remoteDir, part)}`]);
      const arrived = next.report.steps.transfer.path.slice(next.report.steps.transfer.path.indexOf(':') + 1);
      expect(readdirSync(remoteDir).sort()).toEqual([...before, arrived.slice(remoteDir.length + 1)].sort());
      expect(ws.leftovers()).toEqual([]);
      // The record of the pending copy went with it: a third run cleans nothing.
      const third = await runAgent(backupArgs(app, 'none', 'wordpress'), viaProxy);
      expect(third.exitCode).toBe(0);
      expect(third.report.steps.transfer.cleaned ?? []).toEqual([]);
      expect(third.report.cleaned ?? []).toEqual([]);
    });
  });
});
