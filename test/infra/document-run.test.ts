import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTORE_MEDIA_DOCUMENT_NAME } from '../../common/names';
import type { BackopperConfig } from '../../infra/config';
import { renderBackupScript } from '../../infra/document/backup-script';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';
import {
  type DocumentContent,
  type DocumentRun,
  documentParameters,
  localStackDocument,
  MEDIA_KEY_PARAMETER,
  runDocument,
  runShellScript,
  writeFakeAwsCli,
} from './document-runner';
import { AGENT_FILE } from './synth';

describe('the synthesized backup document, run locally against the built agent', () => {
  let s3: LocalS3;
  let sshd: LocalSshd;
  let ws: Workspace;
  let db: MysqlDatabase;
  let content: DocumentContent;
  let env: Record<string, string | undefined>;
  let run: DocumentRun;
  let report: Record<string, any>;
  const app = 'corner-shop_2';

  beforeAll(async () => {
    [s3, sshd, ws, db] = await Promise.all([startStrictS3(), startSshd(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 40);
    writeWordpressApp(ws.appsDir, app, db);

    content = localStackDocument({
      ws,
      bucket: s3.bucket,
      sshd,
      media: { identityParameter: MEDIA_KEY_PARAMETER },
      keepLocal: 3,
    });

    const bin = writeFakeAwsCli(ws.root, sshd.identityFile);
    env = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      TMPDIR: ws.env.TMPDIR,
      ...s3.env,
      // What the SSM agent sets for a command; the inventory file is redirected from /var/lib/amazon/ssm.
      AWS_SSM_INSTANCE_ID: 'i-0123456789abcdef0',
      BACKOPPER_INVENTORY_FILE: join(ws.root, 'inventory', 'BackopperApps.json'),
    };
    run = await runDocument({
      content,
      parameters: { app, environment: 'live', engine: 'mysql', projectType: 'wordpress' },
      agentBundle: AGENT_FILE,
      env,
    });
    report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), sshd?.stop(), ws?.remove(), db?.drop()]);
  });

  it('succeeds, and the agent report is the last line of the command output', () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(report).toMatchObject({
      app,
      environment: 'live',
      engine: 'mysql',
      projectType: 'wordpress',
      status: 'succeeded',
    });
    for (const step of ['database', 'upload', 'media', 'transfer'])
      expect(report.steps[step]?.status, step).toBe('succeeded');
    expect(run.stdout).toContain(
      `backopper: backing up ${app} (live, engine mysql, wordpress) with ${process.version}`,
    );
    expect(run.stderr).toContain('backopper: agent exited with status 0');
  });

  it("uploads the dump to the stack's bucket under <app>/<environment>/", async () => {
    const key = `${app}/live/backup_${report.timestamp}.sql.gz`;
    expect(await s3.listKeys(`${app}/`)).toContain(key);
    expect((await s3.getObject(key)).equals(readFileSync(join(ws.backupsDir, app, `${report.timestamp}.sql.gz`)))).toBe(
      true,
    );
  });

  it('copies the media archive with the key fetched from the parameter and the configured host key', () => {
    const remote = join(sshd.remoteRoot, 'live', app);
    expect(readdirSync(remote)).toContain(report.steps.transfer.path.split('/').pop());
    expect(report.steps.transfer.path).toMatch(
      new RegExp(`/${app}\\+live\\+media_${report.timestamp}_[0-9a-f]{8}\\.tar\\.gz$`),
    );
    const calls = readFileSync(join(ws.root, 'aws-calls.log'), 'utf8');
    expect(calls).toContain(`ssm get-parameter --region us-east-1 --name ${MEDIA_KEY_PARAMETER} --with-decryption`);
  });

  it("refreshes this server's app inventory (Custom:BackopperApps) on the way", () => {
    const written = JSON.parse(readFileSync(join(ws.root, 'inventory', 'BackopperApps.json'), 'utf8'));
    expect(written).toMatchObject({ TypeName: 'Custom:BackopperApps', Content: [{ App: app, Environment: 'live' }] });
  });

  it('on a server without the app, the first step ends the document successfully: no download, no secret fetched', async () => {
    const download = join(ws.root, 'agent-download');
    rmSync(download, { recursive: true, force: true });
    const callsBefore = readFileSync(join(ws.root, 'aws-calls.log'), 'utf8');
    const skipped = await runDocument({
      content,
      parameters: { app: 'elsewhere', environment: 'live', engine: 'mysql', projectType: 'wordpress' },
      agentBundle: AGENT_FILE,
      env,
    });
    expect(skipped.exitCode, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain('backopper: skipped: elsewhere is not on this server');
    // The agent's report shape, as the last line: status and run count this server as skipped.
    expect(JSON.parse(skipped.stdout.trim().split('\n').at(-1) ?? '')).toEqual({
      app: 'elsewhere',
      environment: 'live',
      status: 'skipped',
      error: `elsewhere is not on this server (no ${ws.appsDir}/elsewhere)`,
    });
    expect(existsSync(download)).toBe(false);
    expect(readFileSync(join(ws.root, 'aws-calls.log'), 'utf8')).toBe(callsBefore);
    expect(content.mainSteps.map((step) => step.name)).toEqual(['checkApp', 'downloadAgent', 'runAgent']);
  });

  it('on a server without the app, refreshes its app inventory with the agent already there before the check ends the document', async () => {
    const download = join(ws.root, 'agent-download');
    const inventory = join(ws.root, 'inventory', 'BackopperApps.json');
    // The agent an earlier run downloaded; the inventory still claims an app whose folder is gone.
    const runs = await runDocument({
      content,
      parameters: { app, environment: 'live', engine: 'mysql', projectType: 'wordpress' },
      agentBundle: AGENT_FILE,
      env,
    });
    expect(runs.exitCode, runs.stderr).toBe(0);
    writeFileSync(
      inventory,
      JSON.stringify({ TypeName: 'Custom:BackopperApps', Content: [{ App: 'moved-away', Environment: 'live' }] }),
    );
    const bundleBefore = readdirSync(download);
    const skipped = await runDocument({
      content,
      parameters: { app: 'moved-away', environment: 'live', engine: 'mysql', projectType: 'wordpress' },
      agentBundle: AGENT_FILE,
      env,
    });
    expect(skipped.exitCode, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain("refreshed this server's app inventory: moved-away is not in it");
    expect(JSON.parse(skipped.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({
      app: 'moved-away',
      status: 'skipped',
    });
    const written = JSON.parse(readFileSync(inventory, 'utf8')) as { Content: { App: string }[] };
    expect(written.Content.map((row) => row.App)).toEqual([app]);
    expect(readdirSync(download)).toEqual(bundleBefore);
  });

  it('says so, and still skips with exit 0, when no agent of this version is on the server to refresh the inventory', async () => {
    rmSync(join(ws.root, 'agent-download'), { recursive: true, force: true });
    const skipped = await runDocument({
      content,
      parameters: { app: 'moved-away', environment: 'live', engine: 'mysql', projectType: 'wordpress' },
      agentBundle: AGENT_FILE,
      env,
    });
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stderr).toContain('could not refresh this server');
    expect(skipped.stderr).toContain('the agent bundle was not downloaded');
  });

  it('leaves no key, known_hosts, agent copy or archive behind', () => {
    // Only the (empty) private folder that holds each run's work folder.
    expect(ws.leftovers()).toEqual(['backopper-document']);
    expect(readdirSync(join(ws.env.TMPDIR!, 'backopper-document'))).toEqual([]);
  });

  it('refuses a parameter that SSM would reject, before anything runs', () => {
    for (const [name, value] of [
      ['app', '../etc'],
      ['app', 'a;reboot'],
      ['engine', 'postgresql'],
      ['environment', 'live live'],
      ['executionTimeout', '1 '],
    ]) {
      const given = {
        app,
        environment: 'live',
        engine: 'mysql',
        projectType: 'wordpress',
        [name as string]: value as string,
      };
      expect(() => documentParameters(content, given), `${name}=${value}`).toThrow(/does not match/);
    }
  });

  it('the media restore document puts the archive back beside the live folder with the same key, touching the live folder not at all', async () => {
    const restore = localStackDocument({
      ws,
      bucket: s3.bucket,
      sshd,
      media: { identityParameter: MEDIA_KEY_PARAMETER },
      document: RESTORE_MEDIA_DOCUMENT_NAME,
    });
    // As backopper restore --media sends it: host:path from the run record, no project type.
    const archive = report.steps.transfer.path;
    const live = report.steps.media.path;
    const liveBefore = readdirSync(live, { recursive: true }).sort();
    const restored = await runDocument({
      content: restore,
      parameters: { app, environment: 'live', archive, sha256: report.steps.transfer.sha256 },
      agentBundle: AGENT_FILE,
      env,
    });
    expect(restored.exitCode, restored.stderr).toBe(0);
    const result = JSON.parse(restored.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result).toMatchObject({
      status: 'succeeded',
      live,
      sha256: report.steps.transfer.sha256,
      path: result.restored,
    });
    expect(readdirSync(result.restored, { recursive: true }).sort()).toEqual(liveBefore);
    expect(readdirSync(live, { recursive: true }).sort()).toEqual(liveBefore);
    rmSync(result.restored, { recursive: true });
    expect(() =>
      documentParameters(restore, {
        app,
        environment: 'live',
        archive: 'media.example.com:/etc/passwd',
        sha256: report.steps.transfer.sha256,
      }),
    ).toThrow(/does not match/);
    expect(readdirSync(join(ws.env.TMPDIR!, 'backopper-document'))).toEqual([]);
  });

  it('refuses to run an agent bundle whose SHA-256 is not the deployed one, touching nothing', async () => {
    const tampered = join(ws.root, 'tampered.js');
    copyFileSync(AGENT_FILE, tampered);
    writeFileSync(tampered, `${readFileSync(tampered, 'utf8')}\nconsole.log("evil");\n`);
    const before = ws.backupFiles(app);
    const refused = await runDocument({
      content,
      parameters: { app, environment: 'live', engine: 'mysql', projectType: 'wordpress' },
      agentBundle: tampered,
      env,
    });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /the agent bundle has SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}: refusing to run it/,
    );
    expect(ws.backupFiles(app)).toEqual(before);
    expect(ws.leftovers()).toEqual(['backopper-document']);
    expect(readdirSync(join(ws.env.TMPDIR!, 'backopper-document'))).toEqual([]);
  });
});

