/**
 * The ops CLI dispatcher: `backopper [--stack <name>] [--no-color] <command> [options]`. Add a command by
 * writing one file that exports a {@link CliCommand} and listing it in {@link COMMANDS}. Handled here,
 * once for every command: `--help`/`-h` (the one help layout, exit 0, reads nothing), "did you mean"
 * for a mistyped command, colour only on a terminal, and every failure as one line that names the fix
 * (with `--json`, also as `{"error": ...}` on stdout) and its exit status (report-failure.ts).
 */
import { VERSION } from '../../common/version';
import { loadSettings } from '../settings/load-settings';
import { createPalette, type Palette, shouldColour } from '../terminal/colour';
import { renderHelp, renderTable } from '../terminal/help';
import { didYouMean } from '../terminal/suggest';
import { backupsCommand } from './backups';
import { logsCommand } from './logs';
import { planCommand } from './plan';
import { describeFailure, reportFailure } from './report-failure';
import { restoreCommand } from './restore';
import { runCommand } from './run';
import { statusCommand } from './status';
import { syncCommand } from './sync';
import { type CliCommand, type CliContext, EXIT, type TerminalStream, UsageError } from './types';

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
export function helpText(palette: Palette = createPalette(false)): string {
  return [
    'usage: backopper [--stack <name>] [--no-color] <command> [flags]',
    '',
    palette.bold('commands:'),
    ...renderTable(COMMANDS.map((command) => [command.name, command.summary])),
    '',
    palette.bold('flags (before or after the command):'),
    ...renderTable([
      [
        '--stack <name>',
        'read the settings of this deployment (default Backopper, or BACKOPPER_STACK;\n`none`: variables only)',
      ],
      ['--no-color', 'no colour (also NO_COLOR=1; FORCE_COLOR=1 forces it; never when piped)'],
      ['-h, --help', "show this help; `backopper <command> --help` shows the command's"],
      ['-V, --version', 'print the version'],
    ]),
    '',
    'Settings come from the deployed stack (the SSM parameter /backopper/<stack>/settings, read with your',
    'AWS profile); BACKOPPER_* variables and flags override them.',
    '',
    `${palette.bold('exit status:')} 0 ok, 1 failed, flagged or nothing to act on, 2 bad invocation or configuration,`,
    '3 no such app (docs/operator-cli.md#exit-status).',
  ].join('\n');
}

/** Takes the global `--stack <name>` / `--stack=<name>` and `--no-color` out of `argv` (before a `--`). */
export function takeStackOption(argv: readonly string[]): {
  stack: string | undefined;
  noColor: boolean;
  rest: string[];
} {
  const rest: string[] = [];
  let stack: string | undefined;
  let noColor = false;
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
    else if (arg === '--no-color' || arg === '--no-colour') noColor = true;
    else rest.push(arg);
  }
  if (stack !== undefined && stack !== 'none' && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack))
    throw new UsageError(`--stack ${JSON.stringify(stack)} is not a CloudFormation stack name`);
  return { stack, noColor, rest };
}

const beforeDashes = (args: readonly string[]) => {
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
};

/** Runs the CLI with `argv` (without node and script) and resolves with the exit status. */
export async function runCli(argv: readonly string[], context: Partial<CliContext> = {}): Promise<number> {
  const env = context.env ?? process.env;
  const json = beforeDashes(argv).includes('--json');
  let printed = false;
  const write = context.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stdout = (line: string) => {
    printed = true;
    write(line);
  };
  const stderr = context.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fail = (error: unknown, command: string | undefined, terminal?: CliContext['terminal'], note?: string) => {
    if (env.BACKOPPER_DEBUG && error instanceof Error && error.stack) stderr(error.stack);
    const failure = describeFailure({ error, command, env, note });
    return reportFailure({ failure, command, context: { stdout, stderr, terminal }, json: json && !printed });
  };
  let parsed: ReturnType<typeof takeStackOption>;
  try {
    parsed = takeStackOption(argv);
  } catch (error) {
    return fail(error, undefined);
  }
  const terminal =
    context.terminal ??
    (context.stdout ? plainTerminal(env, parsed.noColor, stderr) : processTerminal(env, parsed.noColor));
  const [name, ...args] = parsed.rest;
  if (name === '--version' || name === '-V' || name === 'version') {
    stdout(args.includes('--json') ? JSON.stringify({ version: VERSION }) : `backopper ${VERSION}`);
    return EXIT.ok;
  }
  const topic = name === 'help' ? COMMANDS.find((candidate) => candidate.name === args[0]) : undefined;
  if (topic) {
    stdout(renderHelp(topic.name, topic.help, terminal.stdout.palette));
    return EXIT.ok;
  }
  if (name === 'help' && args[0] !== undefined)
    return fail(new UsageError(unknownCommand(args[0], [])), undefined, terminal);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) stderr(helpText(terminal.stderr.palette));
    else stdout(helpText(terminal.stdout.palette));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) return fail(new UsageError(unknownCommand(name, args)), undefined, terminal);
  if (beforeDashes(args).some((arg) => arg === '--help' || arg === '-h')) {
    stdout(renderHelp(command.name, command.help, terminal.stdout.palette));
    return EXIT.ok;
  }
  let note: string | undefined;
  const full: CliContext = {
    env,
    stdout,
    stderr,
    deps: context.deps ?? {},
    terminal,
    settings:
      context.settings ??
      (async (required) => {
        const loaded = await loadSettings({ env, required, stack: parsed.stack, ssm: context.deps?.ssm });
        note = loaded.note;
        return loaded.env;
      }),
  };
  try {
    return await command.run(args, full);
  } catch (error) {
    return fail(error, name, terminal, note);
  }
}

function unknownCommand(name: string, args: readonly string[]): string {
  const names = COMMANDS.map((command) => command.name);
  if (name.startsWith('-')) {
    const found = args.find((arg) => names.includes(arg));
    const flags = [name, ...args.slice(0, found ? args.indexOf(found) : 0)].join(' ');
    return found
      ? `${flags} before the command: give the command first (backopper ${found} ${flags})`
      : `${name} is not a command (commands: ${names.join(', ')})`;
  }
  const hint = didYouMean(name, names);
  return `unknown command ${JSON.stringify(name)}${hint || ` (commands: ${names.join(', ')})`}`;
}

// Lines handed in (tests, embedding): no terminal to redraw on; colour only when forced.
function plainTerminal(env: Record<string, string | undefined>, noColorFlag: boolean, write: (text: string) => void) {
  const stream: TerminalStream = {
    isTTY: false,
    palette: createPalette(shouldColour({ env, isTTY: false, noColorFlag })),
    write,
  };
  return { stdout: stream, stderr: stream };
}

// The real streams: colour decided per stream, so `backopper status | less` gets none on stdout.
function processTerminal(env: Record<string, string | undefined>, noColorFlag: boolean) {
  const stream = (target: NodeJS.WriteStream): TerminalStream => {
    const isTTY = target.isTTY === true;
    return {
      isTTY,
      palette: createPalette(shouldColour({ env, isTTY, noColorFlag })),
      write: (text) => target.write(text),
      columns: target.columns,
    };
  };
  return { stdout: stream(process.stdout), stderr: stream(process.stderr) };
}
