import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';

export interface FanOutOptions {
  /**
   * A secondary that takes no data for this long (its buffer stays full) is dropped: destroyed with a
   * StalledStreamError. The file never waits on a secondary longer than this. @default no limit
   */
  stallTimeoutMs?: number;
  /** Aborting drops every secondary at once, so nothing left waits on one. */
  signal?: AbortSignal;
}

/** A secondary stream that stopped taking data (a streamed upload to a server that went silent). */
export class StalledStreamError extends Error {
  override name = 'StalledStreamError';
}

/**
 * Writes every chunk to a file stream and to any number of secondary streams (the streamed S3 upload),
 * hashing (sha256) and counting on the way. Back-pressure from every live target slows the source, so
 * memory stays bounded. A secondary that fails, is destroyed, or stalls past `stallTimeoutMs` is
 * dropped and never blocks the file. At the end only the file is ended: the caller decides whether the
 * upload may complete.
 */
export class FanOut extends Writable {
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #digest: string | undefined;

  constructor(
    /** null when another process writes the file (pg_dump `--file`): only hashing, counting and the secondaries. */
    private readonly file: Writable | null,
    private readonly secondaries: Writable[] = [],
    private readonly options: FanOutOptions = {},
  ) {
    super({ highWaterMark: 1 << 20 });
    file?.on('error', (error) => this.destroy(error));
    const { signal } = options;
    if (signal) {
      const dropAll = () => {
        for (const target of secondaries)
          if (!target.destroyed)
            target.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      if (signal.aborted) dropAll();
      else signal.addEventListener('abort', dropAll, { once: true });
      this.once('close', () => signal.removeEventListener('abort', dropAll));
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The hex sha256 of everything written; available once the stream has finished. */
  get sha256(): string {
    if (!this.#digest) throw new Error('sha256 read before the stream finished');
    return this.#digest;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    const waits = [
      ...(this.file ? [writeWithBackPressure(this.file, chunk)] : []),
      ...this.secondaries
        .filter(isWritable)
        .map((target) => writeWithBackPressure(target, chunk, this.options.stallTimeoutMs)),
    ];
    Promise.all(waits).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#digest = this.#hash.digest('hex');
    if (this.file) this.file.end(() => callback());
    else callback();
  }
}

function isWritable(stream: Writable): boolean {
  return !stream.destroyed && !stream.writableEnded;
}

/** Resolves when `target` wants more (drain) or is gone (close); past `stallMs` it is destroyed as stalled. */
function writeWithBackPressure(target: Writable, chunk: Buffer, stallMs?: number): Promise<void> {
  if (target.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
    if (stallMs !== undefined) {
      timer = setTimeout(
        () => target.destroy(new StalledStreamError(`it took no data for ${formatSeconds(stallMs)}`)),
        stallMs,
      );
    }
  });
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
