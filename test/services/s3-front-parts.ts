import type { IncomingMessage } from 'node:http';

/** A write to fail on purpose (see ConditionalS3.failWrites). */
export interface WriteFault {
  /** Which writes (PutObject, CompleteMultipartUpload) count, by key. */
  key: RegExp;
  /** The first matching write that fails: 1 is the next one. @default 1 */
  nth?: number;
  /** How many matching writes fail from then on (the SDK retries a 500 or a reset up to its max attempts). @default 1 */
  times?: number;
  /** A 500 InternalError answer, or the connection reset without one. @default 500 */
  answer?: 500 | 'reset';
  /** Pass the write to S3 first (it is stored), then lose its answer. @default false */
  afterStoring?: boolean;
}

/** What one request to the front is, in S3's terms (path-style addressing). */
export interface S3Request {
  bucket: string;
  key: string;
  operation:
    | 'PutObject'
    | 'UploadPart'
    | 'CreateMultipartUpload'
    | 'CompleteMultipartUpload'
    | 'AbortMultipartUpload'
    | 'ObjectRead'
    | 'BucketRead'
    | 'Tagging'
    | 'Other';
  /** PutObject or CompleteMultipartUpload: a write that creates an object. */
  isWrite: boolean;
  /** GetObject or HeadObject of a key. */
  isObjectRead: boolean;
  /** ListObjects, HeadBucket and the like: need s3:ListBucket. */
  isBucketRead: boolean;
  /** GetObjectTagging or PutObjectTagging. */
  isTagging: boolean;
  uploadId?: string;
  /** `x-amz-tagging` of the request, parsed. */
  tags?: Record<string, string>;
  /** Called once the request is over (a conditional write's lock is released here). */
  done: () => void;
}

export function classify(req: IncomingMessage): S3Request {
  const url = new URL(req.url ?? '/', 'http://front');
  const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
  const key = decodeURIComponent(rest.join('/'));
  const query = url.searchParams;
  const method = req.method ?? 'GET';
  const tagging = req.headers['x-amz-tagging'];
  // Sub-resources of an object (?acl, ?attributes...); the SDK's own `x-id` names the operation only.
  const subresource = [...query.keys()].some((name) => name !== 'x-id' && name !== 'versionId');
  let operation: S3Request['operation'] = 'Other';
  if (key && query.has('tagging')) operation = 'Tagging';
  else if (method === 'PUT' && key && query.has('uploadId')) operation = 'UploadPart';
  else if (method === 'PUT' && key && !subresource && !req.headers['x-amz-copy-source']) operation = 'PutObject';
  else if (method === 'POST' && key && query.has('uploads')) operation = 'CreateMultipartUpload';
  else if (method === 'POST' && key && query.has('uploadId')) operation = 'CompleteMultipartUpload';
  else if (method === 'DELETE' && key && query.has('uploadId')) operation = 'AbortMultipartUpload';
  else if ((method === 'GET' || method === 'HEAD') && key && !subresource) operation = 'ObjectRead';
  else if ((method === 'GET' || method === 'HEAD') && !key) operation = 'BucketRead';
  return {
    bucket,
    key,
    operation,
    isWrite: operation === 'PutObject' || operation === 'CompleteMultipartUpload',
    isObjectRead: operation === 'ObjectRead',
    isBucketRead: operation === 'BucketRead',
    isTagging: operation === 'Tagging' && (method === 'GET' || method === 'PUT'),
    uploadId: query.get('uploadId') ?? undefined,
    tags: typeof tagging === 'string' ? Object.fromEntries(new URLSearchParams(tagging)) : undefined,
    done: () => undefined,
  };
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** GetObjectTagging's answer. */
export function taggingXml(tags: Record<string, string>): string {
  const set = Object.entries(tags)
    .map(([key, value]) => `<Tag><Key>${escapeXml(key)}</Key><Value>${escapeXml(value)}</Value></Tag>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${set}</TagSet></Tagging>`;
}

/** PutObjectTagging's body, as tags. */
export function parseTagging(xml: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [, key = '', value = ''] of xml.matchAll(
    /<Tag>\s*<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>\s*<\/Tag>/g,
  ))
    tags[unescapeXml(key)] = unescapeXml(value);
  return tags;
}

/** An S3 error body. */
export function errorXml(code: string, message: string, condition = false): string {
  const where = condition ? '<Condition>If-None-Match</Condition>' : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${where}<RequestId>strict-front</RequestId></Error>`;
}
