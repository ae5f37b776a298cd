/**
 * `backopper run <environment> <app>`: sends the app's backup command now, exactly as its schedule
 * would (the schedule's own SendCommand request), follows it, and prints each server's run report.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { paginateListCommandInvocations, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { RUN_STEP } from '../../common/names';
import { createOutputTail, readInvocationOutput } from '../run/invocation-output';
import { createLogFollower } from '../run/output-log';
import { formatBytes } from '../../common/format';
import { createAwsClient } from '../../control/aws-clients';
import { followCommand, type FollowResult, type InstanceResult, listInvocationStatuses } from '../run/follow-command';
import { readAppSchedule } from '../run/read-schedule';
import { loadOversightConfig } from '../status/config';
import type { CommandHelp } from '../terminal/help';
import { createWaitReporter } from '../run/wait-progress';
import { noScheduleIn, requireEnvironments } from './known-apps';
import { parseTargetPositionals } from './target-args';
import { type CliCommand, type CliContext, parseCommandArgs, UsageError } from './types';

const help: CommandHelp = {
  usage: ['<environment> <app> [--follow] [--timeout <seconds>] [--interval <seconds>] [--json]'],
  description: [
    "Sends the app's backup now through SSM Run Command, exactly what its schedule sends, follows it and\n" +
      "prints every server's run report. While it waits it says where the command is: each status change,\n" +
      'and every 30 s a `waiting:` line (on a terminal, one line kept up to date); --follow prints the\n' +
      "servers' own output instead.",
  ],
  flags: [
    [
      '--follow',
      "print each server's output as it comes (step and progress lines), whole,\n" +
        'from the command log group (from SSM, first 24,000 characters, without one)',
    ],
    ['--timeout <seconds>', 'stop following after this long (the command keeps running; default 3600)'],
    ['--interval <seconds>', 'between status checks (default 5)'],
    ['--json', 'print the result as JSON (notes go to stderr; a failure has "error")'],
  ],
  examples: [
    ['backopper run live shop', 'back up shop in live now and wait for the reports'],
    ['backopper run live shop --follow', "the same, printing the servers' output as it comes"],
  ],
  exit: '0 the backup succeeded, 1 it failed, timed out, was cancelled or found the app on no server,\n2 bad invocation (unknown environment), 3 no such app in that environment',
};

/** The `run` command. */
export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Back up one app now (what its schedule sends), follow it and print the run reports.',
  help,
  async run(args: string[], context: CliContext): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        timeout: { type: 'string' },
        interval: { type: 'string' },
        follow: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    const seconds = (name: 'timeout' | 'interval', fallback: number, max: number) => {
      const value = Number(values[name] ?? fallback);
      if (!Number.isInteger(value) || value < 1 || value > max)
        throw new UsageError(`--${name}: expected whole seconds from 1 to ${max}, got ${JSON.stringify(values[name])}`);
      return value;
    };
    const timeout = seconds('timeout', 3600, 172_800);
    const interval = seconds('interval', 5, 300);
    const { environment, app } = parseTargetPositionals(positionals);
    const env = await context.settings([
      'BACKOPPER_ENVIRONMENTS',
      ...(values.follow ? ['BACKOPPER_COMMAND_LOG_GROUP'] : []),
    ]);
    const config = loadOversightConfig(env);
    requireEnvironments(config.environments, [environment], '<environment>');
    const deps = context.deps;
    const schedule = await readAppSchedule({ config, environment, app, deps });
    if (!schedule) throw await noScheduleIn({ app, environment, config, deps });
    const ssm = deps.ssm ?? createAwsClient(SSMClient);
    const sent = await ssm.send(new SendCommandCommand(schedule.request));
    const commandId = sent.Command?.CommandId as string;
    const targets = schedule.request.Targets.map((target) => `${target.Key}=${target.Values.join(',')}`).join(' ');
    const note = values.json ? context.stderr : context.stdout;
    note(
      `backopper run: sent command ${commandId} (${schedule.request.DocumentName}, ${app} in ${environment}) to ${targets}`,
    );
    const clock = deps.now ?? (() => new Date());
    const stream = context.terminal?.[values.json ? 'stderr' : 'stdout'];
    const waiting = createWaitReporter({
      live: stream?.isTTY === true,
      line: note,
      write: (text) => stream?.write(text),
      now: () => clock().getTime(),
      columns: stream?.columns,
    });
    const sentAt = clock().getTime();
    const printer = values.follow
      ? createOutputPrinter({
          ssm,
          logs: deps.logs,
          logGroup: outputLogGroup(schedule.request, env.BACKOPPER_COMMAND_LOG_GROUP),
          commandId,
          print: note,
        })
      : undefined;
    const result = await followCommand({
      ssm,
      commandId,
      timeoutMs: timeout * 1000,
      intervalMs: interval * 1000,
      sleep: deps.sleep ?? realSleep,
      now: () => clock().getTime(),
      onStatus: (status) => waiting.say(`status: ${status}`),
      onPoll:
        printer ??
        (async (final, status) => {
          if (final || !waiting.due()) return;
          // Only for the waiting line: a failed listing (throttling) must not end the wait.
          const instances = await listInvocationStatuses(ssm, commandId).catch(() => []);
          waiting.show({ status, elapsedMs: clock().getTime() - sentAt, instances });
        }),
    });
    waiting.finish();
    const verdict = judge(result, timeout);
    const palette = context.terminal?.stdout.palette;
    if (values.json)
      context.stdout(
        JSON.stringify(
          { ...result, ok: verdict.ok, summary: verdict.summary, ...(verdict.ok ? {} : { error: verdict.summary }) },
          null,
          2,
        ),
      );
    else
      for (const line of formatResult(result, verdict.summary))
        context.stdout(line === verdict.summary && palette ? (verdict.ok ? palette.green : palette.red)(line) : line);
    return verdict.ok ? 0 : 1;
  },
};

