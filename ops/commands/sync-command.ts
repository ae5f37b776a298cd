/**
 * The shared body of `backopper plan` and `backopper sync`: parse options, load the configuration,
 * run the sync (dry or not), print the table or the JSON summary.
 */
import { loadConfig } from '../../control/config';
import { createTextLogger } from '../../control/log';
import { runSync } from '../../control/sync/run-sync';
import { formatSyncReport } from './format-plan';
import { type CliCommand, type CliContext, parseCommandArgs } from './types';

/** Builds the `plan` (dry run) or `sync` command. */
export function createSyncCommand(input: { name: string; summary: string; dryRun: boolean }): CliCommand {
  const usage = [
    `usage: backopper ${input.name} [--environment <name>]... [--json]`,
    '',
    input.summary,
    '',
    '  -e, --environment <name>  only this environment (repeatable; default: all of BACKOPPER_ENVIRONMENTS)',
    '      --json                print the summary as JSON instead of a table',
    '  -h, --help                show this help',
    '',
    "Configuration: the deployed stack's settings, overridden by the BACKOPPER_* variables of the sync Lambda (see docs/sync.md).",
  ].join('\n');
  return {
    name: input.name,
    summary: input.summary,
    usage,
    async run(args: string[], context: CliContext): Promise<number> {
      const { values } = parseCommandArgs({
        args,
        options: {
          environment: { type: 'string', short: 'e', multiple: true },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: false,
      });
      if (values.help) {
        context.stdout(usage);
        return 0;
      }
      const config = loadConfig(
        await context.settings([
          'BACKOPPER_ENVIRONMENTS',
          'BACKOPPER_API_URL',
          'BACKOPPER_API_SECRET_PARAMETER',
          'BACKOPPER_SCHEDULE_ROLE_ARN',
        ]),
      );
      const logger = createTextLogger(context.stderr);
      const { summary, results } = await runSync(
        { config, dryRun: input.dryRun, only: values.environment ?? [] },
        { ...context.deps, logger: context.deps.logger ?? logger },
      );
      if (values.json) context.stdout(JSON.stringify(summary, null, 2));
      else for (const line of formatSyncReport(summary, results)) context.stdout(line);
      return summary.ok ? 0 : 1;
    },
  };
}
