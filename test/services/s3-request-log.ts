import { createServer, request as httpRequest } from 'node:http';
import { Transform } from 'node:stream';
import type { LocalS3 } from './s3';

/**
 * An HTTP front before s3rver that records every request (`GET <key>`, `PUT <key>`, `HEAD <key>`,
 * `LIST <prefix>`) and can slow the bodies of GETs down, so a test can show what was (not) downloaded
 * and interrupt a download half way. Requests pass through untouched, signature and all.
 */
export interface LoggingS3 {
  /** Agent or CLI environment: `s3.env` with the endpoint pointing here. */
  env: Record<string, string>;
  /** Every request so far, in order. */
  requests(): string[];
  /** GETs of object bodies whose key ends with `suffix`. */
  gets(suffix: string): string[];
  /** From now on, GET bodies of keys ending with `suffix` flow at about `bytesPerSecond`. */
  throttle(suffix: string, bytesPerSecond: number): void;
  stop(): Promise<void>;
}

export async function startLoggingS3(s3: LocalS3): Promise<LoggingS3> {
  const upstream = new URL(s3.endpoint);
  const log: string[] = [];
  const throttles: { suffix: string; rate: number }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const key = decodeURIComponent(url.pathname.slice(1).split('/').slice(1).join('/'));
    const kind = req.method === 'GET' && !key ? `LIST ${url.searchParams.get('prefix') ?? ''}` : `${req.method} ${key}`;
    log.push(kind);
    const slow = req.method === 'GET' && key ? throttles.find((entry) => key.endsWith(entry.suffix)) : undefined;
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!slow) return void answer.pipe(res);
        answer.pipe(pace(slow.rate)).pipe(res);
      },
    );
    out.on('error', (error) => res.destroy(error));
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    env: { ...s3.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` },
    requests: () => [...log],
    gets: (suffix) => log.filter((entry) => entry.startsWith('GET ') && entry.endsWith(suffix)),
    throttle: (suffix, rate) => throttles.push({ suffix, rate }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Passes bytes on in 16 KiB slices at about `rate` bytes a second. */
function pace(rate: number): Transform {
  const slice = 16 * 1024;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const parts: Buffer[] = [];
      for (let i = 0; i < chunk.length; i += slice) parts.push(chunk.subarray(i, i + slice));
      const next = () => {
        const part = parts.shift();
        if (!part) return callback();
        this.push(part);
        setTimeout(next, (part.length / rate) * 1000);
      };
      next();
    },
  });
}
