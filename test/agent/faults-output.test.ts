import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, agentEnv, backupArgs, FAULT_BIN, runAgent } from '../services/agent';
import { waitFor } from '../services/exec';
import { createWorkspace, type Workspace } from '../services/workspace';

/** An app whose `.env` points at a database the fixture mysqldump pretends to dump. */
function writeFixtureApp(ws: Workspace, app: string, password: string): void {
  mkdirSync(join(ws.appsDir, app), { recursive: true });
  writeFileSync(
    join(ws.appsDir, app, '.env'),
    `DB_NAME=shop\nDB_USER=shop\nDB_PASSWORD=${password}\nDB_HOST=127.0.0.1\n`,
  );
}

describe('what child processes say and where the output goes', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
  });
  afterAll(async () => {
    await ws?.remove();
  });
  const fixtureEnv = (mode: string, extra: Record<string, string> = {}) => ({
    ...ws.env,
    PATH: `${FAULT_BIN}:${process.env.PATH}`,
    FAKE_DUMP_MODE: mode,
    ...extra,
  });

  it('warnings a successful mysqldump prints reach the step line and the report, with the password redacted', async () => {
    const password = 'hunter2-Zq8';
    writeFixtureApp(ws, 'warned', password);
    const run = await runAgent(backupArgs('warned', 'mysql', 'wordpress'), fixtureEnv('warn'));
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.steps.database.status).toBe('succeeded');
    expect(run.report.steps.database.warnings).toEqual([
      'mysqldump: Warning: column statistics are not supported by this server',
      'mysqldump: Warning: connecting with password ***',
    ]);
    const line = run.stdout.split('\n').find((text) => text.startsWith('[backopper] database  succeeded'));
    expect(line).toContain(
      'warnings: mysqldump: Warning: column statistics are not supported by this server; mysqldump: Warning: connecting with password ***',
    );
    expect(run.stdout).not.toContain(password);
    expect(run.report.status).toBe('succeeded');
  });

  it('stdout closed early (piped into head): the run finishes quietly and exits with its own status', async () => {
    writeFixtureApp(ws, 'piped', 'pw-piped');
    const go = join(ws.root, 'go');
    const child = spawn(process.execPath, [AGENT_BUNDLE, ...backupArgs('piped', 'mysql', 'wordpress')], {
      env: agentEnv(fixtureEnv('wait', { FAKE_DUMP_GO: go })),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    // Read the first line, then close the pipe as `head -n 1` does; only then let the dump finish.
    await new Promise<void>((done) => child.stdout.once('data', () => done()));
    child.stdout.destroy();
    writeFileSync(go, '');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    await waitFor('the dump', async () => existsSync(join(ws.backupsDir, 'piped')));
    expect(ws.backupFiles('piped')).toHaveLength(1);
  });
  it('a promise rejected with nobody listening does not cost the report: it is on stderr and in the report, exit 1', async () => {
    writeFixtureApp(ws, 'stray', 'pw-stray');
    const preload = join(__dirname, '..', 'fixtures', 'stray-rejection.cjs');
    const run = await runAgent(
      backupArgs('stray', 'mysql', 'wordpress'),
      fixtureEnv('warn', { NODE_OPTIONS: `--require ${preload}` }),
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.report.steps.database.status, run.stdout).toBe('succeeded');
    expect(run.report.warnings).toContain('unhandled rejection: stray rejection from a library');
    expect(run.stderr).toContain('backopper-agent: unhandled rejection: Error: stray rejection from a library');
    expect(ws.backupFiles('stray')).toHaveLength(1);
  });
});

describe('an app name starting with "-"', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
    mkdirSync(join(ws.appsDir, '-rf'));
  });
  afterAll(async () => {
    await ws?.remove();
  });

  it.each([
    [['--app=-rf'], /app name "-rf" is not a folder name \(letters, digits, \. _ -, not starting with "\." or "-"/],
    [['--app', '-rf'], /app name "-rf" is not a folder name/],
  ])('is refused by the agent with exit 2 (%j), touching nothing', async (appArgs, message) => {
    const run = await runAgent(
      ['backup', ...appArgs, '--environment', 'live', '--engine', 'none', '--project-type', 'static'],
      ws.env,
    );
    expect(run.exitCode).toBe(2);
    expect(run.report).toMatchObject({ status: 'invalid' });
    expect(run.report.error).toMatch(message);
    expect(existsSync(join(ws.backupsDir, '-rf'))).toBe(false);
  });
});
