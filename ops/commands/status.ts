/**
 * `backopper status`: one table, app × environment: the schedule and its next run, the newest backup
 * in S3 (age, size against the previous one), the newest command and how it went on each server, and
 * flags (stale, missing, shrunk, failed, absent, disabled). Reads only.
 */
import { collectStatus } from '../status/collect-status';
import { requireKnownEnvironments } from '../../lambda/shared/config';
import { loadOversightConfig } from '../status/config';
import { formatStatus } from '../status/format-status';
import { type CliCommand, type CliContext, parseCommandArgs, UsageError } from './types';

const usage = [
  'usage: backopper status [--environment <name>]... [--history-days <n>] [--json]',
  '',
  'One line per app and environment: schedule and next run, newest backup in S3 (age, size vs the previous',
  'one), the newest backup command and its servers, and flags: stale, missing, shrunk, failed, absent,',
  'disabled, error. Exit status 0 when nothing is flagged, 1 otherwise, 2 for a bad invocation.',
  '',
  '  -e, --environment <name>  only this environment (repeatable; default: all of BACKOPPER_ENVIRONMENTS)',
  '      --history-days <n>    how far back to read the command history (1-30, default 8)',
  '      --json                print the report as JSON',
  '  -h, --help                show this help',
  '',
  'Configuration: BACKOPPER_ENVIRONMENTS, BACKOPPER_BUCKET, and the sync\'s BACKOPPER_SCHEDULE_BACKEND,',
  '_SCHEDULE_GROUP, _EVENT_BUS, _DOCUMENT_NAME, _CONCURRENCY (see docs/oversight.md).',
].join('\n');

/** The `status` command. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show every app\'s schedule, newest backup and last run, flagging stale, failed and shrunk ones.',
  usage,
  async run(args: string[], context: CliContext): Promise<number> {
    const { values } = parseCommandArgs({
      args,
      options: {
        environment: { type: 'string', short: 'e', multiple: true },
        'history-days': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
    if (values.help) {
      context.stdout(usage);
      return 0;
    }
    const historyDays = Number(values['history-days'] ?? 8);
    if (!Number.isInteger(historyDays) || historyDays < 1 || historyDays > 30) {
      throw new UsageError(`--history-days: expected a whole number from 1 to 30 (SSM keeps 30 days), got ${JSON.stringify(values['history-days'])}`);
    }
    const config = loadOversightConfig(context.env, { requireBucket: true });
    const only = values.environment ?? [];
    requireKnownEnvironments(config.environments, only, '--environment');
    const report = await collectStatus({ config, only, historyDays, deps: context.deps });
    if (values.json) context.stdout(JSON.stringify(report, null, 2));
    else for (const line of formatStatus(report)) context.stdout(line);
    for (const error of report.errors) context.stderr(`backopper status: ${error}`);
    return report.errors.length === 0 && report.rows.every((row) => row.flags.length === 0) ? 0 : 1;
  },
};
