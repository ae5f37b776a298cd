import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { LocalS3 } from './s3';

/**
 * s3rver 3.7 ignores `If-None-Match` on PutObject and CompleteMultipartUpload (it honours it only on
 * GET, as a cache validator), so it cannot show whether a run may overwrite another run's object. This
 * HTTP front sits before it and implements AWS's documented conditional-write semantics for those two
 * calls (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
 * `If-None-Match: *` on a key that exists answers 412 PreconditionFailed; while another conditional
 * write of the same key is in progress it answers 409 ConditionalRequestConflict; otherwise the request
 * goes through. Every other request (and every unconditional write) is passed on untouched, signature
 * and all. s3rver also ignores `x-amz-tagging` on PutObject and CreateMultipartUpload; the front records
 * the tags each key was created with (`tags(key)`), as S3 would store them.
 */
export interface ConditionalS3 {
  endpoint: string;
  /** Agent environment: `s3.env` with the endpoint pointing here. */
  env: Record<string, string>;
  /** Conditional writes refused so far, in order: `412 PutObject <key>`, `409 CompleteMultipartUpload <key>`. */
  refused(): string[];
  /** The tags the object at `key` was last created with (`x-amz-tagging`), or undefined if none were sent. */
  tags(key: string): Record<string, string> | undefined;
  stop(): Promise<void>;
}

export async function startConditionalS3(s3: LocalS3): Promise<ConditionalS3> {
  const upstream = new URL(s3.endpoint);
  const inProgress = new Set<string>();
  const refused: string[] = [];
  const tagsByKey = new Map<string, Record<string, string>>();

  const exists = async (bucket: string, key: string) => {
    try {
      await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  };

  const forward = (req: IncomingMessage, res: ServerResponse, done: () => void = () => undefined) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', done);
        answer.on('error', done);
      },
    );
    out.on('error', (error) => {
      done();
      res.destroy(error);
    });
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    const isPutObject = req.method === 'PUT' && !url.searchParams.has('uploadId') && !req.headers['x-amz-copy-source'];
    const isComplete = req.method === 'POST' && url.searchParams.has('uploadId');
    const isCreateMultipart = req.method === 'POST' && url.searchParams.has('uploads');
    const tagging = req.headers['x-amz-tagging'];
    // Recorded when the write goes through (not when it is refused).
    const remember = () => {
      if (key && (isPutObject || isCreateMultipart) && typeof tagging === 'string')
        tagsByKey.set(key, Object.fromEntries(new URLSearchParams(tagging)));
    };
    if (req.headers['if-none-match'] !== '*' || !key || !(isPutObject || isComplete)) {
      remember();
      forward(req, res);
      return;
    }
    const id = `${bucket}/${key}`;
    const what = `${isComplete ? 'CompleteMultipartUpload' : 'PutObject'} ${key}`;
    if (inProgress.has(id)) {
      refused.push(`409 ${what}`);
      reject(
        req,
        res,
        409,
        'ConditionalRequestConflict',
        'A conflicting conditional operation is currently in progress against this resource. Try again.',
      );
      return;
    }
    inProgress.add(id);
    req.pause();
    exists(bucket, key).then(
      (taken) => {
        if (taken) {
          inProgress.delete(id);
          refused.push(`412 ${what}`);
          reject(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
          return;
        }
        remember();
        forward(req, res, () => inProgress.delete(id));
      },
      (error: unknown) => {
        inProgress.delete(id);
        res.destroy(error as Error);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: { ...s3.env, AWS_ENDPOINT_URL_S3: endpoint },
    refused: () => [...refused],
    tags: (key) => tagsByKey.get(key),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reject(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  req.resume(); // discard the body, as S3 does
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Condition>If-None-Match</Condition><RequestId>conditional-front</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
