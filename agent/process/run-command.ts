import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CommandFailedError } from '../errors';

/** A process to run: a file and an argument array (never a shell string), and extra environment. */
export interface CommandSpec {
  file: string;
  args: string[];
  /** Added to the agent's environment for this child only (e.g. PGPASSFILE). */
  env?: Record<string, string>;
  cwd?: string;
  /** An open descriptor the child gets as its fd 3 (`/dev/fd/3`): the unnamed password file of secret-file.ts. */
  secretFd?: number;
}

export interface RunOptions {
  /** Aborting kills the child (SIGTERM, then SIGKILL after 5 s). */
  signal?: AbortSignal;
  /** Exit statuses that count as success. @default [0] */
  okExitCodes?: number[];
  /** Strings removed from captured stderr before it is put into an error or a log. */
  secrets?: string[];
  /** Written to the child's stdin (text, or a stream piped in), then stdin is closed. @default stdin closed at once */
  input?: string | Readable;
  /** stderr lines of a successful run that are expected and are not warnings. */
  ignoreStderr?: RegExp;
}

/** A running child whose stdout the caller consumes; `done` settles when it has exited. */
export interface RunningCommand {
  stdout: Readable;
  /** Resolves with the exit code (one of `okExitCodes`) and the stderr tail; rejects with CommandFailedError. */
  done: Promise<{ exitCode: number; stderrTail: string }>;
  pid: number | undefined;
}

const STDERR_TAIL_BYTES = 2048;
/** Warnings kept per process, and the length of each: a report stays readable whatever a child prints. */
const MAX_WARNINGS = 10;
const MAX_WARNING_LENGTH = 300;

/** Where the stderr lines of successful processes go: the step that is running (see {@link collectWarnings}). */
const warningSink = new AsyncLocalStorage<string[]>();

/**
 * Runs `work`; every process it starts that succeeds but writes to stderr (mysqldump's "Warning: ...",
 * tar's notes) adds its lines, redacted and prefixed with the command, to `warnings`.
 */
export function collectWarnings<T>(warnings: string[], work: () => Promise<T>): Promise<T> {
  return warningSink.run(warnings, work);
}

/** The lines a successful process wrote to stderr, as report warnings: `<file>: <line>`, bounded. */
export function warningLines(file: string, stderr: string, ignore?: RegExp): string[] {
  const lines = stderr
    .replace(/\r/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !ignore?.test(line))
    .map((line) => (line.startsWith(`${file}:`) ? line : `${file}: ${line}`))
    .map((line) => (line.length > MAX_WARNING_LENGTH ? `${line.slice(0, MAX_WARNING_LENGTH - 3)}...` : line));
  const unique = [...new Set(lines)];
  return unique.length > MAX_WARNINGS
    ? [
        ...unique.slice(0, MAX_WARNINGS - 1),
        `${file}: ... and ${unique.length - MAX_WARNINGS + 1} more lines on stderr`,
      ]
    : unique;
}

/** Replaces each secret in `text` with `***`. */
export function redact(text: string, secrets: string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/** Shows a command for logs: the file and its arguments, quoted where needed. */
export function describeCommand(spec: CommandSpec): string {
  return [spec.file, ...spec.args]
    .map((part) => (/^[\w./=:@%+,-]+$/.test(part) ? part : JSON.stringify(part)))
    .join(' ');
}

/**
 * Starts `spec` without a shell. The only place in the agent that spawns processes: it owns the
 * argument array, the child's environment, killing on abort, stderr capture and the exit status check.
 */
export function startCommand(spec: CommandSpec, options: RunOptions = {}): RunningCommand {
  const okExitCodes = options.okExitCodes ?? [0];
  const warnings = warningSink.getStore();
  const child = spawn(spec.file, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: [
      options.input === undefined ? 'ignore' : 'pipe',
      'pipe',
      'pipe',
      ...(spec.secretFd === undefined ? [] : [spec.secretFd]),
    ],
    shell: false,
  });
  // stdout and stderr are pipes (see stdio above).
  const stdout = child.stdout!;
  const stderrStream = child.stderr!;
  let stderr = '';
  // The first lines too, for warnings: the tail alone may have lost them.
  let stderrHead = '';
  stderrStream.setEncoding('utf8');
  stderrStream.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    if (stderrHead.length < STDERR_TAIL_BYTES * 4) stderrHead += chunk;
  });
  // A stream that fails (a corrupt gzip) must fail the command even if the child then exits 0 on the
  // truncated input it got.
  let inputError: Error | undefined;
  if (typeof options.input === 'string') child.stdin?.end(options.input);
  else if (options.input) {
    // A child that exits early closes its stdin: that is the child's failure, reported by `done`.
    child.stdin?.on('error', () => undefined);
    options.input
      .on('error', (error) => {
        inputError = error;
        child.stdin?.destroy();
      })
      .pipe(child.stdin!);
  }

  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    killTimer.unref();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const done = new Promise<{ exitCode: number; stderrTail: string }>((resolve, reject) => {
    child.once('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      const hint = (error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (is it installed and on PATH?)' : '';
      reject(new CommandFailedError(spec.file, null, null, `${error.message}${hint}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      const stderrTail = redact(stderr.replace(/\r/g, '').trim(), options.secrets);
      if (inputError)
        reject(new Error(`reading the input of ${spec.file} failed: ${inputError.message}`, { cause: inputError }));
      else if (code !== null && okExitCodes.includes(code)) {
        warnings?.push(...warningLines(spec.file, redact(stderrHead, options.secrets), options.ignoreStderr));
        resolve({ exitCode: code, stderrTail });
      } else reject(new CommandFailedError(spec.file, code, signal, lastLines(stderrTail, 5)));
    });
  });
  return { stdout, done, pid: child.pid };
}

/** Runs `spec` to completion and returns its (small) stdout as text. */
export async function runCommand(
  spec: CommandSpec,
  options: RunOptions = {},
): Promise<{ exitCode: number; stdout: string; stderrTail: string }> {
  const running = startCommand(spec, options);
  let stdout = '';
  running.stdout.setEncoding('utf8');
  running.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  const result = await running.done;
  return { ...result, stdout };
}

function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join(' | ');
}
