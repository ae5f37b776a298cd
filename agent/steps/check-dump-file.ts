import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { messageOf } from '../errors';
import { runCommand } from '../process/run-command';
import { checkComplete } from './dump-database';

/** The uncompressed bytes kept from the end of a MySQL dump: mysqldump's trailer line is in them. */
const TAIL_BYTES = 4096;

/**
 * Checks a dump file that has no record of the run that made it, as a fresh dump is checked before it
 * counts: a `.sql.gz` must be one whole gzip stream (every member's CRC and length) whose SQL ends with
 * mysqldump's `-- Dump completed` line; a `.tar` must be a whole number of blocks ending with the tar
 * end-of-archive blocks, and `pg_restore --list` must read its table of contents. Throws naming the file
 * and what is wrong; resolves when the dump is whole.
 */
export async function checkDumpFile(path: string, signal?: AbortSignal): Promise<void> {
  try {
    if (path.endsWith('.sql.gz')) await checkGzippedSql(path, signal);
    else if (path.endsWith('.tar')) await checkTarDump(path, signal);
    else throw new Error('it is neither a .sql.gz nor a .tar dump');
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Error(`${path} is not a whole dump (${messageOf(error)}); not uploading it`, { cause: error });
  }
}

async function checkGzippedSql(path: string, signal?: AbortSignal): Promise<void> {
  let tail = Buffer.alloc(0);
  let total = 0;
  const keepTail = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
      callback();
    },
  });
  try {
    await pipeline(createReadStream(path), createGunzip(), keepTail, { signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Error(`gzip: ${messageOf(error)}`, { cause: error });
  }
  checkComplete('mysql', tail, total);
}

async function checkTarDump(path: string, signal?: AbortSignal): Promise<void> {
  const file = await open(path, 'r');
  let tail: Buffer;
  let size: number;
  try {
    size = (await file.stat()).size;
    tail = Buffer.alloc(Math.min(size, 1024));
    await file.read(tail, 0, tail.length, size - tail.length);
  } finally {
    await file.close();
  }
  checkComplete('postgres', tail, size);
  // pg_restore reads every header of the archive's table of contents without a database.
  await runCommand({ file: 'pg_restore', args: ['--list', path] }, { signal });
}
