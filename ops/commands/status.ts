/**
 * `backopper status`: one table, app × environment: the schedule and its next run, the newest backup
 * in S3 (age, size against the previous one), the newest command and how it went on each server, and
 * flags (stale, missing, shrunk, failed, absent, disabled). Reads only.
 */
import { collectStatus } from '../status/collect-status';
import { requireKnownEnvironments } from '../../control/config';
import { loadOversightConfig } from '../status/config';
import { formatStatus } from '../status/format-status';
import { validateAppName } from '../../common/app-spec';
import { type CliCommand, type CliContext, EXIT, parseCommandArgs, UsageError } from './types';

const usage = [
  'usage: backopper status [--environment <name>]... [--app <name>]... [--flagged] [--history-days <n>] [--json]',
  '',
  'One line per app and environment: schedule and next run, newest backup in S3 (age, size vs the previous',
  'one), the newest backup command and its servers, and flags: stale, missing, shrunk, failed, absent,',
  'disabled, error, check-failed (the newest restore check failed). Under a failed row: why, from the run',
  'report. Exit status 0 when nothing is flagged, 1 otherwise, 2 for a bad invocation.',
  '',
  '  -e, --environment <name>  only this environment (repeatable; default: all of BACKOPPER_ENVIRONMENTS)',
  '  -a, --app <name>          only this app (repeatable)',
  '      --flagged             only the flagged rows',
  '      --history-days <n>    how far back to read the command history (1-30, default 8)',
  '      --json                print the report as JSON',
  '  -h, --help                show this help',
  '',
  "Configuration: the deployed stack's settings; the variables BACKOPPER_ENVIRONMENTS, BACKOPPER_BUCKET and",
  "the sync's BACKOPPER_SCHEDULE_BACKEND, _SCHEDULE_GROUP, _EVENT_BUS, _DOCUMENT_NAME, _VERIFY_DOCUMENT_NAME,",
  '_CONCURRENCY override them (see docs/oversight.md).',
].join('\n');

/** The `status` command. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: "Show every app's schedule, newest backup and last run, flagging stale, failed and shrunk ones.",
  usage,
  async run(args: string[], context: CliContext): Promise<number> {
    const { values } = parseCommandArgs({
      args,
      options: {
        environment: { type: 'string', short: 'e', multiple: true },
        app: { type: 'string', short: 'a', multiple: true },
        flagged: { type: 'boolean' },
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
      throw new UsageError(
        `--history-days: expected a whole number from 1 to 30 (SSM keeps 30 days), got ${JSON.stringify(values['history-days'])}`,
      );
    }
    const apps = values.app ?? [];
    for (const app of apps) {
      try {
        validateAppName(app);
      } catch (error) {
        throw new UsageError(`--app: ${(error as Error).message}`);
      }
    }
    const config = loadOversightConfig(await context.settings(['BACKOPPER_ENVIRONMENTS', 'BACKOPPER_BUCKET']), {
      requireBucket: true,
    });
    const only = values.environment ?? [];
    requireKnownEnvironments(config.environments, only, '--environment');
    const collected = await collectStatus({ config, only, apps, historyDays, deps: context.deps });
    const report = values.flagged
      ? { ...collected, rows: collected.rows.filter((row) => row.flags.length > 0) }
      : collected;
    if (values.json) context.stdout(JSON.stringify(report, null, 2));
    else for (const line of formatStatus(report)) context.stdout(line);
    for (const error of report.errors) context.stderr(`backopper status: ${error}`);
    const unknown = apps.filter((app) => !collected.rows.some((row) => row.app === app));
    if (unknown.length > 0) {
      context.stderr(
        `backopper status: no backup schedule for ${unknown.join(', ')} (not in the app list, or no frequency: \`backopper plan\` says why)`,
      );
      return EXIT.notFound;
    }
    return report.errors.length === 0 && report.rows.every((row) => row.flags.length === 0) ? 0 : 1;
  },
};
