import {
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { type LocalS3, startS3 } from './s3';
import { type S3Request, classify, errorXml, parseTagging, taggingXml, type WriteFault } from './s3-front-parts';

export type { WriteFault } from './s3-front-parts';

/**
 * An HTTP front before s3rver that answers as AWS S3 answers the servers' role, where s3rver is kinder:
 *
 * - Conditional writes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
 *   `If-None-Match: *` on a PutObject or CompleteMultipartUpload of a key that exists answers 412
 *   PreconditionFailed; while another conditional write of the key is in progress, 409
 *   ConditionalRequestConflict. s3rver ignores the header on writes.
 * - No `s3:ListBucket` (unless `listBucket`): a HEAD or GET of a missing key answers 403 AccessDenied,
 *   not 404 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, "Permissions"), and
 *   listing the bucket is refused with 403.
 * - Tags: `x-amz-tagging` on PutObject and CreateMultipartUpload is stored with the object the write
 *   creates (for a multipart upload, when it completes), and GetObjectTagging / PutObjectTagging answer
 *   from that store. s3rver ignores the header.
 * - The bucket policy (infra/constructs/conditional-writes.ts, unless `allowOverwrites`): a PutObject or
 *   CompleteMultipartUpload without `If-None-Match` answers 403 AccessDenied.
 * - Faults on demand ({@link ConditionalS3.failWrites}): a chosen write answers 500 InternalError or has
 *   its connection reset, before or after S3 stored it.
 *
 * Every other request is passed on untouched, signature and all.
 */
export interface ConditionalS3 {
  endpoint: string;
  /** Agent environment: `s3.env` with the endpoint pointing here. */
  env: Record<string, string>;
  /** Writes refused so far, in order: `412 PutObject <key>`, `409 CompleteMultipartUpload <key>`, `403 PutObject <key>` (no If-None-Match). */
  refused(): string[];
  /** Faults injected so far, in order: `500 PutObject <key>`, `reset CompleteMultipartUpload <key>`. */
  faults(): string[];
  /** The tags of the object at `key` (as it was created or last tagged), or undefined if it has none. */
  tags(key: string): Record<string, string> | undefined;
  /** Makes writes (PutObject, CompleteMultipartUpload) whose key matches fail; see {@link WriteFault}. */
  failWrites(fault: WriteFault): void;
  /** Whether a HEAD/GET of a missing key answers 404 (the role may list the bucket) or 403 (it may not). */
  setListBucket(allowed: boolean): void;
  stop(): Promise<void>;
}

/** Options of {@link startConditionalS3}. */
export interface FrontOptions {
  /** The role may list the bucket: a missing key answers 404 and listing works. @default false (the servers' role) */
  listBucket?: boolean;
  /** Let writes without `If-None-Match` through, as a bucket without the deny statement would. @default false */
  allowOverwrites?: boolean;
}

export async function startConditionalS3(s3: LocalS3, options: FrontOptions = {}): Promise<ConditionalS3> {
  const upstream = new URL(s3.endpoint);
  let listBucket = options.listBucket ?? false;
  const inProgress = new Set<string>();
  const refused: string[] = [];
  const faults: string[] = [];
  const pendingFaults: Array<WriteFault & { seen: number; failed: number }> = [];
  const tagsByKey = new Map<string, Record<string, string>>();
  const tagsByUpload = new Map<string, Record<string, string> | undefined>();
  const aborted = new Set<string>();
  const upstreamRequests = new Set<ClientRequest>();

  const exists = async (bucket: string, key: string) => {
    try {
      await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  };
  const setTags = (key: string, tags: Record<string, string> | undefined) =>
    tags && Object.keys(tags).length ? tagsByKey.set(key, tags) : tagsByKey.delete(key);

  /** The fault this write gets, if one is armed for it (counted per matching write). */
  const faultFor = (request: S3Request) => {
    if (!request.isWrite) return undefined;
    for (const fault of pendingFaults) {
      if (!fault.key.test(request.key)) continue;
      fault.seen += 1;
      if (fault.seen < (fault.nth ?? 1) || fault.failed >= (fault.times ?? 1)) continue;
      fault.failed += 1;
      faults.push(`${fault.answer ?? 500} ${request.operation} ${request.key}`);
      return fault;
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, request: S3Request, fault?: WriteFault) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const status = answer.statusCode ?? 502;
        // Only the multipart calls' small XML answers are read (an object's body is never held here).
        const reads = request.operation === 'CreateMultipartUpload' || request.operation === 'CompleteMultipartUpload';
        const chunks: Buffer[] = [];
        if (reads) answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        else if (fault) answer.resume();
        answer.on('end', () => {
          request.done();
          if (status >= 200 && status < 300) stored(request, Buffer.concat(chunks).toString());
          if (fault) failRequest(req, res, fault);
        });
        answer.on('error', () => request.done());
        if (fault) return; // S3 did the write; its answer is lost
        if (!listBucket && request.isObjectRead && status === 404) {
          answer.resume();
          return answerError(req, res, 403, 'AccessDenied', 'Access Denied');
        }
        res.writeHead(status, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      request.done();
      res.destroy(error);
    });
    // A client that goes away (or stop()) takes the request to s3rver with it, or s3rver waits for its body forever.
    upstreamRequests.add(out);
    out.on('close', () => upstreamRequests.delete(out));
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  };

  /** What a successful write means for the tags. */
  const stored = (request: S3Request, body: string) => {
    if (request.operation === 'PutObject') setTags(request.key, request.tags);
    if (request.operation === 'CreateMultipartUpload') {
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(body)?.[1];
      if (uploadId) tagsByUpload.set(uploadId, request.tags);
    }
    if (request.operation === 'CompleteMultipartUpload' && !body.includes('<Error>')) {
      setTags(request.key, tagsByUpload.get(request.uploadId ?? ''));
      tagsByUpload.delete(request.uploadId ?? '');
    }
  };

  const answerTagging = async (req: IncomingMessage, res: ServerResponse, request: S3Request) => {
    if (!(await exists(request.bucket, request.key))) {
      return listBucket
        ? answerError(req, res, 404, 'NoSuchKey', 'The specified key does not exist.')
        : answerError(req, res, 403, 'AccessDenied', 'Access Denied');
    }
    if (req.method === 'GET') {
      const body = taggingXml(tagsByKey.get(request.key) ?? {});
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      return res.end(body);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    setTags(request.key, parseTagging(Buffer.concat(chunks).toString()));
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const request = classify(req);
    if (request.isTagging) {
      answerTagging(req, res, request).catch((error: unknown) => res.destroy(error as Error));
      return;
    }
    if (!listBucket && request.isBucketRead) return answerError(req, res, 403, 'AccessDenied', 'Access Denied');
    // s3rver has no AbortMultipartUpload: S3 answers 204 and the upload is gone (its parts with it).
    if (request.operation === 'AbortMultipartUpload') {
      aborted.add(request.uploadId ?? '');
      tagsByUpload.delete(request.uploadId ?? '');
      res.writeHead(204).end();
      return;
    }
    if (request.uploadId && aborted.has(request.uploadId)) {
      const message =
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.';
      return answerError(req, res, 404, 'NoSuchUpload', message);
    }
    if (request.isWrite && !options.allowOverwrites && req.headers['if-none-match'] === undefined) {
      refused.push(`403 ${request.operation} ${request.key}`);
      return answerError(req, res, 403, 'AccessDenied', 'Access Denied');
    }
    const fault = faultFor(request);
    if (fault && !fault.afterStoring) return failRequest(req, res, fault);
    if (req.headers['if-none-match'] !== '*' || !request.isWrite) return forward(req, res, request, fault);

    const id = `${request.bucket}/${request.key}`;
    const what = `${request.operation} ${request.key}`;
    if (inProgress.has(id)) {
      refused.push(`409 ${what}`);
      const message = 'A conflicting conditional operation is currently in progress against this resource. Try again.';
      return answerError(req, res, 409, 'ConditionalRequestConflict', message, true);
    }
    inProgress.add(id);
    request.done = () => inProgress.delete(id);
    req.pause();
    exists(request.bucket, request.key).then(
      (taken) => {
        if (!taken) return forward(req, res, request, fault);
        request.done();
        refused.push(`412 ${what}`);
        const message = 'At least one of the pre-conditions you specified did not hold';
        answerError(req, res, 412, 'PreconditionFailed', message, true);
      },
      (error: unknown) => {
        request.done();
        res.destroy(error as Error);
      },
    );
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: { ...s3.env, AWS_ENDPOINT_URL_S3: endpoint },
    refused: () => [...refused],
    faults: () => [...faults],
    tags: (key) => tagsByKey.get(key),
    failWrites: (fault) => pendingFaults.push({ ...fault, seen: 0, failed: 0 }),
    setListBucket: (allowed) => (listBucket = allowed),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const out of upstreamRequests) out.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A LocalS3 whose `env` and `endpoint` lead through a strict front; `client` and the helpers still see s3rver whole. */
export interface StrictS3 extends LocalS3 {
  front: ConditionalS3;
}

/** s3rver behind {@link startConditionalS3}: what agent tests give the agent. */
export async function startStrictS3(bucket?: string, options: FrontOptions = {}): Promise<StrictS3> {
  const s3 = await startS3(bucket);
  const front = await startConditionalS3(s3, options);
  return {
    ...s3,
    endpoint: front.endpoint,
    env: front.env,
    front,
    async stop() {
      await front.stop();
      await s3.stop();
    },
  };
}

function failRequest(req: IncomingMessage, res: ServerResponse, fault: WriteFault): void {
  if (fault.answer === 'reset') {
    req.socket.destroy();
    return;
  }
  answerError(req, res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
}

function answerError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  condition = false,
): void {
  req.resume(); // discard the body, as S3 does
  // A HEAD answer has no body: the SDK knows the error by its status alone.
  const body = req.method === 'HEAD' ? '' : errorXml(code, message, condition);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
