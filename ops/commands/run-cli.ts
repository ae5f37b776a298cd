/**
 * The ops CLI dispatcher: `backopper <command> [options]`. Add a command by writing one file that
 * exports a {@link CliCommand} and listing it in {@link COMMANDS}.
 */
import { ConfigError } from '../../common/settings/config-error';
import { describeError } from '../../lambda/shared/errors';
import { backupsCommand } from './backups';
import { planCommand } from './plan';
import { restoreCommand } from './restore';
import { runCommand } from './run';
import { statusCommand } from './status';
import { syncCommand } from './sync';
import { type CliCommand, type CliContext, UsageError } from './types';

/** Every command, by name. */
export const COMMANDS: readonly CliCommand[] = [planCommand, syncCommand, statusCommand, runCommand, backupsCommand, restoreCommand];

/** The `backopper --help` text. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: backopper <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `backopper <command> --help` for its options.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves with the exit status. */
export async function runCli(argv: readonly string[], context: Partial<CliContext> = {}): Promise<number> {
  const full: CliContext = {
    env: context.env ?? process.env,
    stdout: context.stdout ?? ((line) => process.stdout.write(`${line}\n`)),
    stderr: context.stderr ?? ((line) => process.stderr.write(`${line}\n`)),
    deps: context.deps ?? {},
  };
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    full.stdout(helpText());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    full.stderr(`backopper: unknown command ${JSON.stringify(name)}\n\n${helpText()}`);
    return 2;
  }
  try {
    return await command.run(args, full);
  } catch (error) {
    if (error instanceof UsageError) {
      full.stderr(`backopper ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      full.stderr(`backopper ${name}: configuration error: ${error.message}`);
      return 2;
    }
    full.stderr(`backopper ${name}: ${describeError(error)}`);
    return 1;
  }
}
