/**
 * Every AWS client of the Lambdas and the ops CLI is made here, so the SDK's own retry is set once and
 * nothing wraps it in a second retry loop: one call is at most `AWS_RETRY.maxAttempts` requests.
 */

/**
 * The SDK's retry for every client.
 *
 * `maxAttempts: 7`: a first sync writes one schedule per app (6,000 for 2,000 apps in three
 * environments), and a write quota answers the excess with ThrottlingException for the rest of its
 * one-second interval. Before each retry of a throttled call the SDK waits a random time up to 1 s,
 * 2 s, 4 s, ... (at most 20 s), so six retries give a write up to about 50 s to get through, where the
 * default 3 attempts give it 3 s. A call that keeps failing still fails within the invocation, the SDK's
 * retry quota stops retrying when most calls fail, and the next sync writes what is left.
 *
 * `retryMode: 'standard'`, not 'adaptive': adaptive's client-side rate limiter cuts the client's whole
 * sending rate by 30% at every throttle (the SDK counts LimitExceededException, the rules-per-bus
 * quota, as one) and regrows it over seconds. Each client here calls several APIs with separate quotas
 * and shares account quotas with other callers, so one throttle would slow everything; against the
 * fakes, which throttle a steady share of calls, it turned the 6,000-app sync from seconds into minutes.
 * AWS recommends standard except for clients of one throttled resource.
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
