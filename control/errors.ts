/**
 * The named errors of the sync. Each carries the context an operator needs (the variable, the URL, the
 * schedule) and never a secret.
 */

/** The app list of one environment could not be fetched or was not a JSON array. */
export class AppListFetchError extends Error {
  override name = 'AppListFetchError';
  /** The URL that was requested (the secret travels in a header, never in the URL). */
  readonly url: string;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** How many requests were made. */
  readonly attempts: number;

  constructor(input: { url: string; problem: string; status?: number; attempts: number; cause?: unknown }) {
    super(`app list ${input.url}: ${input.problem}`, { cause: input.cause });
    this.url = input.url;
    this.status = input.status;
    this.attempts = input.attempts;
  }
}

/** The API secret could not be read from SSM Parameter Store. */
export class SecretUnavailableError extends Error {
  override name = 'SecretUnavailableError';
  /** The parameter name (not its value). */
  readonly parameter: string;

  constructor(parameter: string, problem: string, cause?: unknown) {
    super(`API secret parameter ${parameter}: ${problem}`, { cause });
    this.parameter = parameter;
  }
}

/** A call to Scheduler or EventBridge for one schedule failed. */
export class ScheduleWriteError extends Error {
  override name = 'ScheduleWriteError';
  /** The schedule (or rule) name. */
  readonly schedule: string;
  /** What was being done. */
  readonly action: 'create' | 'update' | 'delete' | 'read';

  constructor(input: { schedule: string; action: ScheduleWriteError['action']; problem: string; cause?: unknown }) {
    super(`${input.action} ${input.schedule}: ${input.problem}`, { cause: input.cause });
    this.schedule = input.schedule;
    this.action = input.action;
  }
}

/** The sync finished but at least one environment failed; `summary` holds the details. */
export class SyncFailedError extends Error {
  override name = 'SyncFailedError';
  /** The full run summary (the same object the handler would have returned). */
  readonly summary: unknown;

  constructor(failed: string[], summary: unknown) {
    super(`sync failed for environment(s) ${failed.join(', ')}; see the summary`);
    this.summary = summary;
  }
}

/** A one-line description of any thrown value: `Name: message`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message || (error as { Message?: string }).Message || '';
    return message ? `${error.name}: ${message}` : error.name;
  }
  return String(error);
}
