/**
 * Turns what node:util `parseArgs` rejects into a line that names the fix, in our words: an unknown
 * flag gets the closest known one (or the list), a missing value says which flag needs what, a switch
 * given a value says it takes none. Pure.
 */
import { didYouMean } from '../terminal/suggest';

/** The options given to parseArgs (only names, types and short letters are read). */
export type OptionShapes = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Flags every command answers (the dispatcher handles them before parsing). */
const GLOBAL_FLAGS = ['--help', '--no-color'];

/** The line for a parseArgs error; other errors keep their message. */
export function translateParseError(error: unknown, options: OptionShapes): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = longest(quoted);
  const known = Object.keys(options).map((name) => `--${name}`);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const hint = didYouMean(flag, [...known, ...GLOBAL_FLAGS]);
      return hint
        ? `unknown flag ${flag}${hint}`
        : `unknown flag ${flag}; this command takes ${[...known.sort(), ...GLOBAL_FLAGS].join(', ')}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(message)) return `${flag} is a switch and takes no value`;
      if (/ambiguous/.test(message))
        return `${flag} needs a value, and the next argument is a flag (write ${flag}=<value> for a value that starts with -)`;
      return `${flag} needs a value (${flag} <value>)`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted)}: this command takes only flags`;
    default:
      return message;
  }
}

// `-e, --environment <value>` → `--environment`; `-x` → `-x`.
function longest(quoted: string): string {
  const flags = quoted.match(/--?[A-Za-z0-9][\w-]*/g) ?? [];
  return flags.find((candidate) => candidate.startsWith('--')) ?? flags[0] ?? quoted;
}
