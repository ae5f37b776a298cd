/**
 * `backopper logs <environment> <app>`: the output of the app's last backup run on each server, as SSM
 * keeps it (the run step's stdout and stderr), with the CloudWatch Logs stream that holds all of it.
 */
import { validateAppName, validateEnvironment } from '../../common/app-spec';
import { requireKnownEnvironments } from '../../lambda/shared/config';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createAwsClient } from '../../lambda/shared/aws-clients';
import { outputLogStream, readInvocationOutput, SSM_OUTPUT_LIMIT } from '../run/invocation-output';
import { readAppSchedule } from '../run/read-schedule';
import { appKey, findLatestCommands, readInstanceRuns } from '../status/command-history';
import { loadOversightConfig } from '../status/config';
import { type CliCommand, type CliContext, NotFoundError, parseCommandArgs, UsageError } from './types';

const usage = [
  'usage: backopper logs <environment> <app> [--instance <id>] [--history-days <n>] [--verify] [--json]',
  '',
  "Prints the output of the app's newest backup command (or with --verify its newest restore check) on",
  'every server it ran on: the agent\'s step lines, progress lines and run report. SSM keeps the first',
  `${SSM_OUTPUT_LIMIT.toLocaleString('en')} characters; the whole output is in the stack's command log group (the stream is named).`,
  'Exit status: 0 printed, 1 no command in the history window, 2 bad invocation, 3 no such app.',
  '',
  '      --instance <id>       only this server',
  '      --history-days <n>    how far back to look (1-30, default 8)',
  '      --verify              the restore check instead of the backup',
  '      --json                print as JSON',
  '  -h, --help                show this help',
].join('\n');

/** The `logs` command. */
export const logsCommand: CliCommand = {
  name: 'logs',
  summary: "Print the output of an app's last backup run on each server (SSM; CloudWatch stream named).",
  usage,
  async run(args: string[], context: CliContext): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args,
      options: { instance: { type: 'string' }, 'history-days': { type: 'string' }, verify: { type: 'boolean' }, json: { type: 'boolean' } },
      allowPositionals: true,
    });
    if (positionals.length !== 2) throw new UsageError(`expected <environment> <app>, got ${positionals.length} argument(s)`);
    let environment: string;
    let app: string;
    try {
      environment = validateEnvironment(positionals[0]);
      app = validateAppName(positionals[1]);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const historyDays = Number(values['history-days'] ?? 8);
    if (!Number.isInteger(historyDays) || historyDays < 1 || historyDays > 30) throw new UsageError(`--history-days: expected a whole number from 1 to 30, got ${JSON.stringify(values['history-days'])}`);
    const env = await context.settings(['BACKOPPER_ENVIRONMENTS']);
    const config = loadOversightConfig(env);
    requireKnownEnvironments(config.environments, [environment], '<environment>');
    const documentName = values.verify ? config.verifyDocumentName : config.documentName;
    if (!documentName) throw new UsageError('--verify: the stack has no restore check (BACKOPPER_VERIFY_DOCUMENT_NAME is not set)');
    const ssm = context.deps.ssm ?? createAwsClient(SSMClient);
    const now = (context.deps.now ?? (() => new Date()))();
    const key = appKey(environment, app);
    const { latest } = await findLatestCommands({ ssm, documentName, wanted: new Set([key]), since: new Date(now.getTime() - historyDays * 86_400_000) });
    const command = latest.get(key);
    if (!command?.CommandId) {
      const schedule = await readAppSchedule({ config, environment, app, deps: context.deps });
      if (!schedule) throw new NotFoundError(`${app} has no backup schedule in ${environment} (is it in the app list? \`backopper status\` lists the apps)`);
      context.stderr(`backopper logs: no ${documentName} command for ${app} in ${environment} in the last ${historyDays} day(s) (try --history-days 30, or \`backopper run ${environment} ${app}\`)`);
      return 1;
    }
    const logGroup = env.BACKOPPER_COMMAND_LOG_GROUP;
    const runs = (await readInstanceRuns({ ssm, commandId: command.CommandId })).filter((run) => !values.instance || run.instanceId === values.instance);
    if (runs.length === 0) throw new NotFoundError(`command ${command.CommandId} ran on no server${values.instance ? ` named ${values.instance}` : ''}`);
    const instances = [];
    for (const run of runs) {
      const output = await readInvocationOutput(ssm, command.CommandId, run.instanceId);
      instances.push({
        instanceId: run.instanceId,
        status: output?.status ?? run.status,
        stdout: output?.stdout ?? '',
        stderr: output?.stderr ?? '',
        truncated: output?.truncated ?? false,
        logGroup,
        logStream: outputLogStream(command.CommandId, run.instanceId),
      });
    }
    const requestedAt = command.RequestedDateTime?.toISOString();
    if (values.json) {
      context.stdout(JSON.stringify({ environment, app, documentName, commandId: command.CommandId, requestedAt, status: command.Status, instances }, null, 2));
      return 0;
    }
    context.stdout(`${documentName} of ${app} (${environment}): command ${command.CommandId}, requested ${requestedAt}, ${command.Status}`);
    for (const instance of instances) {
      context.stdout('');
      context.stdout(`== ${instance.instanceId}  ${instance.status}`);
      if (instance.stdout) context.stdout(instance.stdout.replace(/\n$/, ''));
      if (instance.stderr.trim()) context.stdout(instance.stderr.trim().split('\n').map((line) => `stderr: ${line}`).join('\n'));
      if (instance.truncated) {
        context.stdout(`(SSM keeps the first ${SSM_OUTPUT_LIMIT} characters; all of it: aws logs get-log-events --log-group-name ${logGroup ?? '<the stack\'s CommandOutputLogGroup>'} --log-stream-name ${instance.logStream})`);
      }
    }
    return 0;
  },
};
