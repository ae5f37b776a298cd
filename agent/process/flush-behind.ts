import { fdatasync } from 'node:fs';
import type { WriteStream } from 'node:fs';

/** Dirty bytes after which the file's data is handed to the disk in the background. */
export const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;
const POLL_MS = 100;

/**
 * Starts writing `file`'s data to disk while it is still being written: each time another
 * `everyBytes` have been written, an fdatasync runs in the background (one at a time). The disk works
 * alongside the dump instead of after it, so the final fsync before the rename finds little left
 * (without this, 1 GB of page cache waits for that fsync: about a second here). Errors are left to the
 * final fsync, which reports them. Stops by itself when the stream closes.
 */
export function flushBehind(file: WriteStream, everyBytes = FLUSH_EVERY_BYTES): void {
  let flushedAt = 0;
  let busy = false;
  let fd: number | undefined;
  file.once('open', (opened: number) => (fd = opened));
  const timer = setInterval(() => {
    if (busy || fd === undefined || file.bytesWritten - flushedAt < everyBytes) return;
    busy = true;
    const upTo = file.bytesWritten;
    fdatasync(fd, () => {
      // An error here (the file already closed) is no news: the final fsync reports real ones.
      busy = false;
      flushedAt = upTo;
    });
  }, POLL_MS);
  timer.unref();
  file.once('close', () => clearInterval(timer));
}
