import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
/** Header types that describe the next member (long names, pax headers), not members themselves. */
const META_TYPES = new Set(['L', 'K', 'x', 'g']);
/** Header types of regular files: their size is the file's bytes. */
const FILE_TYPES = new Set(['0', '\0', '7']);

/** What a tar stream holds, as tar lists it: its members (files, folders, links), its files and their bytes. */
export interface TarCounts {
  entries: number;
  files: number;
  fileBytes: number;
}

/**
 * Walks an uncompressed tar stream's headers as it passes through, unchanged: counts the members, the
 * regular files and their bytes (the size in each header, octal or GNU base-256), skipping the data.
 * `counts` is final once the stream has ended; `ended` says whether the end-of-archive blocks came
 * after whole members. The media step pipes tar's output through it on the way to gzip (no second
 * pass), and the drill pipes the decompressed archive through it: both count the same way.
 */
export class TarCounter extends Transform {
  readonly counts: TarCounts = { entries: 0, files: 0, fileBytes: 0 };
  #header = Buffer.alloc(BLOCK);
  #headerLength = 0;
  #skip = 0;
  #ended = false;

  constructor(private readonly label: string) {
    super();
  }

  /** True when the stream ended with its end-of-archive block after whole members. */
  get complete(): boolean {
    return this.#ended && this.#skip === 0 && this.#headerLength === 0;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#walk(chunk);
    } catch (error) {
      return callback(error as Error);
    }
    callback(null, chunk);
  }

  #walk(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, chunk.length - i);
        this.#skip -= take;
        i += take;
        continue;
      }
      const take = Math.min(BLOCK - this.#headerLength, chunk.length - i);
      chunk.copy(this.#header, this.#headerLength, i, i + take);
      this.#headerLength += take;
      i += take;
      if (this.#headerLength < BLOCK) continue;
      this.#headerLength = 0;
      if (this.#header.every((byte) => byte === 0)) {
        this.#ended = true;
        continue;
      }
      if (this.#ended) throw new Error(`${this.label}: data after the end-of-archive blocks`);
      const size = headerSize(this.#header);
      if (!Number.isSafeInteger(size) || size < 0) throw new Error(`${this.label}: a tar header with a bad size`);
      const type = String.fromCharCode(this.#header[156] ?? 0);
      if (!META_TYPES.has(type)) {
        this.counts.entries++;
        if (FILE_TYPES.has(type)) {
          this.counts.files++;
          this.counts.fileBytes += size;
        }
      }
      this.#skip = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    }
  }
}

/** The size field of a tar header: octal, or GNU's base-256 (first byte 0x80) for files of 8 GiB and more. */
function headerSize(header: Buffer): number {
  if ((header[124]! & 0x80) !== 0) {
    let size = header[124]! & 0x7f;
    for (let i = 125; i < 136; i++) size = size * 256 + header[i]!;
    return size;
  }
  const text = header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}
