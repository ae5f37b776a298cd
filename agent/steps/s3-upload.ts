import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describeS3Error, untilAborted } from './s3-client';
import { watchWhile } from '../process/progress';

// The ops CLI and the bench reach the client factory through the agent's public module, from here.
export { createS3Client } from './s3-client';

/**
 * Part size and queue: at most PART_SIZE x QUEUE_SIZE bytes are buffered. Measured (docs/performance.md):
 * 8 MiB x 2 keeps the agent's peak RSS near 140 MiB while the upload still ends seconds after the dump;
 * 10,000 parts allow objects up to 78 GiB.
 */
export const PART_SIZE = 8 * 1024 * 1024;
export const QUEUE_SIZE = 2;

/** Where an object goes and what it says about itself. */
export interface ObjectTarget {
  bucket: string;
  key: string;
  /** Includes `run-id`: which run wrote the object (its `.sha256` carries the same). */
  metadata: Record<string, string>;
  contentType: string;
  /**
   * Object tags, sent with the write that creates the object (`x-amz-tagging` on the PutObject or
   * CreateMultipartUpload), never by a later PutObjectTagging: the object never exists untagged, and
   * the lifecycle rule that expires it (by `backopper:tier`) applies from the start.
   */
  tags?: Record<string, string>;
}

/** Tags as the `Tagging` parameter (`x-amz-tagging`): URL query encoding. */
export function taggingOf(tags: Record<string, string> | undefined): string | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined;
  return new URLSearchParams(tags).toString();
}

/** Another run (another server, same app and second) already stored, or is storing, this key. */
export class ObjectExistsError extends Error {
  override name = 'ObjectExistsError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`s3://${bucket}/${key} already exists`, options);
  }
}

/** An upload fed while the dump runs. It completes only when `complete()` is called. */
export interface StreamedUpload {
  /** Write the dump's bytes here (FanOut does); never ended by the writer. */
  body: PassThrough;
  /** Why the upload can no longer complete (its body was dropped or S3 failed), if it cannot. */
  readonly failure: Error | undefined;
  /** Ends the body and waits for S3 to confirm the object; throws ObjectExistsError if the key was taken. */
  complete(signal?: AbortSignal): Promise<void>;
  /** Abandons the upload (nothing appears under the key); resolves when S3 was told, which may never happen. */
  abort(reason: Error): Promise<void>;
}

/**
 * Starts a multipart upload that sends parts as the body produces them. The object is written only if
 * its key does not exist yet (`If-None-Match: *` on the PutObject or CompleteMultipartUpload that
 * creates it), so no run can replace another run's dump.
 */
export function startStreamedUpload(client: S3Client, target: ObjectTarget): StreamedUpload {
  const body = new PassThrough({ highWaterMark: PART_SIZE });
  const upload = new Upload({ client, params: toParams(target, body), partSize: PART_SIZE, queueSize: QUEUE_SIZE });
  let failure: Error | undefined;
  body.on('error', (error) => (failure ??= error));
  const done = upload.done().catch((error: unknown) => {
    failure ??= error instanceof Error ? error : new Error(String(error));
    body.destroy();
    throw toUploadError(error, target);
  });
  // Settled by complete() or abort(); keep an early failure from being an unhandled rejection.
  done.catch(() => undefined);
  return {
    body,
    get failure() {
      return failure;
    },
    async complete(signal) {
      if (failure) throw failure;
      body.end();
      await untilAborted(done, signal);
    },
    abort(reason) {
      failure ??= reason;
      // A body that fails makes lib-storage abort the multipart upload (no object, no parts left) once
      // the parts in flight have settled; callers that must not wait for a silent server do not await.
      body.destroy(reason);
      return done.then(
        () => undefined,
        () => undefined,
      );
    },
  };
}

/** Uploads a finished local file (the retry path), only if the key is free; throws ObjectExistsError if not. */
export async function uploadFile(
  client: S3Client,
  target: ObjectTarget,
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const source = createReadStream(path);
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const upload = new Upload({
      client,
      params: toParams(target, source),
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      abortController: controller,
    });
    let sent = 0;
    upload.on('httpUploadProgress', (progress) => (sent = progress.loaded ?? sent));
    await watchWhile('upload', () => sent, upload.done()).catch((error: unknown) => {
      throw options.signal?.aborted ? options.signal.reason : toUploadError(error, target);
    });
  } finally {
    options.signal?.removeEventListener('abort', stop);
    source.destroy();
  }
}

