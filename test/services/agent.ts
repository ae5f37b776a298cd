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

/** How to start the agent, beyond its arguments and environment. */
export interface StartOptions {
  /** Its own process group (so a test can SIGKILL the whole group, as SSM's execution timeout does). */
  detached?: boolean;
  /** A command the agent runs under, e.g. {@link asServer}: the agent's `node` command line is appended. */
  wrapper?: string[];
}

/** Starts the agent; `finished` resolves when it exits. */
export function startAgent(args: string[], env: Record<string, string | undefined>, options: StartOptions = {}) {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run npm run build`);
  const [file, ...prefix] = [...(options.wrapper ?? []), process.execPath, AGENT_BUNDLE, ...args];
  const child = spawn(file!, prefix, {
    env: agentEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
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

/**
 * A wrapper that runs the agent as if on another server: its own UTS namespace with host name `name`
 * (needs root, as the test machine's sshd and PostgreSQL helpers do).
 */
export function asServer(name: string): string[] {
  return ['unshare', '--uts', '--', 'sh', '-c', 'hostname "$1" && shift && exec "$@"', 'sh', name];
}

/** SIGKILLs the agent's whole process group (it must have been started `detached`), as SSM's timeout does. */
export async function killGroup(agent: ReturnType<typeof startAgent>): Promise<AgentRun> {
  process.kill(-agent.child.pid!, 'SIGKILL');
  return agent.finished;
}

/** A folder of fixture executables to put first on PATH (fake mysqldump etc., as execa's tests do). */
export const FIXTURE_BIN = join(__dirname, '..', 'fixtures', 'bin');

/** Fixtures for the fault tests: a mysqldump that is slow, waits or warns, a tar that is slow. */
export const FAULT_BIN = join(__dirname, '..', 'fixtures', 'fault-bin');

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
