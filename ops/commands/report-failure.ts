/**
 * How a command's failure is told: which exit status, and one line that names the fix, never an error
 * class name. `--json` runs also get the line as `{"error": ..., "exitStatus": n}` on stdout. Pure,
 * apart from {@link reportFailure}, which writes.
 */
import { ConfigError } from '../../common/settings/config-error';
import { explainError } from './explain-error';
import { type CliContext, EXIT, NotFoundError, UsageError } from './types';

/** What to print for a failure, and the status to exit with. */
export interface Failure {
  status: number;
  /** The line after `backopper <command>: `. */
  message: string;
  /** A second line: where to read more. */
  pointer?: string;
}

/** Classifies `error` (thrown by command `name`). `note`: where the settings were looked for, if known. */
export function describeFailure(input: {
  error: unknown;
  command: string | undefined;
  env: Record<string, string | undefined>;
  note?: string;
}): Failure {
  const { error, command } = input;
  const help = `Run \`backopper${command ? ` ${command}` : ''} --help\` for usage.`;
  if (error instanceof UsageError) return { status: EXIT.usage, message: error.message, pointer: help };
  if (error instanceof ConfigError)
    return {
      status: EXIT.usage,
      message: `configuration error: ${error.message}`,
      pointer: input.note ? `  ${input.note}` : undefined,
    };
  if (error instanceof NotFoundError) return { status: EXIT.notFound, message: error.message };
  return { status: EXIT.failed, message: explainError(error, input.env) };
}

/** Writes the failure: the line (and pointer) on stderr; with `json`, the JSON error on stdout too. */
export function reportFailure(input: {
  failure: Failure;
  command: string | undefined;
  context: Pick<CliContext, 'stdout' | 'stderr' | 'terminal'>;
  /** The run asked for JSON and nothing has been printed on stdout yet. */
  json: boolean;
}): number {
  const { failure, command, context } = input;
  const prefix = `backopper${command ? ` ${command}` : ''}:`;
  const styled = context.terminal?.stderr.palette.red(prefix) ?? prefix;
  context.stderr(`${styled} ${failure.message}${failure.pointer ? `\n${failure.pointer}` : ''}`);
  if (input.json) context.stdout(JSON.stringify({ error: failure.message, exitStatus: failure.status }));
  return failure.status;
}
