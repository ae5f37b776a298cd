import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { agentEnv } from './agent';

/** The built ops CLI, as ops run it. */
export const OPS_CLI = resolve(__dirname, '../../dist/backopper.js');

/** Runs `node dist/backopper.js <args>` with only `env` (plus PATH/HOME); stdin is not a terminal. */
export function runOpsCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  if (!existsSync(OPS_CLI)) throw new Error(`${OPS_CLI} is missing: run npm run build`);
  const child = spawn(process.execPath, [OPS_CLI, ...args], {
    env: agentEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise) =>
    child.once('close', (exitCode) => resolvePromise({ exitCode, stdout, stderr })),
  );
}
