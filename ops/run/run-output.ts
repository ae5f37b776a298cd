/**
 * One server's whole output of one command: the run step's stdout and stderr streams in the command log
 * group (CloudWatch Logs), or, when the settings name no log group or the command sent nothing there,
 * what SSM keeps (GetCommandInvocation: the first 24,000 characters of stdout, 8,000 of stderr).
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { RUN_STEP } from '../../common/names';
import { readInvocationOutput, SSM_OUTPUT_LIMIT } from './invocation-output';
import { commandOutputStream, joinLogLines, readLogEvents } from './output-log';

/** SSM's cap on StandardErrorContent. */
export const SSM_ERROR_LIMIT = 8_000;

/** What {@link readRunOutput} found. */
export interface RunOutput {
  /** `cloudwatch`: all of it; `ssm`: GetCommandInvocation's first characters. */
  source: 'cloudwatch' | 'ssm';
  stdout: string;
  stderr: string;
  /** SSM's copy is full (more was printed); never with `cloudwatch`. */
  truncated: boolean;
  logGroup: string | undefined;
  logStream: string;
  /** Why the output is SSM's, and what that leaves out. */
  note?: string;
  /** The invocation's status, when SSM was asked. */
  status?: string;
}

/** Reads the run step's output of `commandId` on `instanceId`, from CloudWatch Logs when it is there. */
export async function readRunOutput(input: {
  ssm: SSMClient;
  logs: CloudWatchLogsClient;
  logGroup: string | undefined;
  commandId: string;
  instanceId: string;
  /** The step to read: the one that held the run report. @default RUN_STEP */
  step?: string;
}): Promise<RunOutput> {
  const { logs, logGroup, commandId, instanceId } = input;
  const step = input.step ?? RUN_STEP;
  const logStream = commandOutputStream({ commandId, instanceId, step, stream: 'stdout' });
  let why: string;
  if (logGroup) {
    const stdout = await readLogEvents({ logs, logGroup, logStream });
    if (stdout) {
      const stderr = await readLogEvents({
        logs,
        logGroup,
        logStream: commandOutputStream({ commandId, instanceId, step, stream: 'stderr' }),
      });
      return {
        source: 'cloudwatch',
        stdout: joinLogLines(stdout.lines),
        stderr: joinLogLines(stderr?.lines ?? []),
        truncated: false,
        logGroup,
        logStream,
      };
    }
    why = `no stream ${logStream} in log group ${logGroup} (the command sent no output to CloudWatch Logs, or the group is gone)`;
  } else {
    why = 'the settings name no command log group (BACKOPPER_COMMAND_LOG_GROUP; the stack publishes it)';
  }
  const ssmOutput = await readInvocationOutput(input.ssm, commandId, instanceId, step);
  const truncated = ssmOutput?.truncated ?? false;
  const note = `output from SSM, which keeps the first ${SSM_OUTPUT_LIMIT.toLocaleString('en')} characters of stdout and ${SSM_ERROR_LIMIT.toLocaleString('en')} of stderr${truncated ? ' (this stdout is cut there)' : ''}: ${why}`;
  return {
    source: 'ssm',
    stdout: ssmOutput?.stdout ?? '',
    stderr: ssmOutput?.stderr ?? '',
    truncated,
    logGroup,
    logStream,
    note,
    status: ssmOutput?.status,
  };
}
