/**
 * Retries for control-plane calls and bounded concurrency. The SDK already retries throttled calls a
 * few times; {@link retryThrottled} adds patient backoff on top, so a burst of 6,000 writes slows down
 * instead of failing.
 */

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How {@link retryThrottled} backs off. */
export interface RetryOptions {
  /** Attempts in total (default 6). */
  attempts?: number;
  /** First delay in ms, doubled per attempt with jitter (default 250). */
  baseDelayMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ThrottledException',
  'RequestLimitExceeded',
  'Throttling',
]);

/** True for AWS throttling errors (by name or by the SDK's `$retryable.throttling` flag). */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const retryable = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  return THROTTLING.has(error.name) || retryable?.throttling === true;
}

/** Runs `call`, retrying it with exponential backoff while it fails with a throttling error. */
export async function retryThrottled<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 250;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isThrottling(error)) throw error;
      await wait(base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  }
}

/**
 * Calls `task` for every item with at most `limit` running at once and waits for all; one failure
 * does not stop the others. Results are in the order of `items`.
 */
export async function settleConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker()));
  return results;
}