/** The stored object's size and metadata, or undefined when there is none. */
export async function headObject(
  client: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ bytes: number; metadata: Record<string, string> } | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return { bytes: head.ContentLength ?? -1, metadata: head.Metadata ?? {} };
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

/** What a HEAD says about a key: the object, `absent` (404), or `unknown` (403: without s3:ListBucket S3 does not say). */
export type ObjectProbe = { bytes: number; metadata: Record<string, string> } | 'absent' | 'unknown';

/**
 * HEADs a key without taking a 403 for an answer: the servers' role has no s3:ListBucket, so S3 answers
 * 403, not 404, for a key that does not exist (and also for one the role may not read). Only a
 * conditional write can then tell whether the key is free.
 */
export async function probeObject(
  client: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<ObjectProbe> {
  try {
    return (await headObject(client, bucket, key, signal)) ?? 'absent';
  } catch (error) {
    if (isAccessDenied(error)) return 'unknown';
    throw error;
  }
}

/** S3 answered 403 (AccessDenied; a HEAD has no body, so only the status says it). */
export function isAccessDenied(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return $metadata?.httpStatusCode === 403 || name === 'AccessDenied';
}

/** Checks that the stored object is the one this run wrote (its `run-id`) and has the size we wrote. */
export async function verifyStoredObject(
  client: S3Client,
  target: ObjectTarget,
  expectedBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  const url = `s3://${target.bucket}/${target.key}`;
  const head = await probeObject(client, target.bucket, target.key, signal);
  if (typeof head === 'string') throw new Error(`${url} is missing after its upload (HEAD: ${head})`);
  if (head.metadata['run-id'] !== target.metadata['run-id'])
    throw new Error(`${url} was replaced by another run (${describeWriter(head.metadata)})`);
  if (head.bytes !== expectedBytes) throw new Error(`${url} holds ${head.bytes} bytes, expected ${expectedBytes}`);
}

/**
 * Stores `<key>.sha256` in `sha256sum` format next to the dump, only if it does not exist yet; its
 * metadata names the run, as the dump's does. The hash is known only when the dump ends, after the
 * multipart upload's metadata was fixed, so it lives in this small companion object.
 */
export async function putChecksum(
  client: S3Client,
  target: ObjectTarget,
  sha256: string,
  signal?: AbortSignal,
): Promise<string> {
  const key = `${target.key}.sha256`;
  const fileName = target.key.slice(target.key.lastIndexOf('/') + 1);
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: `${sha256}  ${fileName}\n`,
        ContentType: 'text/plain',
        Metadata: { ...target.metadata, sha256 },
        Tagging: taggingOf(target.tags),
        IfNoneMatch: '*',
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    if (!isKeyTaken(error))
      throw new Error(`storing s3://${target.bucket}/${key} failed: ${describeS3Error(error)}`, { cause: error });
    // Ours if a retried PUT found its own first attempt; anyone else's means the pair is not one run's.
    const probe = await probeObject(client, target.bucket, key, signal);
    const head = typeof probe === 'string' ? undefined : probe;
    if (head?.metadata['run-id'] !== target.metadata['run-id'] || head.metadata.sha256 !== sha256) {
      throw new Error(
        `s3://${target.bucket}/${key} already exists, written by another run (${describeWriter(head?.metadata ?? {})}); the checksum of this dump cannot be stored beside it`,
        { cause: error },
      );
    }
  }
  return key;
}

/** Who wrote an object, from its metadata: for messages. */
export function describeWriter(metadata: Record<string, string>): string {
  return `run ${metadata['run-id'] ?? 'unknown'} on host ${metadata.host ?? 'unknown'}`;
}

/** Whether S3 refused a conditional write: the key exists (412) or another write of it is in progress (409). */
export function isKeyTaken(error: unknown): boolean {
  if (error instanceof ObjectExistsError) return true;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return $metadata?.httpStatusCode === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}

function toUploadError(error: unknown, target: ObjectTarget): Error {
  if (isKeyTaken(error)) return new ObjectExistsError(target.bucket, target.key, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

function toParams(target: ObjectTarget, body: Readable) {
  return {
    Bucket: target.bucket,
    Key: target.key,
    Body: body,
    ContentType: target.contentType,
    Metadata: target.metadata,
    Tagging: taggingOf(target.tags),
    // Passed by lib-storage to the PutObject (small bodies) or CompleteMultipartUpload that creates the
    // object: S3 refuses with 412 when the key exists, so no run replaces another run's dump.
    IfNoneMatch: '*',
  };
}
