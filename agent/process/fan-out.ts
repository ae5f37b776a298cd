import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';

/**
 * Writes every chunk to a file stream and to any number of secondary streams (the streamed S3 upload),
 * hashing (sha256) and counting on the way. Back-pressure from every live target slows the source, so
 * memory stays bounded. A secondary that fails or is destroyed is dropped, never blocks the file. At the
 * end only the file is ended: the caller decides whether the upload may complete.
 */
export class FanOut extends Writable {
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #digest: string | undefined;

  constructor(
    private readonly file: Writable,
    private readonly secondaries: Writable[] = [],
  ) {
    super({ highWaterMark: 1 << 20 });
    file.on('error', (error) => this.destroy(error));
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
    const waits = [this.file, ...this.secondaries.filter(isWritable)].map((target) => writeWithBackPressure(target, chunk));
    Promise.all(waits).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#digest = this.#hash.digest('hex');
    this.file.end(() => callback());
  }
}

function isWritable(stream: Writable): boolean {
  return !stream.destroyed && !stream.writableEnded;
}

function writeWithBackPressure(target: Writable, chunk: Buffer): Promise<void> {
  if (target.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
  });
}
