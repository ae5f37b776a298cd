import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOW_NICE } from '../../agent/process/priority';
import { backupArgs, FAULT_BIN, runAgent } from '../services/agent';
import { createWorkspace, type Workspace } from '../services/workspace';

/** The dump the run left, uncompressed. */
function dumpText(ws: Workspace, app: string): string {
  const [file] = ws.backupFiles(app);
  return gunzipSync(readFileSync(join(ws.backupsDir, app, file))).toString('utf8');
}

describe('the run priority and the compression of the bundle', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
  });
  afterAll(async () => {
    await ws?.remove();
  });
  const app = (name: string) => {
    mkdirSync(join(ws.appsDir, name), { recursive: true });
    writeFileSync(join(ws.appsDir, name, '.env'), 'DB_NAME=shop\nDB_USER=shop\nDB_PASSWORD=pw\nDB_HOST=127.0.0.1\n');
    return name;
  };
  const env = (mode: string, extra: Record<string, string> = {}) => ({
    ...ws.env,
    PATH: `${FAULT_BIN}:${process.env.PATH}`,
    FAKE_DUMP_MODE: mode,
    ...extra,
  });

  it('by default (low) mysqldump runs at nice 10 and I/O best-effort 7', async () => {
    const run = await runAgent(
      backupArgs(app('low'), 'mysql', 'wordpress'),
      env('priority', { BACKOPPER_COMPRESS_THREADS: '2' }),
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const dump = dumpText(ws, 'low');
    expect(dump).toContain(`-- nice ${Math.max(LOW_NICE, getPriority())}\n`);
    expect(dump).toContain('-- ionice best-effort: prio 7\n');
  });

  it('with BACKOPPER_PRIORITY=normal it keeps the priority it was started with', async () => {
    const run = await runAgent(
      backupArgs(app('normal'), 'mysql', 'wordpress'),
      env('priority', { BACKOPPER_PRIORITY: 'normal' }),
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(dumpText(ws, 'normal')).toContain(`-- nice ${getPriority()}\n`);
  });

  it('a bad BACKOPPER_PRIORITY is refused naming the variable', async () => {
    const run = await runAgent(
      backupArgs(app('bad'), 'mysql', 'wordpress'),
      env('priority', { BACKOPPER_PRIORITY: 'idle' }),
    );
    expect(run.exitCode).toBe(2);
    expect(run.report.error).toBe('BACKOPPER_PRIORITY (--priority) "idle" is not one of low, normal');
  });

  it('a compression job that crashes fails the database step loudly and leaves no file, partial or not', async () => {
    const preload = join(__dirname, '..', 'fixtures', 'failing-deflate.cjs');
    const run = await runAgent(
      backupArgs(app('crash'), 'mysql', 'wordpress'),
      env('warn', { NODE_OPTIONS: `--require ${preload}` }),
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.report.steps.database.status).toBe('failed');
    expect(run.report.steps.database.error).toContain(
      'compressing block 0 (at byte 0) failed: simulated crash of a compression job',
    );
    expect(ws.backupFiles('crash')).toEqual([]);
  });
});
