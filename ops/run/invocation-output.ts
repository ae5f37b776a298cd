/**
 * One server's output of one command, as SSM keeps it: GetCommandInvocation's run step, whose stdout
 * SSM cuts at 24,000 characters (the whole output is in CloudWatch Logs: see output-log.ts), plus the
 * line tail `run --follow` prints it with when there is no log group.
 */
import { GetCommandInvocationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { RUN_STEP } from '../../common/names';

/** SSM's cap on StandardOutputContent. */
export const SSM_OUTPUT_LIMIT = 24_000;

/** One step's output and status on one server (the run step's by default); undefined while the invocation does not exist yet. */
export async function readInvocationOutput(
  ssm: SSMClient,
  commandId: string,
  instanceId: string,
  step: string = RUN_STEP,
): Promise<{ status: string; stdout: string; stderr: string; truncated: boolean } | undefined> {
  try {
    const answer = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId, PluginName: step }),
    );
    const stdout = answer.StandardOutputContent ?? '';
    return {
      status: answer.Status ?? 'unknown',
      stdout,
      stderr: answer.StandardErrorContent ?? '',
      truncated: stdout.length >= SSM_OUTPUT_LIMIT,
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'InvocationDoesNotExist') return undefined;
    throw error;
  }
}

/**
 * Remembers how much of each server's output was printed and gives the new part: the lines of a
 * growing output, without repeating any. Pure.
 */
export function createOutputTail(): (instanceId: string, output: string) => string[] {
  const printed = new Map<string, number>();
  return (instanceId, output) => {
    const from = printed.get(instanceId) ?? 0;
    // Only whole lines: the last one may still be being written.
    const end = output.lastIndexOf('\n') + 1;
    if (end <= from) return [];
    printed.set(instanceId, end);
    return output.slice(from, end).replace(/\n$/, '').split('\n');
  };
}
