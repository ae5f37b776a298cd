import { S3Client } from '@aws-sdk/client-s3';
import { messageOf } from '../errors';

/** How long an S3 call may hang before it fails (and is retried by the SDK, up to its max attempts). */
export interface S3ClientOptions {
  /** No byte moving on a request's connection for this long fails it. @default 60 */
  idleSeconds?: number;
  /** Connecting for longer than this fails the attempt. @default 10 */
  connectSeconds?: number;
  /**
   * Aborting fails every request of the client at once, in flight or about to be retried, including
   * those lib-storage sends on its own (parts, the multipart abort), so nothing waits on a silent S3.
   */
  signal?: AbortSignal;
}

/**
 * The S3 client: the standard SDK settings (AWS_REGION, AWS_ENDPOINT_URL_S3, instance role...) decide
 * where it goes; a custom endpoint (an S3-compatible server) gets path-style addressing. Every request
 * has timeouts: without them a server that accepts the connection and never answers holds the run (and
 * its lock) until SSM kills it.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env, options: S3ClientOptions = {}): S3Client {
  const idleMs = (options.idleSeconds ?? 60) * 1000;
  const client = new S3Client({
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL),
    requestHandler: {
      connectionTimeout: (options.connectSeconds ?? 10) * 1000,
      socketTimeout: idleMs,
      // A hard cap per request besides the idle one: one part (8 MiB) must go through at >= 14 KB/s.
      requestTimeout: idleMs * 10,
      throwOnRequestTimeout: true,
    },
    // The SDK's standard retries (timeouts and 5xx are retried with backoff); AWS_MAX_ATTEMPTS and
    // AWS_RETRY_MODE still override these, as they do for every SDK client.
    maxAttempts: env.AWS_MAX_ATTEMPTS ? undefined : 3,
    retryMode: env.AWS_RETRY_MODE ? undefined : 'standard',
  });
  if (options.signal) stopRequestsOnAbort(client, options.signal);
  return client;
}

/**
 * Hands `signal` to every HTTP request the client makes. lib-storage sends its parts and its multipart
 * abort without a signal, and bodies over 2 MB go out on a socket of their own (Expect: 100-continue)
 * that destroying the client does not close; through the request handler every one of them is
 * destroyed when the signal aborts, and an aborted request is never retried.
 */
function stopRequestsOnAbort(client: S3Client, signal: AbortSignal): void {
  const handler = client.config.requestHandler;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, handlerOptions?: { abortSignal?: unknown }) => {
    const own = handlerOptions?.abortSignal as AbortSignal | undefined;
    // A signal of the caller's own is the run's (see backup.ts), which also stops this one: either will do.
    const either = own && typeof AbortSignal.any === 'function' ? AbortSignal.any([own, signal]) : (own ?? signal);
    return handle(request, { ...handlerOptions, abortSignal: either });
  };
}

/** An S3 error as one line: the SDK's message without the handler's decoration, and the attempts made. */
export function describeS3Error(error: unknown): string {
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  const message = messageOf(error)
    .replace(/^@smithy\/node-http-handler - (\[ERROR\] )?/, '')
    .replace(/ \(configured by client requestHandler\)/, '')
    .replace(/\.$/, '');
  return attempts && attempts > 1 ? `${message} (${attempts} attempts)` : message;
}

/** Resolves or rejects with `promise`, or rejects (with the signal's reason) as soon as it aborts. */
export function untilAborted<T>(
  promise: Promise<T>,
  signal?: AbortSignal,
  reason: () => unknown = () => signal?.reason,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
