/**
 * Every AWS client of the Lambdas and the ops CLI is made here, so the SDK's own retry is set once and
 * nothing wraps it in a second retry loop: one call is at most `AWS_RETRY.maxAttempts` requests.
 */

/**
 * The SDK's retry for every client.
 *
 * `maxAttempts: 7`: a first sync writes one schedule per app, 6,000 for 2,000 apps in three
 * environments, at the sync's concurrency, and a write quota (CreateSchedule, PutRule, PutTargets)
 * answers the excess with ThrottlingException for the rest of its one-second interval. The SDK waits
 * a random time up to 1 s, 2 s, 4 s, ... (capped at 20 s) before each retry of a throttled call, so six
 * retries give a write up to about 50 s (25 s on average) to get through; the default 3 attempts give
 * it about 3 s. A call that fails for good still fails within one invocation, the SDK's retry quota
 * stops retrying early when most calls fail, and what is left is written by the next sync.
 *
 * `retryMode: 'standard'`, not 'adaptive': adaptive adds a client-side rate limiter that cuts the
 * client's whole sending rate by 30% at every throttle (LimitExceededException counts as one: the
 * rules-per-bus quota) and regrows it over seconds. One client here serves several APIs with separate
 * quotas (CreateSchedule, GetSchedule, ListSchedules) and shares account quotas with other callers, so
 * one throttle slows everything: against the fakes, which throttle a steady share of calls, the
 * 6,000-app sync went from seconds to minutes. AWS recommends standard except for single-resource clients.
 */
export const AWS_RETRY = { retryMode: 'standard', maxAttempts: 7 } as const;

/** The retry settings every SDK v3 client config accepts. */
interface RetryConfig {
  retryMode?: unknown;
  maxAttempts?: unknown;
}

/**
 * Creates an SDK client with {@link AWS_RETRY}; `config` adds the rest (e.g. `forcePathStyle`).
 * Region, credentials and endpoints come from the standard AWS settings, as with `new XClient({})`.
 */
export function createAwsClient<Client, Config extends RetryConfig>(
  Client: new (...config: [] | [Config]) => Client,
  config?: Omit<Config, keyof RetryConfig>,
): Client {
  return new Client({ ...config, ...AWS_RETRY } as Config);
}