describe('the run step on a server without a usable Node.js', () => {
  const agent: BackopperConfig['agent'] = {
    appsDir: '/srv/apps',
    backupsDir: '/opt/backups',
    keepLocal: 5,
    maxPendingUploads: 30,
  };
  const runWithNode = async (nodePath: string, dir: string) => {
    const script = renderBackupScript({
      downloadDir: dir,
      agentFileName: 'agent.js',
      agentSha256: '0'.repeat(64),
      region: 'us-east-1',
      bucket: 'bucket',
      agent: { ...agent, nodePath },
    });
    writeFileSync(join(dir, 'run.sh'), script.join('\n'));
    return runShellScript(join(dir, 'run.sh'), {
      PATH: '/usr/bin:/bin',
      TMPDIR: dir,
      SSM_app: 'a',
      SSM_environment: 'live',
      SSM_engine: 'none',
      SSM_projectType: 'x',
    });
  };
  let workspace: Workspace;
  let dir: string;
  beforeAll(async () => {
    workspace = await createWorkspace();
    dir = workspace.root;
  });
  afterAll(async () => {
    await workspace?.remove();
  });

  it('stops with a clear message when node is missing', async () => {
    const result = await runWithNode(join(dir, 'no-such-node'), dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `Node.js >= 20 is required on this server, but no node was found at ${join(dir, 'no-such-node')}`,
    );
  });

  it('stops with a clear message when node is too old', async () => {
    const old = join(dir, 'node18');
    writeFileSync(old, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo v18.19.0; else echo 18; fi\n');
    chmodSync(old, 0o755);
    const result = await runWithNode(old, dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`Node.js >= 20 is required on this server, but ${old} is v18.19.0`);
    expect(existsSync(join(dir, 'agent.js'))).toBe(false);
  });
});
