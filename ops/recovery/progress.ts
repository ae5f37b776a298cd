import { formatBytes } from '../../common/format';
import { formatDuration } from '../terminal/duration';

/** Before this much time and data, a rate (and so an ETA) would be a guess from the first chunk. */
const MIN_RATE_MS = 1000;

/**
 * One line of a progress bar: `[#####.....]  42%  1.2 GiB of 2.9 GiB  35.1 MiB/s  ETA 49s`. The rate is
 * the average since the start; the ETA (what is left at that rate) is hidden until there is a rate
 * (a second in and a byte done) and once the download is complete. Pure.
 */
export function renderProgress(done: number, total: number, elapsedMs: number, width = 30): string {
  const share = total > 0 ? Math.min(done / total, 1) : 1;
  const filled = Math.round(share * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const eta = estimateSeconds(done, total, elapsedMs);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${formatBytes(done)} of ${formatBytes(total)}  ${formatBytes(rate)}/s${eta === undefined ? '' : `  ETA ${formatDuration(eta)}`}`;
}

/** Seconds left at the average rate so far; undefined without a rate yet or with nothing left. Pure. */
export function estimateSeconds(done: number, total: number, elapsedMs: number): number | undefined {
  if (elapsedMs < MIN_RATE_MS || done <= 0 || done >= total) return undefined;
  return ((total - done) / done) * (elapsedMs / 1000);
}

/** A progress reporter that redraws one terminal line at most every 200 ms, or does nothing off a terminal. */
export function createProgress(
  stream: NodeJS.WriteStream,
  total: number,
): { update(done: number): void; finish(): void } {
  if (!stream.isTTY) return { update: () => undefined, finish: () => undefined };
  const started = Date.now();
  let last = 0;
  let done = 0;
  // `\u001b[K` clears what a longer previous line (with an ETA) left at the end.
  const draw = () => stream.write(`\r${renderProgress(done, total, Date.now() - started)}\u001b[K`);
  return {
    update(bytes) {
      done = bytes;
      if (Date.now() - last >= 200) {
        last = Date.now();
        draw();
      }
    },
    finish() {
      draw();
      stream.write('\n');
    },
  };
}
