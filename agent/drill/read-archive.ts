import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const BLOCK = 512;

/** What reading a `.tar.gz` whole found: its entries, the bytes of its files, and whether it ended properly. */
export interface ArchiveContents {
  entries: number;
  files: number;
  fileBytes: number;
}

/**
 * Reads a gzip-compressed tar archive to its end: every byte is decompressed (a truncated or corrupt
 * gzip stream fails), every header is walked, and the archive must end with its end-of-archive blocks
 * after whole members. Throws naming what is wrong.
 */
export async function readArchiveWhole(path: string, signal?: AbortSignal): Promise<ArchiveContents> {
  const contents: ArchiveContents = { entries: 0, files: 0, fileBytes: 0 };
  const header = Buffer.alloc(BLOCK);
  let headerLength = 0;
  let skip = 0; // data and padding of the current member
  let ended = false;
  const walker = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      let i = 0;
      while (i < chunk.length) {
        if (skip > 0) {
          const take = Math.min(skip, chunk.length - i);
          skip -= take;
          i += take;
          continue;
        }
        const take = Math.min(BLOCK - headerLength, chunk.length - i);
        chunk.copy(header, headerLength, i, i + take);
        headerLength += take;
        i += take;
        if (headerLength < BLOCK) continue;
        headerLength = 0;
        if (header.every((byte) => byte === 0)) {
          ended = true;
          continue;
        }
        if (ended) return callback(new Error(`${path}: data after the end-of-archive blocks`));
        const size = parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
        if (!Number.isFinite(size)) return callback(new Error(`${path}: a tar header with a bad size`));
        const type = String.fromCharCode(header[156] ?? 0);
        contents.entries++;
        if (type === '0' || type === '\0') {
          contents.files++;
          contents.fileBytes += size;
        }
        skip = size + ((BLOCK - (size % BLOCK)) % BLOCK);
      }
      callback();
    },
  });
  try {
    await pipeline(createReadStream(path), createGunzip(), walker, { signal });
  } catch (error) {
    throw new Error(`${path} cannot be read whole: ${(error as Error).message}`, { cause: error });
  }
  if (!ended || skip > 0 || headerLength > 0)
    throw new Error(`${path} is truncated: the tar stream stops before its end-of-archive blocks`);
  return contents;
}
