/**
 * A stateful in-memory CloudWatch Logs (GetLogEvents) at the SDK's deserialize step, behaving like the
 * service where Backopper relies on it (GetLogEvents API reference):
 *
 * - a missing log group or stream is ResourceNotFoundException;
 * - a page holds at most `limit` events (1 to 10,000, default 10,000) and at most 1 MB (each event
 *   counted as its message's UTF-8 bytes plus 26, as CloudWatch Logs sizes events);
 * - startFromHead without a token reads from the oldest event; without startFromHead and without a token,
 *   the newest page;
 * - every answer has nextForwardToken and nextBackwardToken; at the end of the stream the token sent is
 *   returned unchanged (so a page may be empty, and only the repeated token says "no more");
 * - a token the service did not issue is InvalidParameterException.
 *
 * Writers (`createLogGroup`, `putLines`) stand in for what puts events there (SSM's agent for Run
 * Command output).
 */
import {
  CloudWatchLogsClient,
  type GetLogEventsRequest,
  InvalidParameterException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { CallCounter } from './call-counter';
import { errorDetails, InstallableFake } from './sdk-boundary';

/** GetLogEvents' default and largest `limit`. */
export const MAX_EVENTS_PER_PAGE = 10_000;
/** GetLogEvents' largest answer. */
export const MAX_PAGE_BYTES = 1_048_576;
/** What CloudWatch Logs adds to each event's message size. */
export const EVENT_OVERHEAD_BYTES = 26;

interface StoredEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
}

const forwardToken = (position: number) => `f/${String(position).padStart(56, '0')}/s`;
const backwardToken = (position: number) => `b/${String(position).padStart(56, '0')}/s`;

/** The fake. `install()` routes every CloudWatchLogsClient to it. */
export class FakeCloudWatchLogs extends InstallableFake {
  readonly name = 'FakeCloudWatchLogs';
  readonly groups = new Map<string, Map<string, StoredEvent[]>>();
  readonly calls = new CallCounter([]);
  private clock = 1_736_900_000_000;

  constructor() {
    super(CloudWatchLogsClient);
  }

  /** Creates a log group (as the stack does). */
  createLogGroup(name: string): this {
    if (!this.groups.has(name)) this.groups.set(name, new Map());
    return this;
  }

  /** Appends one event per line to a stream of an existing group, creating the stream (as SSM's agent does). */
  putLines(group: string, stream: string, lines: readonly string[]): void {
    const streams = this.groups.get(group);
    if (!streams)
      throw new Error(
        `${this.name}: putLines to log group ${group}, which does not exist (create it first, as the stack does)`,
      );
    const events = streams.get(stream) ?? [];
    streams.set(stream, events);
    for (const message of lines) {
      this.clock += 1;
      events.push({ timestamp: this.clock, ingestionTime: this.clock, message });
    }
  }

  /** A stream's messages, for assertions; undefined when absent. */
  messages(group: string, stream: string): string[] | undefined {
    return this.groups
      .get(group)
      ?.get(stream)
      ?.map((event) => event.message);
  }

  answer(command: string, input: any): unknown {
    if (command !== 'GetLogEvents') throw new Error(`${this.name}: unexpected ${command}Command`);
    this.calls.record('GetLogEvents');
    return this.getLogEvents(input as GetLogEventsRequest);
  }

  private getLogEvents(input: GetLogEventsRequest) {
    const limit = input.limit ?? MAX_EVENTS_PER_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_PER_PAGE) {
      throw new InvalidParameterException(
        errorDetails(
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000`,
          400,
        ),
      );
    }
    const groupName = input.logGroupName ?? input.logGroupIdentifier;
    const streams = groupName === undefined ? undefined : this.groups.get(groupName);
    if (!streams) throw new ResourceNotFoundException(errorDetails('The specified log group does not exist.', 400));
    const events = streams.get(input.logStreamName ?? '');
    if (!events) throw new ResourceNotFoundException(errorDetails('The specified log stream does not exist.', 400));

    const fits = (count: number, bytes: number) => count < limit && bytes <= MAX_PAGE_BYTES;
    const size = (event: StoredEvent) => Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES;
    const token = input.nextToken ? parseToken(input.nextToken, events.length) : undefined;
    let start: number;
    let end: number;
    if (token?.direction === 'backward' || (!token && !input.startFromHead)) {
      // Backward from the token's position (or the end): the page just before it.
      end = token?.position ?? events.length;
      start = end;
      let bytes = 0;
      while (start > 0 && fits(end - start, bytes + size(events[start - 1]!))) bytes += size(events[--start]!);
    } else {
      start = token?.position ?? 0;
      end = start;
      let bytes = 0;
      while (end < events.length && fits(end - start, bytes + size(events[end]!))) bytes += size(events[end++]!);
    }
    return {
      events: events.slice(start, end).map((event) => ({ ...event })),
      // At the end of the stream the token sent comes back unchanged: the tokens of a position are fixed.
      nextForwardToken: forwardToken(end),
      nextBackwardToken: backwardToken(start),
    };
  }
}

function parseToken(token: string, length: number): { direction: 'forward' | 'backward'; position: number } {
  const match = /^([fb])\/(\d{56})\/s$/.exec(token);
  const position = match ? Number(match[2]) : NaN;
  if (!match || position > length)
    throw new InvalidParameterException(errorDetails('The specified nextToken is invalid.', 400));
  return { direction: match[1] === 'f' ? 'forward' : 'backward', position };
}
