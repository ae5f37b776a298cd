import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { TarCounter, type TarCounts } from '../steps/tar-count';

/** What reading a `.tar.gz` whole found: its entries, its files and their bytes (counted as the media step counts). */
export type ArchiveContents = TarCounts;

/**
 * Reads a gzip-compressed tar archive to its end: every byte is decompressed (a truncated or corrupt
 * gzip stream fails), every header is walked, and the archive must end with its end-of-archive blocks
 * after whole members. Throws naming what is wrong.
 */
export async function readArchiveWhole(path: string, signal?: AbortSignal): Promise<ArchiveContents> {
  const counter = new TarCounter(path);
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  try {
    await pipeline(createReadStream(path), createGunzip(), counter, discard, { signal });
  } catch (error) {
    throw new Error(`${path} cannot be read whole: ${(error as Error).message}`, { cause: error });
  }
  if (!counter.complete) throw new Error(`${path} is truncated: the tar stream stops before its end-of-archive blocks`);
  return counter.counts;
}
