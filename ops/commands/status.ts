/**
 * `backopper status`: one table, app × environment: the schedule and its next run, the newest backup
 * in S3 (age, size against the previous one), the newest command and how it went on each server, and
 * flags (stale, missing, shrunk, failed, absent, disabled). Reads only.
 */
import { collectStatus } from '../status/collect-status';
import { loadOversightConfig } from '../status/config';
import { formatStatus } from '../status/format-status';
import { validateAppName } from '../../common/app-spec';
import type { CommandHelp } from '../terminal/help';
import { noScheduleFor, requireEnvironments } from './known-apps';
import { type CliCommand, type CliContext, parseCommandArgs, UsageError } from './types';

const help: CommandHelp = {
  usage: ['[--environment <name>]... [--app <name>]... [--flagged] [--history-days <n>] [--json]'],
  description: [
    'One line per app and environment: schedule and next run, newest backup in S3 (age, size vs the previous\n' +
      'one), the newest backup command and its servers, and flags: stale, missing, shrunk, failed, absent,\n' +
      'disabled, error, check-failed (the newest restore check failed), drill-failed (the newest restore drill\n' +
      'failed), drill-overdue (no drill passed in two drill periods). Under a failed row: why, from the run\n' +
      'report, or what the drill found.',
  ],
  flags: [
    ['-e, --environment <name>', 'only this environment (repeatable; default: all of BACKOPPER_ENVIRONMENTS)'],
    ['-a, --app <name>', 'only this app (repeatable); an app with no schedule is exit 3'],
    ['--flagged', 'only the flagged rows'],
    ['--history-days <n>', 'how far back to read the command history (1-30, default 8)'],
    ['--json', 'print the report as JSON'],
  ],
  examples: [
    ['backopper status', 'every app in every environment'],
    ['backopper status --flagged -e live', 'what needs attention in live'],
    ['backopper status --app shop --json', 'one app, as JSON'],
  ],
  exit: '0 nothing flagged, 1 something flagged, 2 bad invocation or configuration, 3 no such app (--app)',
  notes: [
    "Configuration: the deployed stack's settings; the variables BACKOPPER_ENVIRONMENTS, BACKOPPER_BUCKET and\n" +
      "the sync's BACKOPPER_SCHEDULE_BACKEND, _SCHEDULE_GROUP, _EVENT_BUS, _DOCUMENT_NAME, _VERIFY_DOCUMENT_NAME,\n" +
      '_CONCURRENCY override them (see docs/oversight.md).',
  ],
};

/** The `status` command. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: "Show every app's schedule, newest backup and last run, flagging stale, failed and shrunk ones.",
  help,
  async run(args: string[], context: CliContext): Promise<number> {
    const { values } = parseCommandArgs({
      args,
      options: {
        environment: { type: 'string', short: 'e', multiple: true },
        app: { type: 'string', short: 'a', multiple: true },
        flagged: { type: 'boolean' },
        'history-days': { type: 'string' },
        json: { type: 'boolean' },
      },
      allowPositionals: false,
    });
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
    requireEnvironments(config.environments, only, '--environment');
    const collected = await collectStatus({ config, only, apps, historyDays, deps: context.deps });
    const unknown = apps.filter((app) => !collected.rows.some((row) => row.app === app));
    if (unknown.length > 0) throw await noScheduleFor({ apps: unknown, config, only, deps: context.deps });
    const report = values.flagged
      ? { ...collected, rows: collected.rows.filter((row) => row.flags.length > 0) }
      : collected;
    if (values.json) context.stdout(JSON.stringify(report, null, 2));
    else for (const line of formatStatus(report)) context.stdout(line);
    for (const error of report.errors) context.stderr(`backopper status: ${error}`);
    return report.errors.length === 0 && report.rows.every((row) => row.flags.length === 0) ? 0 : 1;
  },
};
