/**
 * Fetching one environment's app list: `GET` with the secret header, a timeout per attempt, retries
 * with backoff on network errors, timeouts and 5xx. Anything but a 2xx JSON array is an
 * {@link AppListFetchError}: the caller then leaves that environment untouched.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import { describeJsonType } from '../common/app-list';
import { AppListFetchError, describeError } from './errors';

/** Options of {@link fetchAppList}. */
export interface FetchAppListOptions {
  url: string;
  /** Header carrying the secret, e.g. `X-Secret-Key`. */
  headerName: string;
  secret: string;
  /** Per attempt, including reading the body. */
  timeoutMs: number;
  /** Extra attempts after the first. */
  retries: number;
  /** First backoff delay, doubled per retry. @default 500 */
  backoffMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
}

/** Fills `{environment}` in the URL template. */
export function appListUrl(template: string, environment: string): string {
  return template.replaceAll('{environment}', encodeURIComponent(environment));
}

// Raised for answers worth another try (network errors, timeouts, 5xx, 429).
class RetryableFailure extends Error {
  override name = 'RetryableFailure';
  constructor(
    readonly problem: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(problem, options);
  }
}

/** Fetches and JSON-parses the list; resolves only with an array. */
export async function fetchAppList(options: FetchAppListOptions): Promise<unknown[]> {
  const attempts = options.retries + 1;
  const wait = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fetchOnce(options, attempt);
    } catch (error) {
      if (!(error instanceof RetryableFailure)) throw error;
      if (attempt >= attempts) {
        throw new AppListFetchError({
          url: options.url,
          problem: error.problem,
          status: error.status,
          attempts: attempt,
          cause: error.cause,
        });
      }
      await wait((options.backoffMs ?? 500) * 2 ** (attempt - 1));
    }
  }
}

async function fetchOnce(options: FetchAppListOptions, attempt: number): Promise<unknown[]> {
  const fail = (problem: string, status?: number): never => {
    throw new AppListFetchError({ url: options.url, problem, status, attempts: attempt });
  };
  let status: number | undefined;
  let body: string;
  let contentType: string;
  try {
    const response = await (options.fetch ?? fetch)(options.url, {
      headers: { [options.headerName]: options.secret, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
    status = response.status;
    contentType = response.headers.get('content-type') ?? '';
    // An API that echoes request headers must not leak the secret into our messages.
    body = options.secret ? (await response.text()).replaceAll(options.secret, '***') : await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    const problem = timedOut
      ? `no complete answer within ${options.timeoutMs} ms`
      : `request failed (${describeError(cause)})`;
    throw new RetryableFailure(status ? `HTTP ${status}, then ${problem}` : problem, status, { cause: error });
  }
  if (status >= 500 || status === 429) throw new RetryableFailure(`HTTP ${status} ${excerpt(body)}`, status);
  if (status < 200 || status >= 300) return fail(`HTTP ${status} ${excerpt(body)}`, status);
  if (/html/i.test(contentType) || body.trimStart().startsWith('<')) {
    return fail(`answered HTML, not JSON (${excerpt(body)})`, status);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return fail(`answered invalid JSON, perhaps truncated (${describeError(error)}; ${body.length} bytes)`, status);
  }
  if (!Array.isArray(parsed))
    return fail(`answered JSON that is not an array (got ${describeJsonType(parsed)})`, status);
  return parsed;
}

// The start of a body, for messages: one line, bounded.
function excerpt(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  if (!line) return '(empty body)';
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 77)}...` : line);
}
