import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw } from 'node:zlib';

/**
 * Compresses one block to raw deflate. Not the last block: ends with a sync flush (byte-aligned, not
 * final), so the blocks concatenate into one deflate stream. The last block: ends with Z_FINISH.
 * `dictionary` is the previous block's last 32 KiB, so matches reach back across the boundary.
 */
export type BlockCompressor = (
  block: Buffer,
  dictionary: Buffer | undefined,
  last: boolean,
  level: number,
) => Promise<Buffer>;

export interface ParallelGzipOptions {
  /** Blocks compressed at the same time. */
  threads: number;
  /** zlib level 1–9. @default 6 (gzip's) */
  level?: number;
  /** Uncompressed bytes per block. @default 128 KiB (pigz's) */
  blockSize?: number;
  /** How a block is compressed. @default {@link compressOnThreadPool} */
  compressBlock?: BlockCompressor;
}

/** The deflate window: how far back a match may reach, so how much of the previous block primes the next. */
export const WINDOW_BYTES = 32 * 1024;
export const DEFAULT_BLOCK_SIZE = 128 * 1024;
const DEFAULT_LEVEL = 6;

/** The 10-byte gzip header (RFC 1952): deflate, no name, no mtime (the dump's own name and time say it), Unix. */
export function gzipHeader(level: number): Buffer {
  const extraFlags = level >= 9 ? 2 : level <= 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extraFlags, 3]);
}

/** The 8-byte gzip trailer: CRC-32 and length modulo 2^32 of the uncompressed data, little-endian. */
export function gzipTrailer(crc: number, length: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return trailer;
}

/**
 * zlib's one-shot raw deflate, which runs on libuv's thread pool: the blocks in flight compress on
 * as many cores, while the main thread only copies, checksums and orders them. (Not worker_threads:
 * each of those carries its own V8 heap, 10+ MiB of RSS apiece, and needs its code as a separate file.)
 */
export const compressOnThreadPool: BlockCompressor = (block, dictionary, last, level) =>
  new Promise((resolve, reject) => {
    deflateRaw(
      block,
      { level, dictionary, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH, chunkSize: 64 * 1024 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });

interface Job {
  index: number;
  /** The block and its dictionary, until compressed (then released). */
  input?: { block: Buffer; dictionary: Buffer | undefined };
  last: boolean;
  started: boolean;
  output?: Buffer;
}

/**
 * pigz-style gzip: the input is cut into blocks compressed `threads` at a time and written in order,
 * making one standard gzip member (`gunzip`, `zcat`, `mysql < <(zcat ...)` read it like any other).
 * Memory is bounded: at most 4 × threads blocks are held (queued, compressing or waiting for an earlier
 * one), and the writable side waits beyond that. A block that fails to compress destroys the stream with
 * an error naming the block.
 */
export class ParallelGzip extends Transform {
  readonly #threads: number;
  readonly #level: number;
  readonly #blockSize: number;
  readonly #compress: BlockCompressor;
  readonly #limit: number;
  #current: Buffer;
  #filled = 0;
  #previous: Buffer | undefined;
  #crc = 0;
  #length = 0;
  #nextIndex = 0;
  /** Jobs in order of index: queued, compressing, or compressed and waiting for an earlier one. */
  readonly #jobs: Job[] = [];
  #running = 0;
  #waiting: (() => void) | undefined;
  #failed = false;

  constructor(options: ParallelGzipOptions) {
    super({ readableHighWaterMark: 1 << 20 });
    if (!Number.isInteger(options.threads) || options.threads < 1)
      throw new RangeError(`threads must be a whole number ≥ 1, not ${options.threads}`);
    this.#threads = options.threads;
    this.#level = options.level ?? DEFAULT_LEVEL;
    this.#blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (this.#blockSize < WINDOW_BYTES) throw new RangeError(`blockSize must be at least ${WINDOW_BYTES} bytes`);
    this.#compress = options.compressBlock ?? compressOnThreadPool;
    this.#limit = 4 * this.#threads;
    this.#current = Buffer.allocUnsafe(this.#blockSize);
    this.push(gzipHeader(this.#level));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#crc = crc32(chunk, this.#crc);
    this.#length += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const taken = chunk.copy(this.#current, this.#filled, offset);
      this.#filled += taken;
      offset += taken;
      if (this.#filled === this.#blockSize) {
        this.#submit(this.#current, false);
        this.#current = Buffer.allocUnsafe(this.#blockSize);
        this.#filled = 0;
      }
    }
    this.#whenRoom(callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#submit(this.#current.subarray(0, this.#filled), true);
    this.#whenEmpty(() => {
      this.push(gzipTrailer(this.#crc, this.#length));
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#failed = true;
    this.#jobs.length = 0;
    callback(error);
  }

  #submit(block: Buffer, last: boolean): void {
    const dictionary = this.#previous?.subarray(this.#previous.length - WINDOW_BYTES);
    this.#jobs.push({ index: this.#nextIndex++, input: { block, dictionary }, last, started: false });
    if (!last) this.#previous = block;
    this.#startJobs();
  }

  #startJobs(): void {
    for (const job of this.#jobs) {
      if (this.#running >= this.#threads) return;
      if (job.started) continue;
      job.started = true;
      this.#running += 1;
      const { block, dictionary } = job.input!;
      this.#compress(block, dictionary, job.last, this.#level).then(
        (output) => this.#finished(job, output),
        (error: unknown) => this.#fail(job, error),
      );
    }
  }

  #finished(job: Job, output: Buffer): void {
    this.#running -= 1;
    if (this.#failed) return;
    job.output = output;
    job.input = undefined;
    while (this.#jobs[0]?.output) this.push(this.#jobs.shift()!.output);
    this.#startJobs();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }

  #fail(job: Job, error: unknown): void {
    this.#running -= 1;
    if (this.#failed) return;
    const message = error instanceof Error ? error.message : String(error);
    this.destroy(
      new Error(`compressing block ${job.index} (at byte ${job.index * this.#blockSize}) failed: ${message}`, {
        cause: error,
      }),
    );
  }

  /** Calls `then` once fewer than the limit of blocks are held. */
  #whenRoom(then: () => void): void {
    if (this.#jobs.length < this.#limit) return then();
    this.#waiting = () => this.#whenRoom(then);
  }

  /** Calls `then` once every block has been written out. */
  #whenEmpty(then: () => void): void {
    if (this.#jobs.length === 0) return then();
    this.#waiting = () => this.#whenEmpty(then);
  }
}
