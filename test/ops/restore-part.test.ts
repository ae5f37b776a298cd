/**
 * Red team (issue 22): `backopper restore` removes its `.part` on Ctrl-C. A closed terminal (SIGHUP) or a
 * `kill` (SIGTERM) stops it too: the `.part` (up to the dump's size) must not stay behind, and a `.part`
 * a SIGKILLed restore left must not make the next restore fail.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEnv, backupArgs, runAgent } from '../services/agent';
import { waitFor } from '../services/exec';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { OPS_CLI, runOpsCli } from '../services/ops-cli';
import { type LocalS3, startS3 } from '../services/s3';
import { type LoggingS3, startLoggingS3 } from '../services/s3-request-log';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('a stopped restore leaves no .part, and a left one does not block the next', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let front: LoggingS3;
  let db: MysqlDatabase;
  let env: Record<string, string>;
  let key: string;

  beforeAll(async () => {
    [ws, s3, db] = await Promise.all([createWorkspace(), startS3(), createMysqlDatabase()]);
    front = await startLoggingS3(s3);
    await seedWordpressSchema(db, 3000);
    writeWordpressApp(ws.appsDir, 'wppart', db);
    const run = await runAgent(backupArgs('wppart', 'mysql', 'wordpress'), {
      ...ws.env,
      ...s3.env,
      BACKOPPER_BUCKET: s3.bucket,
    });
    if (run.exitCode !== 0) throw new Error(run.stdout);
    key = run.report.steps.upload.key;
    env = { ...ws.env, ...front.env, BACKOPPER_BUCKET: s3.bucket };
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), front?.stop(), db?.drop()]);
    await s3?.stop();
  });

  const output = (name: string) => {
    const dir = join(ws.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it.each(['SIGTERM', 'SIGHUP'] as const)('removes the .part file on %s and says so', async (signal) => {
    const dir = output(`stop-${signal}`);
    front.throttle(key, 16 * 1024);
    const child = spawn(process.execPath, [OPS_CLI, 'restore', 'live', 'wppart', '--output', dir], {
      env: agentEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const part = join(dir, `${key.slice(key.lastIndexOf('/') + 1)}.part`);
    await waitFor('the .part file', async () => existsSync(part), 60_000);
    child.kill(signal);
    expect(await exited).not.toBe(0);
    expect(stderr).toMatch(/interrupted after \d+ bytes of s3:\/\/\S+; removed the partial download .*\.part/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('downloads over a .part a SIGKILLed restore left, in one run', async () => {
    const dir = output('left');
    writeFileSync(join(dir, `${key.slice(key.lastIndexOf('/') + 1)}.part`), 'half a dump');
    const run = await runOpsCli(['restore', 'live', 'wppart', '--output', dir], {
      ...ws.env,
      ...s3.env,
      BACKOPPER_BUCKET: s3.bucket,
    });
    expect(run.stderr).not.toMatch(/EEXIST/);
    expect(run.exitCode).toBe(0);
    expect(readdirSync(dir)).toEqual([key.slice(key.lastIndexOf('/') + 1)]);
  });
});
