import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DumpResult } from './dump-database';
import { describeS3Error } from './s3-client';
import {
  type ObjectTarget,
  describeWriter,
  isAccessDenied,
  type ObjectProbe,
  probeObject,
  putChecksum,
} from './s3-upload';
import { uploadDump } from './upload-dump';

/** How a pending dump got into S3: uploaded now, found there whole, or found without its `.sha256` (written now). */
export type Placement = 'uploaded' | 'found' | 'repaired';

export interface PendingDump {
  dump: DumpResult;
  target: ObjectTarget;
  /** The run that made the dump, when its record says (its object carries the same `run-id`). */
  madeBy?: string;
  client: () => S3Client;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** The conditional write of a pending dump was refused: the key exists (or is being written). */
class KeyTakenError extends Error {
  override name = 'KeyTakenError';
}

/**
 * Gets one earlier dump into S3 at its own key, or proves it is there. A HEAD that answers 403 (no
 * s3:ListBucket) is "unknown", never "absent" or "present": the conditional upload decides (412: the key
 * exists). A stored object is this dump only if its `.sha256` says the same checksum, or, when that
 * `.sha256` is missing (its write failed), if it has the dump's size and was written by the run that
 * made the dump (`run-id`) or hashes to the same bytes; then the missing `.sha256` is written. Anything
 * else at the key is another dump: an error naming it, and nothing is written.
 */
export async function placePendingDump(input: PendingDump): Promise<Placement> {
  const { dump, target, signal } = input;
  const client = input.client();
  const url = `s3://${target.bucket}/${target.key}`;
  let stored = await probeObject(client, target.bucket, target.key, signal);
  if (typeof stored === 'string') {
    try {
      await uploadDump({
        dump,
        target,
        client: input.client,
        moveToNextTimestamp: () => Promise.reject(new KeyTakenError(`${url} exists`)),
        log: input.log,
        signal,
      });
      return 'uploaded';
    } catch (error) {
      if (!(error instanceof KeyTakenError)) throw error;
    }
    stored = await probeObject(client, target.bucket, target.key, signal);
    if (typeof stored === 'string')
      throw new Error(`${url} exists (S3 refused a conditional write) but cannot be read (HEAD: ${stored})`);
  }
  const checksum = await storedChecksum(client, target.bucket, `${target.key}.sha256`, signal);
  if (checksum !== undefined) {
    if (checksum === dump.sha256) return 'found';
    throw new Error(`${url} already holds another dump (its .sha256 says ${checksum}); ${dump.path} stays local`);
  }
  await expectSameBytes(client, input, stored);
  // The pair is the original run's: the .sha256 carries the dump object's own metadata.
  await putChecksum(client, { ...target, metadata: stored.metadata }, dump.sha256, signal);
  input.log(`catch-up  ${url} had no .sha256: it holds ${dump.path} byte for byte; wrote its .sha256`);
  return 'repaired';
}

/** Throws unless the object at the target is the local dump: same size, and the same run or the same hash. */
async function expectSameBytes(client: S3Client, input: PendingDump, stored: Exclude<ObjectProbe, string>) {
  const { dump, target, signal } = input;
  const another = (why: string) =>
    new Error(
      `s3://${target.bucket}/${target.key} already holds another dump (${why}; no .sha256; ${describeWriter(stored.metadata)}); ${dump.path} stays local`,
    );
  if (stored.bytes !== dump.bytes) throw another(`${stored.bytes} bytes, the local dump ${dump.bytes}`);
  if (input.madeBy && stored.metadata['run-id'] === input.madeBy) return;
  const object = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: target.key }), {
    abortSignal: signal,
  });
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  const remote = hash.digest('hex');
  if (remote !== dump.sha256)
    throw another(`its bytes hash to ${remote.slice(0, 12)}, the local dump's to ${dump.sha256.slice(0, 12)}`);
}

/**
 * The sha256 a stored `.sha256` gives: its `sha256` metadata, or else its `sha256sum` line; undefined when
 * there is none to read (404, or 403 without s3:ListBucket: the conditional write of it decides later).
 */
async function storedChecksum(
  client: S3Client,
  bucket: string,
  key: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const head = await probeObject(client, bucket, key, signal);
  if (typeof head === 'string') return undefined;
  if (head.metadata.sha256) return head.metadata.sha256;
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return /^([0-9a-f]{64})\s/.exec((await object.Body?.transformToString()) ?? '')?.[1];
  } catch (error) {
    if (isAccessDenied(error)) return undefined;
    throw new Error(`reading s3://${bucket}/${key} failed: ${describeS3Error(error)}`, { cause: error });
  }
}