// The log group the command writes its output to, if the request sends output to CloudWatch Logs at
// all: the one it names (the sync sets the stack's), else the one the settings name.
function outputLogGroup(
  request: { CloudWatchOutputConfig?: { CloudWatchOutputEnabled?: boolean; CloudWatchLogGroupName?: string } },
  settingsGroup: string | undefined,
): string | undefined {
  const config = request.CloudWatchOutputConfig;
  return config?.CloudWatchOutputEnabled ? (config.CloudWatchLogGroupName ?? settingsGroup) : undefined;
}

/**
 * Prints `[i-web1] line` for every line a server printed since the last poll: from its CloudWatch Logs
 * stream (whole, read on from the last forward token), or from SSM's copy (the first 24,000 characters)
 * when there is no log group, or when the stream still does not exist once the command ended.
 */
function createOutputPrinter(input: {
  ssm: SSMClient;
  logs: CloudWatchLogsClient | undefined;
  logGroup: string | undefined;
  commandId: string;
  print: (line: string) => void;
}) {
  const { ssm, commandId, print, logGroup } = input;
  const tail = createOutputTail();
  const follow = logGroup
    ? createLogFollower({ logs: input.logs ?? createAwsClient(CloudWatchLogsClient), logGroup, step: RUN_STEP })
    : undefined;
  const streamed = new Set<string>();
  return async (final: boolean): Promise<void> => {
    const ids: string[] = [];
    for await (const page of paginateListCommandInvocations({ client: ssm, pageSize: 50 }, { CommandId: commandId })) {
      for (const invocation of page.CommandInvocations ?? [])
        if (invocation.InstanceId) ids.push(invocation.InstanceId);
    }
    for (const instanceId of ids.sort()) {
      const lines = follow ? await follow(commandId, instanceId) : undefined;
      if (lines) streamed.add(instanceId);
      if (lines || streamed.has(instanceId)) {
        for (const line of lines ?? []) print(`[${instanceId}] ${line}`);
        continue;
      }
      if (follow && !final) continue; // the stream appears with the first line the agent prints
      const output = await readInvocationOutput(ssm, commandId, instanceId);
      if (!output) continue;
      const text = final && output.stdout && !output.stdout.endsWith('\n') ? `${output.stdout}\n` : output.stdout;
      for (const line of tail(instanceId, text)) print(`[${instanceId}] ${line}`);
    }
  };
}

/** Whether the run counts as a backup made, and the closing line. */
export function judge(result: FollowResult, timeoutSeconds: number): { ok: boolean; summary: string } {
  const ran = result.instances.filter((instance) => instance.report?.status !== 'skipped');
  const skipped = result.instances.length - ran.length;
  if (result.timedOut) {
    return {
      ok: false,
      summary: `TIMED OUT: still ${result.status} after ${timeoutSeconds}s; the command keeps running (aws ssm list-command-invocations --command-id ${result.commandId} --details)`,
    };
  }
  if (result.status !== 'Success') {
    const failed = result.instances
      .filter((instance) => instance.status !== 'Success')
      .map((instance) => instance.instanceId);
    return { ok: false, summary: `FAILED: ${result.status}${failed.length ? ` on ${failed.join(', ')}` : ''}` };
  }
  if (result.targetCount === 0)
    return { ok: false, summary: 'FAILED: no server matched the target tag: nothing was backed up' };
  if (ran.length === 0)
    return { ok: false, summary: `FAILED: the app is on none of the ${skipped} server(s): every one skipped it` };
  return {
    ok: true,
    summary: `ok: backed up on ${ran.map((instance) => instance.instanceId).join(', ')}${skipped ? ` (${skipped} server(s) without the app skipped it)` : ''}`,
  };
}

function formatResult(result: FollowResult, summary: string): string[] {
  const lines: string[] = [''];
  for (const instance of result.instances) {
    lines.push(
      `${instance.instanceId}  ${instance.status}  exit ${instance.responseCode}  ${describeReport(instance)}`,
    );
    if (instance.report) lines.push(`  ${JSON.stringify(instance.report)}`);
    else if (instance.stderrTail) lines.push(...instance.stderrTail.split('\n').map((line) => `  stderr: ${line}`));
  }
  lines.push('', summary);
  return lines;
}

function describeReport(instance: InstanceResult): string {
  const report = instance.report;
  if (!report) return 'no run report';
  if (report.status === 'skipped')
    return `skipped: ${String(report.error ?? report.reason ?? 'the app is not on this server')}`;
  const steps = Object.entries(
    (report.steps ?? {}) as Record<string, { status?: string; bytes?: number; error?: string }>,
  ).map(
    ([name, step]) =>
      `${name} ${step.status ?? '?'}${typeof step.bytes === 'number' ? ` ${formatBytes(step.bytes)}` : ''}${step.error ? ` (${step.error})` : ''}`,
  );
  return `${String(report.status)}${steps.length ? `: ${steps.join(', ')}` : report.error ? `: ${String(report.error)}` : ''}`;
}
