import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** Bytes asked for per read: large reads from the page cache cost far less per byte than 64 KiB pipe reads. */
export const FOLLOW_CHUNK_BYTES = 1 << 20;
/** How long to wait at the current end of the file before looking again while the writer still runs. */
export const FOLLOW_POLL_MS = 10;

export interface FollowOptions {
  chunkBytes?: number;
  pollMs?: number;
}

/**
 * Reads a file that another process (pg_dump `--file`) is appending to, from its start. At the current
 * end it waits and looks again until `writerExited` settles; then it reads what is left and ends. The
 * end is the real end: the read that found nothing started after the writer had exited. `position` is
 * the number of bytes read so far. The handle stays the caller's to close.
 */
export class FileFollower extends Readable {
  #position = 0;
  #exited = false;
  #wake: (() => void) | undefined;
  #spare: Buffer | undefined;
  readonly #chunkBytes: number;
  readonly #pollMs: number;

  constructor(
    private readonly handle: FileHandle,
    writerExited: Promise<unknown>,
    options: FollowOptions = {},
  ) {
    const chunkBytes = options.chunkBytes ?? FOLLOW_CHUNK_BYTES;
    super({ highWaterMark: chunkBytes });
    this.#chunkBytes = chunkBytes;
    this.#pollMs = options.pollMs ?? FOLLOW_POLL_MS;
    const settle = () => {
      this.#exited = true;
      this.#wake?.();
    };
    writerExited.then(settle, settle);
  }

  get position(): number {
    return this.#position;
  }

  override _read(): void {
    this.#readNext().catch((error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#wake?.();
    callback(error);
  }

  async #readNext(): Promise<void> {
    for (;;) {
      if (this.destroyed) return;
      const exitedBefore = this.#exited;
      const buffer = this.#spare ?? Buffer.allocUnsafe(this.#chunkBytes);
      this.#spare = undefined;
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.#position);
      if (bytesRead > 0) {
        this.#position += bytesRead;
        // A short read is copied out so that a mostly empty 1 MiB buffer is not held downstream.
        if (bytesRead < buffer.length / 2) {
          this.#spare = buffer;
          this.push(Buffer.from(buffer.subarray(0, bytesRead)));
        } else this.push(buffer.subarray(0, bytesRead));
        return;
      }
      this.#spare = buffer;
      if (exitedBefore) {
        this.push(null);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }
}
