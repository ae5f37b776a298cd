/**
 * The ops CLI dispatcher: `backopper [--stack <name>] <command> [options]`. Add a command by writing
 * one file that exports a {@link CliCommand} and listing it in {@link COMMANDS}. Every command answers
 * `--help`/`-h` (exit 0); a bad invocation is one line and a pointer to `--help` (exit 2).
 */
import { ConfigError } from '../../common/settings/config-error';
import { VERSION } from '../../common/version';
import { loadSettings } from '../settings/load-settings';
import { backupsCommand } from './backups';
import { explainError } from './explain-error';
import { logsCommand } from './logs';
import { planCommand } from './plan';
import { restoreCommand } from './restore';
import { runCommand } from './run';
import { statusCommand } from './status';
import { syncCommand } from './sync';
import { type CliCommand, type CliContext, EXIT, NotFoundError, UsageError } from './types';

/** Every command, by name. */
export const COMMANDS: readonly CliCommand[] = [
  planCommand,
  syncCommand,
  statusCommand,
  runCommand,
  logsCommand,
  backupsCommand,
  restoreCommand,
];

/** The `backopper --help` text. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: backopper [--stack <name>] <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Settings come from the deployed stack (the SSM parameter /backopper/<stack>/settings, read with your',
    'AWS profile); BACKOPPER_* variables and flags override them. --stack (or BACKOPPER_STACK) picks',
    'another deployment than Backopper; BACKOPPER_STACK=none reads variables only.',
    '',
    'Exit status: 0 ok, 1 failed or flagged, 2 bad invocation or configuration, 3 not found (unknown app).',
    'Run `backopper <command> --help` for its options; `backopper --version` for the version.',
  ].join('\n');
}

/** Takes the global `--stack <name>` / `--stack=<name>` out of `argv` (before a `--`). */
export function takeStackOption(argv: readonly string[]): { stack: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let stack: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--') {
      rest.push(...argv.slice(index));
      break;
    }
    if (arg === '--stack') {
      stack = argv[index + 1];
      if (stack === undefined || stack.startsWith('-')) throw new UsageError('--stack needs a stack name');
      index += 1;
    } else if (arg.startsWith('--stack=')) stack = arg.slice('--stack='.length);
    else rest.push(arg);
  }
  if (stack !== undefined && stack !== 'none' && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack))
    throw new UsageError(`--stack ${JSON.stringify(stack)} is not a CloudFormation stack name`);
  return { stack, rest };
}

const wantsHelp = (args: readonly string[]) => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
};

/** Runs the CLI with `argv` (without node and script) and resolves with the exit status. */
export async function runCli(argv: readonly string[], context: Partial<CliContext> = {}): Promise<number> {
  const env = context.env ?? process.env;
  const stdout = context.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stderr = context.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const deps = context.deps ?? {};
  let parsed: { stack: string | undefined; rest: string[] };
  try {
    parsed = takeStackOption(argv);
  } catch (error) {
    stderr(`backopper: ${(error as Error).message}\nRun \`backopper --help\` for usage.`);
    return EXIT.usage;
  }
  const [name, ...args] = parsed.rest;
  if (name === '--version' || name === '-V' || name === 'version') {
    stdout(args.includes('--json') ? JSON.stringify({ version: VERSION }) : `backopper ${VERSION}`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? stderr : stdout)(helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    stderr(
      `backopper: unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(', ')})\nRun \`backopper --help\` for usage.`,
    );
    return EXIT.usage;
  }
  if (wantsHelp(args)) {
    stdout(command.usage);
    return EXIT.ok;
  }
  let note: string | undefined;
  const full: CliContext = {
    env,
    stdout,
    stderr,
    deps,
    settings:
      context.settings ??
      (async (required) => {
        const loaded = await loadSettings({ env, required, stack: parsed.stack, ssm: deps.ssm });
        note = loaded.note;
        return loaded.env;
      }),
  };
  try {
    return await command.run(args, full);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`backopper ${name}: ${error.message}\nRun \`backopper ${name} --help\` for usage.`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      stderr(`backopper ${name}: configuration error: ${error.message}${note ? `\n  ${note}` : ''}`);
      return EXIT.usage;
    }
    if (error instanceof NotFoundError) {
      stderr(`backopper ${name}: ${error.message}`);
      return EXIT.notFound;
    }
    stderr(`backopper ${name}: ${explainError(error, env)}`);
    return EXIT.failed;
  }
}
