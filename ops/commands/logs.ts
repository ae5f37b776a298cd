/**
 * `backopper logs <environment> <app>`: the whole output of the app's last backup run on each server,
 * from the stack's command log group in CloudWatch Logs (SSM's own copy, the first 24,000 characters,
 * when the output is not there).
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createAwsClient } from '../../control/aws-clients';
import { readRunOutput } from '../run/run-output';
import { readAppSchedule } from '../run/read-schedule';
import { appKey, findLatestCommands, readInstanceRuns } from '../status/command-history';
import { loadOversightConfig } from '../status/config';
import type { CommandHelp } from '../terminal/help';
import { noScheduleIn, requireEnvironments } from './known-apps';
import { parseTargetPositionals } from './target-args';
import { didYouMean } from '../terminal/suggest';
import { type CliCommand, type CliContext, parseCommandArgs, UsageError } from './types';

const help: CommandHelp = {
  usage: ['<environment> <app> [--instance <id>] [--history-days <n>] [--verify] [--json]'],
  description: [
    "Prints the output of the app's newest backup command (or with --verify its newest restore check) on\n" +
      "every server it ran on, whole: the agent's step lines, progress lines and run report, read from the\n" +
      "stack's command log group in CloudWatch Logs. Without one (or without the command's stream there) it\n" +
      'prints what SSM keeps, the first 24,000 characters of stdout and 8,000 of stderr, and says so on stderr.',
  ],
  flags: [
    ['--instance <id>', 'only this server'],
    ['--history-days <n>', 'how far back to look (1-30, default 8)'],
    ['--verify', 'the restore check instead of the backup'],
    ['--json', 'print as JSON (only JSON on stdout; a failure: {"error": ...})'],
  ],
  examples: [
    ['backopper logs live shop', "the last backup's whole output, per server"],
    ['backopper logs live shop --instance i-0abc --history-days 30', 'one server, a month back'],
  ],
  exit: '0 printed, 1 no command in the history window, 2 bad invocation, 3 no such app in that environment',
};

/** The `logs` command. */
export const logsCommand: CliCommand = {
  name: 'logs',
  summary: "Print the whole output of an app's last backup run on each server (CloudWatch Logs).",
  help,
  async run(args: string[], context: CliContext): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        instance: { type: 'string' },
        'history-days': { type: 'string' },
        verify: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    const { environment, app } = parseTargetPositionals(positionals);
    const historyDays = Number(values['history-days'] ?? 8);
    if (!Number.isInteger(historyDays) || historyDays < 1 || historyDays > 30)
      throw new UsageError(
        `--history-days: expected a whole number from 1 to 30, got ${JSON.stringify(values['history-days'])}`,
      );
    const env = await context.settings(['BACKOPPER_ENVIRONMENTS', 'BACKOPPER_COMMAND_LOG_GROUP']);
    const config = loadOversightConfig(env);
    requireEnvironments(config.environments, [environment], '<environment>');
    const documentName = values.verify ? config.verifyDocumentName : config.documentName;
    if (!documentName)
      throw new UsageError('--verify: the stack has no restore check (BACKOPPER_VERIFY_DOCUMENT_NAME is not set)');
    const ssm = context.deps.ssm ?? createAwsClient(SSMClient);
    const now = (context.deps.now ?? (() => new Date()))();
    const key = appKey(environment, app);
    const { latest } = await findLatestCommands({
      ssm,
      documentName,
      wanted: new Set([key]),
      since: new Date(now.getTime() - historyDays * 86_400_000),
    });
    const command = latest.get(key);
    if (!command?.CommandId) {
      const schedule = await readAppSchedule({ config, environment, app, deps: context.deps });
      if (!schedule) throw await noScheduleIn({ app, environment, config, deps: context.deps });
      throw new Error(
        `no ${documentName} command for ${app} in ${environment} in the last ${historyDays} day(s) (try --history-days 30, or \`backopper run ${environment} ${app}\`)`,
      );
    }
    const logGroup = env.BACKOPPER_COMMAND_LOG_GROUP;
    const all = await readInstanceRuns({ ssm, commandId: command.CommandId });
    const runs = all.filter((run) => !values.instance || run.instanceId === values.instance);
    if (runs.length === 0)
      throw new Error(
        values.instance
          ? `command ${command.CommandId} did not run on ${values.instance}: it ran on ${all.map((run) => run.instanceId).join(', ') || 'no server'}${didYouMean(
              values.instance,
              all.map((run) => run.instanceId),
            )}`
          : `command ${command.CommandId} ran on no server (no server matched its target)`,
      );
    const logs = context.deps.logs ?? createAwsClient(CloudWatchLogsClient);
    const instances = [];
    for (const run of runs) {
      const output = await readRunOutput({
        ssm,
        logs,
        logGroup,
        commandId: command.CommandId,
        instanceId: run.instanceId,
        // The step whose output held the report: a server without the app ended the document at its check step.
        step: run.reportStep,
      });
      instances.push({ instanceId: run.instanceId, ...output, status: output.status ?? run.status });
    }
    for (const instance of instances)
      if (instance.note) context.stderr(`backopper logs: ${instance.instanceId}: ${instance.note}`);
    const requestedAt = command.RequestedDateTime?.toISOString();
    if (values.json) {
      context.stdout(
        JSON.stringify(
          {
            environment,
            app,
            documentName,
            commandId: command.CommandId,
            requestedAt,
            status: command.Status,
            instances,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    context.stdout(
      `${documentName} of ${app} (${environment}): command ${command.CommandId}, requested ${requestedAt}, ${command.Status}`,
    );
    for (const instance of instances) {
      context.stdout('');
      context.stdout(`== ${instance.instanceId}  ${instance.status}`);
      if (instance.stdout) context.stdout(instance.stdout.replace(/\n$/, ''));
      if (instance.stderr.trim())
        context.stdout(
          instance.stderr
            .trim()
            .split('\n')
            .map((line) => `stderr: ${line}`)
            .join('\n'),
        );
    }
    return 0;
  },
};
