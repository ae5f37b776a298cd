/**
 * For tests that make the SDK retry many times: its backoff is "full jitter", a random fraction
 * (`Math.random()`) of base × 2^retry, so drawing 0 makes every retry wait 0 ms. Which errors are
 * retried, how many attempts are made and the retry quota stay the SDK's own decisions.
 */
import { onTestFinished, vi } from 'vitest';

/** Zeroes the SDK's retry waits until the current test ends. */
export function withoutBackoffWaits(): void {
  const random = vi.spyOn(Math, 'random').mockReturnValue(0);
  onTestFinished(() => random.mockRestore());
}
