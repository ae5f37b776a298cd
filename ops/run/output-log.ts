/**
 * The whole output of one command on one server, from CloudWatch Logs: the backup document's commands
 * are sent with CloudWatchOutputConfig, so SSM's agent writes every line the run step prints to a stream
 * of the stack's command log group (GetCommandInvocation keeps only the first 24,000 characters).
 */
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

/**
 * The CloudWatch Logs stream SSM Run Command writes one step's stdout or stderr to:
 * `<CommandId>/<InstanceId>/<step>/stdout` (and `/stderr`), where `<step>` is the document step's name
 * (schema 2.2) or the plugin's name with `:` as `-` (schema 1.2: `aws-runShellScript`). AWS Systems
 * Manager User Guide, "Configuring Amazon CloudWatch Logs for Run Command"; SendCommand's
 * CloudWatchOutputConfig (API reference). Pure.
 */
export function commandOutputStream(input: {
  commandId: string;
  instanceId: string;
  step: string;
  stream: 'stdout' | 'stderr';
}): string {
  return `${input.commandId}/${input.instanceId}/${input.step.replaceAll(':', '-')}/${input.stream}`;
}

/** What {@link readLogEvents} read: the messages in order and the token to read on from. */
export interface LogRead {
  lines: string[];
  /** GetLogEvents' nextForwardToken after the last page: pass it to read only what comes later. */
  token: string | undefined;
}

/**
 * Every event of a stream from `token` on (from its start without one): GetLogEvents with
 * startFromHead, page after page with nextForwardToken, until the service answers with the token it was
 * sent ("If you have reached the end of the stream, it returns the same token you passed in", GetLogEvents
 * API reference: a page may be empty before the end, so an empty page alone does not end it). Undefined
 * when the group or the stream does not exist (ResourceNotFoundException): the command sent no output to
 * it, or nothing was printed yet.
 */
export async function readLogEvents(input: {
  logs: CloudWatchLogsClient;
  logGroup: string;
  logStream: string;
  token?: string;
}): Promise<LogRead | undefined> {
  const lines: string[] = [];
  let token = input.token;
  for (;;) {
    let page;
    try {
      page = await input.logs.send(
        new GetLogEventsCommand({
          logGroupName: input.logGroup,
          logStreamName: input.logStream,
          startFromHead: true,
          nextToken: token,
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
    for (const event of page.events ?? []) lines.push(event.message ?? '');
    const next = page.nextForwardToken;
    if (!next)
      throw new Error(
        `GetLogEvents of ${input.logGroup} ${input.logStream} returned no nextForwardToken (the service always returns one)`,
      );
    if (next === token) return { lines, token };
    token = next;
  }
}

/** The events as text: SSM writes one event per line of output. Pure. */
export function joinLogLines(lines: string[]): string {
  return lines.length === 0 ? '' : `${lines.map((line) => line.replace(/\n$/, '')).join('\n')}\n`;
}

/**
 * For `run --follow`: each call gives the lines a server's stream got since the last call, reading on
 * from the previous forward token, so a long output is printed whole and each line once. An absent
 * stream gives `undefined` (nothing written yet, or the command sends no output there).
 */
export function createLogFollower(input: { logs: CloudWatchLogsClient; logGroup: string; step: string }) {
  const tokens = new Map<string, string | undefined>();
  return async (commandId: string, instanceId: string): Promise<string[] | undefined> => {
    const logStream = commandOutputStream({ commandId, instanceId, step: input.step, stream: 'stdout' });
    const read = await readLogEvents({
      logs: input.logs,
      logGroup: input.logGroup,
      logStream,
      token: tokens.get(instanceId),
    });
    if (!read) return undefined;
    tokens.set(instanceId, read.token);
    return read.lines.map((line) => line.replace(/\n$/, ''));
  };
}
