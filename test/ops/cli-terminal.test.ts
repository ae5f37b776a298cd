/**
 * The real bundle (dist/backopper.js) as an operator meets it: mistyped commands, flags and app names get
 * the closest name, `--json` failures are JSON, and colour appears on a terminal only (a real
 * pseudo-terminal, made by Python's pty module) and never with NO_COLOR, --no-color or a pipe.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBackups } from '../fakes/seed-backups';
import { OPS_CLI, runOpsCli } from '../services/ops-cli';
import { type LocalS3, startS3 } from '../services/s3';

const ESC = '\u001b[';
const PTY = 'import os, pty, sys\nsys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';

/** Runs the bundle on a pseudo-terminal (stdout and stderr both a TTY); the output is what the terminal shows. */
function runOnTerminal(args: string[], env: Record<string, string>) {
  const child = spawn('python3', ['-c', PTY, process.execPath, OPS_CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ exitCode: number | null; output: string }>((resolve) =>
    child.once('close', (exitCode) => resolve({ exitCode, output })),
  );
}

describe('the backopper bundle: suggestions, --json errors and colour', () => {
  let s3: LocalS3;
  let env: Record<string, string>;
  beforeAll(async () => {
    s3 = await startS3('cli-terminal');
    await seedBackups({
      client: s3.client,
      bucket: s3.bucket,
      now: new Date(),
      backups: [
        { app: 'shop', environment: 'live', hoursAgo: 2, size: 100 },
        { app: 'blog', environment: 'live', hoursAgo: 3, size: 100 },
      ],
    });
    // Variables only (no stack to read): the bucket is all backups and restore need.
    env = { ...s3.env, BACKOPPER_BUCKET: s3.bucket, BACKOPPER_STACK: 'none' };
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
  });

  it.each([
    [['stauts'], 2, 'backopper: unknown command "stauts" (did you mean status?)\nRun `backopper --help` for usage.\n'],
    [
      ['backups', 'live', 'shop', '--jsno'],
      2,
      'backopper backups: unknown flag --jsno (did you mean --json?)\nRun `backopper backups --help` for usage.\n',
    ],
    [
      ['backups', 'live', 'shop', '--bucket'],
      2,
      'backopper backups: --bucket needs a value (--bucket <value>)\nRun `backopper backups --help` for usage.\n',
    ],
    [
      ['backups', 'live', 'shpo'],
      3,
      'backopper backups: no app shpo in live (did you mean shop?): nothing stored under s3://cli-terminal/shpo/live/; `backopper status` lists the apps\n',
    ],
    [
      ['restore', 'live', 'blgo', '--output', '/tmp'],
      3,
      'backopper restore: no app blgo in live (did you mean blog?): nothing stored under s3://cli-terminal/blgo/live/; `backopper status` lists the apps\n',
    ],
  ])('%j exits %i with the closest name, and nothing on stdout', async (args, status, stderr) => {
    const run = await runOpsCli(args, env);
    expect(run).toEqual({ exitCode: status, stdout: '', stderr });
  });

  it('--json failures print {"error", "exitStatus"} on stdout with the exit status unchanged', async () => {
    for (const [args, status] of [
      [['backups', 'live', 'shpo', '--json'], 3],
      [['backups', 'live', 'shop', '--runs', 'many', '--json'], 2],
      [['stauts', '--json'], 2],
    ] as const) {
      // Forced colour reaches stderr only: stdout stays plain JSON.
      const run = await runOpsCli([...args], { ...env, FORCE_COLOR: '1' });
      expect(run.stderr).toContain(ESC);
      expect(run.exitCode).toBe(status);
      const printed = JSON.parse(run.stdout) as { error: string; exitStatus: number };
      expect(printed.exitStatus).toBe(status);
      expect(run.stderr).toContain(printed.error);
    }
  });

  it('prints no colour when piped, and colour with FORCE_COLOR unless --no-color', async () => {
    const piped = await runOpsCli(['stauts'], env);
    expect(piped.stderr).not.toContain(ESC);
    const forced = await runOpsCli(['stauts'], { ...env, FORCE_COLOR: '1' });
    expect(forced.stderr).toContain(`${ESC}31mbackopper:${ESC}39m unknown command`);
    expect((await runOpsCli(['--no-color', 'stauts'], { ...env, FORCE_COLOR: '1' })).stderr).not.toContain(ESC);
    const help = await runOpsCli(['backups', '--help'], { ...env, FORCE_COLOR: '1' });
    expect(help.stdout).toContain(`${ESC}1mflags:${ESC}22m`);
    expect((await runOpsCli(['backups', '--help'], env)).stdout).not.toContain(ESC);
  });

  it('colours on a terminal, and not on a terminal with NO_COLOR or --no-color', async () => {
    const terminal = await runOnTerminal(['stauts'], env);
    expect(terminal.exitCode).toBe(2);
    expect(terminal.output).toContain(`${ESC}31mbackopper:${ESC}39m unknown command "stauts" (did you mean status?)`);
    const noColor = await runOnTerminal(['stauts'], { ...env, NO_COLOR: '1' });
    expect(noColor.exitCode).toBe(2);
    expect(noColor.output).toContain('backopper: unknown command "stauts" (did you mean status?)');
    expect(noColor.output).not.toContain(ESC);
    const flag = await runOnTerminal(['backups', '--help', '--no-color'], env);
    expect(flag.exitCode).toBe(0);
    expect(flag.output).toContain('usage: backopper backups <environment> <app>');
    expect(flag.output).not.toContain(ESC);
  });
});
