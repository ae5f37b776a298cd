/**
 * Progress lines during long steps, so SSM's live output (and CloudWatch) shows a one-hour dump is
 * alive: `progress database: 1.2 GiB so far, 45.0 MiB/s` every BACKOPPER_PROGRESS_INTERVAL seconds
 * (default 30). Lines go where the agent's step lines go (stdout, `[backopper] ` prefix), always
 * before the JSON report, which stays the last line. Off until the CLI configures it (library use and
 * step tests print nothing). The pure part is {@link formatProgress}.
 */
import { formatBytes } from '../../common/format';
import { ConfigError } from '../errors';

/** Seconds between progress lines when BACKOPPER_PROGRESS_INTERVAL is not set. */
export const DEFAULT_PROGRESS_INTERVAL_SECONDS = 30;

let sink: { write: (line: string) => void; intervalMs: number } | undefined;

/** Turns progress lines on (the CLI does, with its `log`), or off with undefined. */
export function configureProgress(options: { write: (line: string) => void; intervalMs: number } | undefined): void {
  sink = options;
}

/** BACKOPPER_PROGRESS_INTERVAL: seconds (decimals allowed) from 0.1 to 3600; 0 turns progress lines off. */
export function parseProgressInterval(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PROGRESS_INTERVAL_SECONDS * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || (seconds !== 0 && (seconds < 0.1 || seconds > 3600))) {
    throw new ConfigError(
      `BACKOPPER_PROGRESS_INTERVAL ${JSON.stringify(value)} is not a number of seconds from 0.1 to 3600 (0: no progress lines)`,
    );
  }
  return Math.round(seconds * 1000);
}

/** One progress line. `bytes` undefined: the step cannot count (sftp), only the time is told. Pure. */
export function formatProgress(
  step: string,
  bytes: number | undefined,
  previousBytes: number,
  elapsedMs: number,
  sinceLastMs: number,
): string {
  const elapsed = `${Math.round(elapsedMs / 1000)} s`;
  if (bytes === undefined) return `progress ${step}: still running after ${elapsed}`;
  const rate = sinceLastMs > 0 ? ((bytes - previousBytes) / sinceLastMs) * 1000 : 0;
  return `progress ${step}: ${formatBytes(bytes)} so far, ${formatBytes(Math.max(0, Math.round(rate)))}/s (${elapsed})`;
}

/**
 * Prints a progress line for `step` every interval until `work` settles, and resolves or rejects as
 * `work` does. `measure` gives the bytes so far (or undefined when the step cannot count them).
 */
export async function watchWhile<T>(step: string, measure: () => number | undefined, work: Promise<T>): Promise<T> {
  const target = sink;
  if (!target || target.intervalMs === 0) return work;
  const started = Date.now();
  let last = started;
  let previous = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const bytes = measure();
    target.write(formatProgress(step, bytes, previous, now - started, now - last));
    previous = bytes ?? 0;
    last = now;
  }, target.intervalMs);
  timer.unref();
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
