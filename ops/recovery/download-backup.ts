import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoredBackup } from './stored-backups';

export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
}

/** Thrown when the download was stopped (Ctrl-C): the `.part` file named in the message was removed. */
export class DownloadInterruptedError extends Error {
  override name = 'DownloadInterruptedError';
}

/** What {@link downloadBackup} left on disk: `reused` when a local file with the expected sha256 was already there. */
export interface DownloadResult {
  path: string;
  sha256: string;
  bytes: number;
  reused: boolean;
}

/** The sha256 and size of a local file, or undefined when there is no such file. */
export async function hashLocalFile(path: string): Promise<{ sha256: string; bytes: number } | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return { sha256: hash.digest('hex'), bytes: info.size };
}

/**
 * Downloads `backup` into `dir` under its own file name, through a `.part` file, hashing on the way.
 * A file already there whose sha256 is `expectedSha256` is reused (nothing downloaded). When the bytes
 * differ from `expectedSha256`, the download is deleted and ChecksumMismatchError thrown: a corrupt
 * download is never left where it could be imported. Aborting `signal` (Ctrl-C) stops the download,
 * removes the `.part` and throws DownloadInterruptedError.
 */
export async function downloadBackup(input: {
  s3: S3Client;
  bucket: string;
  backup: StoredBackup;
  dir: string;
  expectedSha256?: string;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}): Promise<DownloadResult> {
  const name = input.backup.key.slice(input.backup.key.lastIndexOf('/') + 1);
  const path = join(input.dir, name);
  if (input.expectedSha256) {
    const local = await hashLocalFile(path);
    if (local?.sha256 === input.expectedSha256) return { path, ...local, reused: true };
  }
  const partial = `${path}.part`;
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      input.onProgress?.(bytes);
      callback(null, chunk);
    },
  });
  try {
    const object = await input.s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: input.backup.key }), {
      abortSignal: input.signal,
    });
    // Over a .part a killed restore left (SIGKILL: no handler ran), never beside it: it is ours to replace.
    await pipeline(object.Body as Readable, meter, createWriteStream(partial, { flags: 'w', mode: 0o600 }), {
      signal: input.signal,
    });
    const sha256 = hash.digest('hex');
    if (input.expectedSha256 && sha256 !== input.expectedSha256) {
      throw new ChecksumMismatchError(
        `s3://${input.bucket}/${input.backup.key}: downloaded sha256 ${sha256} does not match the stored ${input.expectedSha256}; the download was deleted`,
      );
    }
    await rename(partial, path);
    return { path, sha256, bytes, reused: false };
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    if (input.signal?.aborted)
      throw new DownloadInterruptedError(
        `interrupted after ${bytes} bytes of s3://${input.bucket}/${input.backup.key}; removed the partial download ${partial}`,
        { cause: error },
      );
    throw error;
  }
}
