import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What to feed a child on stdin: text, or a generator of chunks streamed with back-pressure. */
export type Input = string | Iterable<string>;

export interface ExecOptions {
  input?: Input;
  env?: NodeJS.ProcessEnv;
}

/** Runs a helper command (no shell) to completion; returns stdout, throws with the stderr tail. */
export async function exec(file: string, args: string[], options: ExecOptions = {}): Promise<string> {
  const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const feeding =
    options.input === undefined
      ? Promise.resolve(child.stdin.end())
      : pipeline(
          typeof options.input === 'string' ? Readable.from([options.input]) : Readable.from(options.input),
          child.stdin,
        );
  const [fed, code] = await Promise.allSettled([feeding, exited]);
  if (code.status === 'rejected') throw new Error(`${file}: ${String(code.reason)}`, { cause: code.reason });
  if (code.value !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${code.value}: ${stderr.trim()}`);
  if (fed.status === 'rejected')
    throw new Error(`${file}: writing its input failed: ${String(fed.reason)}`, { cause: fed.reason });
  return stdout;
}
