import { PassThrough } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StrictS3, startStrictS3 } from '../services/s3-conditional';

// The strict front stands in for AWS S3 in every agent test: these tests pin the behaviour AWS documents
// for the servers' role (no s3:ListBucket), one attempt per call (maxAttempts 1), so what is seen is the
// service's answer and not the SDK's retry.
describe('the strict S3 front', () => {
  let s3: StrictS3;
  let client: S3Client;
  let n = 0;
  let key: string;
  const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const failure = async (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );
  const put = (Key: string, Body: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body, IfNoneMatch: '*', ...extra }));
  const tagsOf = async (Key: string) =>
    (await client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key }))).TagSet?.map((t) => [t.Key, t.Value]);

  beforeAll(async () => {
    s3 = await startStrictS3('front-test');
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });
  beforeEach(() => {
    n += 1;
    key = `app/live/object-${n}`;
    s3.front.setListBucket(false);
  });

  it('answers 403 AccessDenied, not 404, for a HEAD or GET of a missing key, and refuses listing', async () => {
    expect(status(await failure(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))))).toBe(403);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key })))).toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(await failure(client.send(new ListObjectsV2Command({ Bucket: s3.bucket })))).toMatchObject({
      name: 'AccessDenied',
    });
    await put(key, 'here');
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(head.ContentLength).toBe(4);
  });

  it('answers 404 for a missing key when the role may list the bucket', async () => {
    s3.front.setListBucket(true);
    expect(status(await failure(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))))).toBe(404);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key })))).toMatchObject({
      name: 'NoSuchKey',
    });
    await expect(client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).resolves.toBeDefined();
  });

  it('refuses a conditional write of a key that exists with 412, and one of a key being written with 409', async () => {
    await put(key, 'first');
    expect(await failure(put(key, 'second'))).toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await s3.getObject(key)).toString()).toBe('first');
    // A body that has not ended yet keeps the first write in progress.
    const other = `${key}-slow`;
    const body = new PassThrough();
    body.write('half');
    const slow = put(other, body as never, { ContentLength: 8 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await failure(put(other, 'racer'))).toMatchObject({ $metadata: { httpStatusCode: 409 } });
    body.end('half');
    await slow;
    expect((await s3.getObject(other)).toString()).toBe('halfhalf');
    expect(s3.front.refused()).toEqual(expect.arrayContaining([`412 PutObject ${key}`, `409 PutObject ${other}`]));
  });

  it('refuses a write without If-None-Match with 403, as the bucket policy does; multipart parts need none', async () => {
    await put(key, 'first');
    expect(await failure(put(key, 'overwrite', { IfNoneMatch: undefined }))).toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect((await s3.getObject(key)).toString()).toBe('first');
    const other = `${key}-parts`;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: other }));
    const part = await client.send(
      new UploadPartCommand({ Bucket: s3.bucket, Key: other, UploadId, PartNumber: 1, Body: 'parts' }),
    );
    const complete = (IfNoneMatch?: string) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key: other,
          UploadId,
          IfNoneMatch,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
    expect(status(await failure(complete()))).toBe(403);
    await complete('*');
    expect(s3.front.refused()).toEqual(
      expect.arrayContaining([`403 PutObject ${key}`, `403 CompleteMultipartUpload ${other}`]),
    );
  });

  it('stores x-amz-tagging with the object the write creates, never from a refused write', async () => {
    await put(key, 'tagged', { Tagging: 'backopper%3Atier=yearly' });
    expect(await tagsOf(key)).toEqual([['backopper:tier', 'yearly']]);
    await failure(put(key, 'again', { Tagging: 'backopper%3Atier=daily' }));
    expect(s3.front.tags(key)).toEqual({ 'backopper:tier': 'yearly' });
    await client.send(
      new PutObjectTaggingCommand({ Bucket: s3.bucket, Key: key, Tagging: { TagSet: [{ Key: 'a', Value: 'b&c' }] } }),
    );
    expect(await tagsOf(key)).toEqual([['a', 'b&c']]);
    expect(status(await failure(tagsOf(`${key}-missing`)))).toBe(403);
  });

  it('tags a multipart upload when it completes, not when it starts; an aborted upload is gone', async () => {
    const start = () =>
      client.send(
        new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key, Tagging: 'backopper%3Atier=weekly' }),
      );
    const aborted = await start();
    await client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: aborted.UploadId }));
    expect(s3.front.tags(key)).toBeUndefined();
    const late = new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: aborted.UploadId });
    expect(await failure(client.send(late))).toMatchObject({ name: 'NoSuchUpload' });
    const { UploadId } = await start();
    expect(s3.front.tags(key)).toBeUndefined();
    const part = await client.send(
      new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: 1, Body: 'parts' }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId,
        IfNoneMatch: '*',
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(await tagsOf(key)).toEqual([['backopper:tier', 'weekly']]);
    expect((await s3.getObject(key)).toString()).toBe('parts');
  });

  it('fails the chosen write: the n-th matching one, with a 500 or a reset, before or after storing it', async () => {
    s3.front.failWrites({ key: new RegExp(`^${key}-a$`), nth: 2 });
    await put(`${key}-b`, 'other key');
    await failure(put(`${key}-a`, 'one')).then((error) => expect(error).toBeUndefined());
    expect(await failure(put(`${key}-a`, 'two'))).toMatchObject({
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    });
    expect((await s3.getObject(`${key}-a`)).toString()).toBe('one');
    s3.front.failWrites({ key: new RegExp(`^${key}-c$`), answer: 'reset' });
    expect(await failure(put(`${key}-c`, 'lost'))).toBeInstanceOf(Error);
    expect(await s3.listKeys(`${key}-c`)).toEqual([]);
    s3.front.failWrites({ key: new RegExp(`^${key}-d$`), afterStoring: true });
    expect(status(await failure(put(`${key}-d`, 'stored')))).toBe(500);
    expect((await s3.getObject(`${key}-d`)).toString()).toBe('stored');
    expect(s3.front.faults()).toEqual([`500 PutObject ${key}-a`, `reset PutObject ${key}-c`, `500 PutObject ${key}-d`]);
  });
});
