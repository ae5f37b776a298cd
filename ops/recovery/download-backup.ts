import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoredBackup } from './stored-backups';

export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
}

/**
 * Downloads `backup` into `dir` under its own file name, through a `.part` file, hashing on the way.
 * When `expectedSha256` is given and the bytes differ, the file is deleted and ChecksumMismatchError
 * thrown: a corrupt download is never left where it could be imported.
 */
export async function downloadBackup(input: {
  s3: S3Client;
  bucket: string;
  backup: StoredBackup;
  dir: string;
  expectedSha256?: string;
  onProgress?: (bytes: number) => void;
}): Promise<{ path: string; sha256: string; bytes: number }> {
  const name = input.backup.key.slice(input.backup.key.lastIndexOf('/') + 1);
  const path = join(input.dir, name);
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
    const object = await input.s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: input.backup.key }));
    await pipeline(object.Body as Readable, meter, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    const sha256 = hash.digest('hex');
    if (input.expectedSha256 && sha256 !== input.expectedSha256) {
      throw new ChecksumMismatchError(
        `s3://${input.bucket}/${input.backup.key}: downloaded sha256 ${sha256} does not match the stored ${input.expectedSha256}; the download was deleted`,
      );
    }
    await rename(partial, path);
    return { path, sha256, bytes };
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
}
