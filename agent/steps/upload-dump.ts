import type { S3Client } from '@aws-sdk/client-s3';
import type { DumpResult } from './dump-database';
import { messageOf } from '../errors';
import { StalledStreamError } from '../process/fan-out';
import { describeS3Error, untilAborted } from './s3-client';
import {
  type ObjectTarget,
  type StreamedUpload,
  describeWriter,
  isKeyTaken,
  probeObject,
  putChecksum,
  uploadFile,
  verifyStoredObject,
} from './s3-upload';

/** How many later seconds a run tries when the servers holding the same app all ran in the same one. */
const MAX_KEY_MOVES = 5;

/** Where a dump is: its local file and its S3 object, named after one run timestamp. */
export interface DumpPlacement {
  dump: DumpResult;
  target: ObjectTarget;
}

export interface UploadDumpInput extends DumpPlacement {
  client: () => S3Client;
  /** The upload fed while the dump ran, if it was started. */
  streamed?: StreamedUpload;
  /** Renames the run to its next free timestamp (local file included) when its key was taken. */
  moveToNextTimestamp: () => Promise<DumpPlacement>;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** The upload's outcome: where the dump ended up, its `.sha256` key, and what the report should say. */
export interface UploadOutcome extends DumpPlacement {
  checksumKey: string;
  warnings: string[];
}

/**
 * Stores the dump in S3 under a key no other run has: completes the streamed upload, or, when it failed
 * or was dropped, uploads the local file. Every write is conditional (the key must not exist); when
 * another server's run of the same app got the key first, the run moves to its next free second and
 * uploads again. Then checks the stored object is this run's and stores its `.sha256`, conditionally
 * too. Throws with the bucket and key in the message; every wait ends when `signal` aborts.
 */
export async function uploadDump(input: UploadDumpInput): Promise<UploadOutcome> {
  const { streamed, signal, log } = input;
  let { dump, target } = input;
  const client = input.client();
  const warnings: string[] = [];
  const url = () => `s3://${target.bucket}/${target.key}`;
  let stored = false;
  let taken: string | undefined;
  let streamProblem: string | undefined;

  if (streamed?.failure) {
    const hint = streamed.failure instanceof StalledStreamError ? ' (BACKOPPER_UPLOAD_STALL_TIMEOUT)' : '';
    streamProblem = `the streamed upload was dropped: ${describeS3Error(streamed.failure)}${hint}`;
    void streamed.abort(streamed.failure); // S3 may be the part that hangs: do not wait for it
  } else if (streamed) {
    try {
      await streamed.complete(signal);
      stored = true;
    } catch (error) {
      if (signal.aborted) throw error;
      if (isKeyTaken(error)) taken = await takenBy(target);
      else streamProblem = `the streamed upload failed: ${describeS3Error(error)}`;
    }
  }
  if (streamProblem) log(`upload    ${streamProblem}; retrying once from ${dump.path}`);

  for (let moves = 0; !stored;) {
    if (taken !== undefined) {
      if (moves === MAX_KEY_MOVES)
        throw new Error(`${url()} and the next ${MAX_KEY_MOVES} seconds' keys were all stored by other runs`);
      moves += 1;
      const previous = url();
      ({ dump, target } = await input.moveToNextTimestamp());
      const warning = `${previous} was stored by another run (${taken}); stored as ${target.key.slice(target.key.lastIndexOf('/') + 1)} instead`;
      log(`upload    ${warning}`);
      warnings.push(warning);
      taken = undefined;
    }
    try {
      await uploadFile(client, target, dump.path, { signal });
      stored = true;
    } catch (error) {
      if (signal.aborted) throw error;
      if (!isKeyTaken(error)) {
        const after = streamProblem ? `; before that, ${streamProblem}` : '';
        throw new Error(`uploading ${dump.path} to ${url()} failed: ${describeS3Error(error)}${after}`, {
          cause: error,
        });
      }
      taken = await takenBy(target);
    }
  }
  if (streamProblem) warnings.push(`${streamProblem}; uploaded from the local file instead`);

  await untilAborted(verifyStoredObject(client, target, dump.bytes, signal), signal);
  const checksumKey = await untilAborted(putChecksum(client, target, dump.sha256, signal), signal);
  return { dump, target, checksumKey, warnings };

  /**
   * Who holds the key a conditional write was refused for. A retried request can find its own first
   * attempt stored: then the key is ours after all (the caller carries on as if it had been stored).
   */
  async function takenBy(at: ObjectTarget): Promise<string | undefined> {
    const head = await probeObject(client, at.bucket, at.key, signal).catch((error: unknown) => {
      throw new Error(`s3://${at.bucket}/${at.key} exists but cannot be read: ${messageOf(error)}`, { cause: error });
    });
    if (typeof head !== 'string' && head.metadata['run-id'] === at.metadata['run-id']) {
      stored = true;
      return undefined;
    }
    // 409 (another write in progress) leaves nothing to read yet: S3 answers 404, or 403 without ListBucket.
    return typeof head !== 'string' ? describeWriter(head.metadata) : 'a write in progress';
  }
}
