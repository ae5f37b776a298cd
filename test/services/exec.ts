import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a test-side command (no shell) and returns its stdout; throws with stderr on failure. */
export async function exec(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<string> {
  try {
    const child = execFileAsync(file, args, {
      env: options.env ?? process.env,
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'utf8',
    });
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

/** An interactive client session kept open (holding a lock, say) until `close()`. */
export function openSession(file: string, args: string[], input: string): { close(): Promise<void> } {
  const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.write(input);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    close: () => {
      child.stdin.end();
      return closed;
    },
  };
}

/** Polls `probe` until it returns a truthy value, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false | ''>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
