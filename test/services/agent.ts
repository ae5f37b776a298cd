import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The built agent bundle, exactly as servers run it. `npm test` builds it first. */
export const AGENT_BUNDLE = resolve(__dirname, '../../dist/backopper-agent.js');

export interface AgentRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The parsed last stdout line. */
  report: Record<string, any>;
}

/**
 * The agent's environment in tests: only what a server's SSM shell would have plus `env`, so a
 * developer's own BACKOPPER_* or AWS_* variables never leak in.
 */
export function agentEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env };
}

/** Starts the agent; `finished` resolves when it exits. */
export function startAgent(args: string[], env: Record<string, string | undefined>) {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run npm run build`);
  const child = spawn(process.execPath, [AGENT_BUNDLE, ...args], { env: agentEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<AgentRun>((resolvePromise) => {
    child.once('close', (exitCode) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      resolvePromise({ exitCode, stdout, stderr, report: parseReport(last) });
    });
  });
  return { child, finished };
}

function parseReport(line: string): Record<string, any> {
  try {
    return JSON.parse(line);
  } catch {
    return { unparsable: line };
  }
}

/** Runs the agent to completion. */
export function runAgent(args: string[], env: Record<string, string | undefined>): Promise<AgentRun> {
  return startAgent(args, env).finished;
}

/** `backup` arguments for an app. */
export function backupArgs(app: string, engine: string, projectType: string, environment = 'live'): string[] {
  return ['backup', '--app', app, '--environment', environment, '--engine', engine, '--project-type', projectType];
}

/** A folder of fixture executables to put first on PATH (fake mysqldump etc., as execa's tests do). */
export const FIXTURE_BIN = join(__dirname, '..', 'fixtures', 'bin');

/** Waits for a started agent to exit; a hang past `seconds` fails the test (the agent is killed). */
export async function exitWithin(agent: ReturnType<typeof startAgent>, seconds: number): Promise<AgentRun> {
  let timer: NodeJS.Timeout | undefined;
  let output = '';
  agent.child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  agent.child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      agent.child.kill('SIGKILL');
      reject(new Error(`the agent did not exit within ${seconds} s; its output since:\n${output}`));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([agent.finished, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
