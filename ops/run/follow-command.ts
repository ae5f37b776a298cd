/**
 * Follows one SSM command until it ends or a deadline passes: polls ListCommands for the command's
 * status (its invocations do not exist for a moment after SendCommand), then reads each server's run
 * step with GetCommandInvocation, whose last stdout line is the agent's JSON run report.
 */
import {
  GetCommandInvocationCommand,
  ListCommandsCommand,
  paginateListCommandInvocations,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { lastJsonObject } from '../../common/run-report';
import { CHECK_STEP, RUN_STEP } from '../../common/names';

/** Command statuses after which nothing changes any more. */
export const FINAL_COMMAND_STATUSES = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

/** One server's part of the run. */
export interface InstanceResult {
  instanceId: string;
  status: string;
  /** The run step's exit status (-1 when it did not run). */
  responseCode: number;
  /** The agent's run report (the last JSON line of stdout), when there is one. */
  report: Record<string, unknown> | undefined;
  /** The last lines of stderr, for a run without a report. */
  stderrTail: string;
}

/** How the command ended (or how far it got). */
export interface FollowResult {
  commandId: string;
  /** The command's last known status. */
  status: string;
  /** The deadline passed before the command ended (it keeps running in SSM). */
  timedOut: boolean;
  targetCount: number;
  instances: InstanceResult[];
}

/** Options of {@link followCommand}. */
export interface FollowOptions {
  ssm: SSMClient;
  commandId: string;
  /** Give up following after this long. */
  timeoutMs: number;
  /** Between polls. */
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Called when the status changes (`Pending`, `InProgress`, ...). */
  onStatus?: (status: string) => void;
  /** Called after each status check (`final`: the command ended), e.g. to print new output. */
  onPoll?: (final: boolean, status: string) => Promise<void>;
}

/** Polls until the command ends or `timeoutMs` passes, then reads every server's output. */
export async function followCommand(options: FollowOptions): Promise<FollowResult> {
  const { ssm, commandId } = options;
  const deadline = options.now() + options.timeoutMs;
  let status = 'Pending';
  let targetCount = 0;
  for (;;) {
    const listed = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    const command = listed.Commands?.[0];
    if (command?.Status && command.Status !== status) options.onStatus?.(command.Status);
    status = command?.Status ?? status;
    targetCount = command?.TargetCount ?? targetCount;
    await options.onPoll?.(FINAL_COMMAND_STATUSES.has(status), status);
    if (FINAL_COMMAND_STATUSES.has(status)) break;
    if (options.now() >= deadline)
      return { commandId, status, timedOut: true, targetCount, instances: await readInstances(options, false) };
    await options.sleep(options.intervalMs);
  }
  return { commandId, status, timedOut: false, targetCount, instances: await readInstances(options, true) };
}

/** Each server's invocation of the command and its status, by instance id. */
export async function listInvocationStatuses(
  ssm: SSMClient,
  commandId: string,
): Promise<{ instanceId: string; status: string }[]> {
  const ids: { instanceId: string; status: string }[] = [];
  for await (const page of paginateListCommandInvocations({ client: ssm, pageSize: 50 }, { CommandId: commandId })) {
    for (const invocation of page.CommandInvocations ?? [])
      ids.push({ instanceId: invocation.InstanceId ?? 'unknown', status: invocation.Status ?? 'unknown' });
  }
  return ids.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

async function readInstances(options: FollowOptions, withOutput: boolean): Promise<InstanceResult[]> {
  const { ssm, commandId } = options;
  const results: InstanceResult[] = [];
  for (const { instanceId, status } of await listInvocationStatuses(ssm, commandId)) {
    if (!withOutput) {
      results.push({ instanceId, status, responseCode: -1, report: undefined, stderrTail: '' });
      continue;
    }
    const invocation = await readReportingStep(ssm, commandId, instanceId);
    results.push(
      invocation
        ? {
            instanceId,
            status: invocation.Status ?? status,
            responseCode: invocation.ResponseCode ?? -1,
            report: lastJsonObject(invocation.StandardOutputContent ?? ''),
            stderrTail: (invocation.StandardErrorContent ?? '').trim().split('\n').slice(-5).join('\n'),
          }
        : // The run step never started (the download failed, the server went away): there is no output.
          { instanceId, status, responseCode: -1, report: undefined, stderrTail: '' },
    );
  }
  return results;
}

// The run step's invocation, or, when it holds no report (a server without the app ended the document
// at its first step), the check step's; undefined when neither exists.
async function readReportingStep(ssm: SSMClient, commandId: string, instanceId: string) {
  const read = async (step: string) => {
    try {
      return await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId, PluginName: step }),
      );
    } catch (error) {
      if (error instanceof Error && ['InvocationDoesNotExist', 'InvalidPluginName'].includes(error.name))
        return undefined;
      throw error;
    }
  };
  const run = await read(RUN_STEP);
  if (run && lastJsonObject(run.StandardOutputContent ?? '')) return run;
  const check = await read(CHECK_STEP);
  // The check step "failed" by design (onFailure: successAndExit): the invocation's listed status stands.
  return check && lastJsonObject(check.StandardOutputContent ?? '')
    ? { ...check, Status: undefined, ResponseCode: 0 }
    : run;
}
