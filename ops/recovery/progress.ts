import { formatBytes } from '../../common/format';

/** One line of a progress bar: `[#####.....]  42%  1.2 GiB of 2.9 GiB  35.1 MiB/s`. Pure. */
export function renderProgress(done: number, total: number, elapsedMs: number, width = 30): string {
  const share = total > 0 ? Math.min(done / total, 1) : 1;
  const filled = Math.round(share * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${formatBytes(done)} of ${formatBytes(total)}  ${formatBytes(rate)}/s`;
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
  const draw = () => stream.write(`\r${renderProgress(done, total, Date.now() - started)}`);
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
