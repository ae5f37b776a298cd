/**
 * The shared body of `backopper plan` and `backopper sync`: parse options, load the configuration,
 * run the sync (dry or not), print the table or the JSON summary.
 */
import { loadConfig } from '../../control/config';
import { createTextLogger } from '../../control/log';
import { runSync } from '../../control/sync/run-sync';
import { formatSyncReport } from './format-plan';
import type { CommandHelp } from '../terminal/help';
import { type CliCommand, type CliContext, parseCommandArgs } from './types';

/** Builds the `plan` (dry run) or `sync` command. */
export function createSyncCommand(input: { name: string; summary: string; dryRun: boolean }): CliCommand {
  const help: CommandHelp = {
    usage: ['[--environment <name>]... [--json]'],
    description: [input.summary],
    flags: [
      ['-e, --environment <name>', 'only this environment (repeatable; default: all of BACKOPPER_ENVIRONMENTS)'],
      ['--json', 'print the summary as JSON instead of a table (a failure adds `error`)'],
    ],
    examples: [
      [`backopper ${input.name}`, input.dryRun ? 'what a sync would change now' : 'reconcile every environment now'],
      [`backopper ${input.name} -e live --json`, 'only live, as JSON'],
    ],
    exit: `0 ${input.dryRun ? 'planned' : 'synced'}, 1 an environment failed (its app list, a schedule), 2 bad invocation or configuration`,
    notes: [
      "Configuration: the deployed stack's settings, overridden by the BACKOPPER_* variables of the sync Lambda\n(see docs/sync.md).",
    ],
  };
  return {
    name: input.name,
    summary: input.summary,
    help,
    async run(args: string[], context: CliContext): Promise<number> {
      const { values } = parseCommandArgs({
        args,
        options: {
          environment: { type: 'string', short: 'e', multiple: true },
          json: { type: 'boolean' },
        },
        allowPositionals: false,
      });
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
      const failed = summary.environments.filter((environment) => environment.status !== 'ok');
      const error = failed.length
        ? `failed: ${failed.map((environment) => `${environment.environment} (${environment.status})`).join(', ')}`
        : undefined;
      if (values.json) context.stdout(JSON.stringify(error ? { ...summary, error } : summary, null, 2));
      else for (const line of formatSyncReport(summary, results)) context.stdout(line);
      return summary.ok ? 0 : 1;
    },
  };
}
