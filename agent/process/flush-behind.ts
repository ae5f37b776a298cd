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
  let stop: (() => Promise<void>) | undefined;
  file.once('open', (fd: number) => {
    stop = flushBehindFd(fd, () => file.bytesWritten, everyBytes);
  });
  file.once('close', () => void stop?.());
}

/**
 * The same for a file another process writes (pg_dump `--file`): `fd` is any descriptor of it (an
 * fdatasync flushes the file, whoever wrote it) and `written` tells how far it has got. Returns the
 * function that stops it, resolving once no fdatasync is in flight; await it before closing `fd`.
 */
export function flushBehindFd(fd: number, written: () => number, everyBytes = FLUSH_EVERY_BYTES): () => Promise<void> {
  let flushedAt = 0;
  let busy = false;
  let stopped = false;
  let idle: (() => void) | undefined;
  const timer = setInterval(() => {
    if (busy || stopped || written() - flushedAt < everyBytes) return;
    busy = true;
    const upTo = written();
    fdatasync(fd, () => {
      // An error here (the file already closed) is no news: the final fsync reports real ones.
      busy = false;
      flushedAt = upTo;
      idle?.();
    });
  }, POLL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    return busy ? new Promise<void>((resolve) => (idle = resolve)) : Promise.resolve();
  };
}
