import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

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
  metadata: Record<string, string>;
  contentType: string;
}

/**
 * The S3 client: the standard SDK settings (AWS_REGION, AWS_ENDPOINT_URL_S3, instance role...) decide
 * where it goes; a custom endpoint (an S3-compatible server) gets path-style addressing.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
}

/** An upload fed while the dump runs. It completes only when `complete()` is called. */
export interface StreamedUpload {
  /** Write the dump's bytes here (FanOut does); never ended by the writer. */
  body: PassThrough;
  /** Ends the body and waits for S3 to confirm the object. */
  complete(): Promise<void>;
  /** Abandons the upload: nothing appears under the key, parts are discarded. */
  abort(reason: Error): Promise<void>;
}

/** Starts a multipart upload that sends parts as the body produces them. */
export function startStreamedUpload(client: S3Client, target: ObjectTarget): StreamedUpload {
  const body = new PassThrough({ highWaterMark: PART_SIZE });
  const upload = new Upload({ client, params: toParams(target, body), partSize: PART_SIZE, queueSize: QUEUE_SIZE });
  const done = upload.done();
  // Settled below by complete() or abort(); keep an early failure from being an unhandled rejection.
  done.catch(() => body.destroy());
  return {
    body,
    async complete() {
      body.end();
      await done;
    },
    async abort(reason: Error) {
      // A body that fails makes lib-storage abort the multipart upload (no object, no parts left).
      body.destroy(reason);
      await done.catch(() => undefined);
    },
  };
}

/** Uploads a finished local file (the retry path, and dumps whose streamed upload failed). */
export async function uploadFile(client: S3Client, target: ObjectTarget, path: string): Promise<void> {
  const upload = new Upload({ client, params: toParams(target, createReadStream(path)), partSize: PART_SIZE, queueSize: QUEUE_SIZE });
  await upload.done();
}

/** Checks that the stored object has the size we wrote; returns what S3 reports. */
export async function verifyObjectSize(client: S3Client, bucket: string, key: string, expected: number): Promise<number> {
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  if (head.ContentLength !== expected) {
    throw new Error(`s3://${bucket}/${key} holds ${head.ContentLength} bytes, expected ${expected}`);
  }
  return expected;
}

/**
 * Stores `<key>.sha256` in `sha256sum` format next to the dump. The hash is known only when the dump
 * ends, after the multipart upload's metadata was fixed, so it lives in this small companion object.
 */
export async function putChecksum(client: S3Client, target: ObjectTarget, sha256: string): Promise<string> {
  const key = `${target.key}.sha256`;
  const fileName = target.key.slice(target.key.lastIndexOf('/') + 1);
  await client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: key,
      Body: `${sha256}  ${fileName}\n`,
      ContentType: 'text/plain',
      Metadata: { ...target.metadata, sha256 },
    }),
  );
  return key;
}

function toParams(target: ObjectTarget, body: Readable) {
  return {
    Bucket: target.bucket,
    Key: target.key,
    Body: body,
    ContentType: target.contentType,
    Metadata: target.metadata,
  };
}
