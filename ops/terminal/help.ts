/**
 * The one help layout of every `backopper` command: usage, description, flags, examples, exit status.
 * Commands describe their help as data; the dispatcher renders it (and adds `-h, --help`). Pure.
 */
import { createPalette, type Palette } from './colour';

/** A command's help, as data. */
export interface CommandHelp {
  /** What follows `backopper <name> ` on each usage line. */
  usage: string[];
  /** One paragraph per entry, already wrapped at about 100 columns (`\n` between lines). */
  description: string[];
  /** `[flag and its value, what it does]`; a description may hold `\n` for more lines. */
  flags: [string, string][];
  /** `[command line, what it does]`. */
  examples: [string, string][];
  /** The exit statuses, one line: `0 listed, 1 ..., 2 bad invocation, 3 no such app`. */
  exit: string;
  /** Paragraphs after the flags (configuration, notes). */
  notes?: string[];
}

/** The row every command has; the dispatcher answers it before the command runs. */
export const HELP_FLAG: [string, string] = ['-h, --help', 'show this help'];

/** Renders `backopper <name> --help`. */
export function renderHelp(name: string, help: CommandHelp, palette: Palette = createPalette(false)): string {
  const heading = (text: string) => palette.bold(text);
  const lines: string[] = [];
  help.usage.forEach((usage, index) => lines.push(`${index === 0 ? 'usage: ' : '       '}backopper ${name} ${usage}`));
  for (const paragraph of help.description) lines.push('', paragraph);
  lines.push('', heading('flags:'), ...renderTable([...help.flags, HELP_FLAG]));
  for (const note of help.notes ?? []) lines.push('', note);
  if (help.examples.length > 0)
    lines.push('', heading('examples:'), ...renderTable(help.examples.map(([line, what]) => [line, `# ${what}`])));
  lines.push('', `${heading('exit status:')} ${help.exit} (docs/operator-cli.md#exit-status)`);
  return lines.join('\n');
}

/** Two columns, the second aligned, continuation lines of a cell indented under it. */
export function renderTable(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(Math.max(...rows.map(([left]) => left.length)), 34);
  const lines: string[] = [];
  for (const [left, right] of rows) {
    const [first = '', ...rest] = right.split('\n');
    if (left.length > width) lines.push(`  ${left}`, `  ${' '.repeat(width)}  ${first}`);
    else lines.push(`  ${left.padEnd(width)}  ${first}`);
    for (const line of rest) lines.push(`  ${' '.repeat(width)}  ${line}`);
  }
  return lines;
}
