import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a test-side command (no shell) and returns its stdout; throws with stderr on failure. */
export async function exec(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  try {
    const child = execFileAsync(file, args, { env: options.env ?? process.env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
    if (options.input !== undefined) {
      child.child.stdin?.end(options.input);
    }
    return (await child).stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${stderr ?? String(error)}`, { cause: error });
  }
}

/** A short random suffix for database, user and folder names. */
export function uniqueSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}
