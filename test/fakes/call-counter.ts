/**
 * Shared plumbing of the stateful AWS fakes: per-command call counts (every attempt the SDK makes,
 * throttled ones included),
 * deterministic throttling, opaque pagination tokens.
 */

/** Counts calls per command name; `writes()` sums the commands that change state. */
export class CallCounter {
  readonly counts: Record<string, number> = {};
  /** Calls answered with ThrottlingException, per command. */
  readonly throttledCounts: Record<string, number> = {};
  throttled = 0;

  constructor(private readonly writeCommands: readonly string[]) {}

  /** Records one call. */
  record(command: string): void {
    this.counts[command] = (this.counts[command] ?? 0) + 1;
  }

  /** Calls to commands that change state (throttled attempts included). */
  writes(): number {
    return this.writeCommands.reduce((sum, command) => sum + (this.counts[command] ?? 0), 0);
  }

  /** All calls. */
  total(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count, 0);
  }

  /** Records that a call of `command` was throttled. */
  recordThrottled(command: string): void {
    this.throttled += 1;
    this.throttledCounts[command] = (this.throttledCounts[command] ?? 0) + 1;
  }

  /** Write calls the service accepted (not throttled). */
  acceptedWrites(): number {
    return this.writeCommands.reduce(
      (sum, command) => sum + (this.counts[command] ?? 0) - (this.throttledCounts[command] ?? 0),
      0,
    );
  }

  /** Calls that only read. */
  reads(): number {
    return this.total() - this.writes();
  }

  /** A copy of the counts. */
  snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  /** Forgets every count. */
  reset(): void {
    for (const key of Object.keys(this.counts)) delete this.counts[key];
    for (const key of Object.keys(this.throttledCounts)) delete this.throttledCounts[key];
    this.throttled = 0;
  }
}

/**
 * Throttles every `every`-th call (0 = never), like a service under a burst, and every call of the
 * commands in `always` (a quota exhausted for one API): deterministic in tests.
 */
export class Throttle {
  private calls = 0;
  /** Commands (e.g. `CreateSchedule`) answered with ThrottlingException on every attempt. */
  readonly always = new Set<string>();

  constructor(public every: number) {}

  /** True when this call of `command` should be answered with ThrottlingException. */
  hit(command: string): boolean {
    if (this.always.has(command)) return true;
    this.calls += 1;
    return this.every > 0 && this.calls % this.every === 0;
  }
}

/** An opaque page token bound to the listing it came from, as services do. */
export function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ offset, scope })).toString('base64url');
}

/** Decodes a token; `undefined` when it is not one of ours or was made for another listing. */
export function decodeToken(token: string, scope: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset?: unknown;
      scope?: unknown;
    };
    return parsed.scope === scope && typeof parsed.offset === 'number' ? parsed.offset : undefined;
  } catch {
    return undefined;
  }
}

/** A cron or rate expression the way Scheduler and EventBridge accept it (six cron fields, one `?`). */
export function isValidScheduleExpression(expression: string | undefined): boolean {
  if (!expression) return false;
  if (/^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(expression)) return true;
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1]?.split(' ') ?? [];
  if (fields.length !== 6) return false;
  const [minute, hour, dayOfMonth, , dayOfWeek] = fields;
  const inRange = (text: string | undefined, max: number) =>
    text === '*' || (text !== undefined && /^\d+$/.test(text) && Number(text) <= max);
  const oneQuestionMark = (dayOfMonth === '?') !== (dayOfWeek === '?');
  return inRange(minute, 59) && inRange(hour, 23) && oneQuestionMark;
}

/** A deep copy, so that callers never alias the fake's state. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
