/**
 * Colour on a terminal only. Whether a stream gets escapes is decided once, here: `--no-color` wins,
 * then `FORCE_COLOR` (0/false: off, anything else: on; Node's own rule, which puts it above NO_COLOR),
 * then `NO_COLOR` (set and not empty: off), then whether the stream is a terminal (and TERM is not
 * `dumb`). Pure; the escapes are written by hand because util.styleText checks streams differently on
 * Node 20 and 22.
 */

/** What decides colour for one stream. */
export interface ColourInput {
  env: Record<string, string | undefined>;
  /** The stream is a terminal. */
  isTTY: boolean;
  /** `--no-color` was given. */
  noColorFlag?: boolean;
}

/** Whether to colour a stream. */
export function shouldColour(input: ColourInput): boolean {
  if (input.noColorFlag) return false;
  const force = input.env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (input.env.NO_COLOR) return false;
  return input.isTTY && input.env.TERM !== 'dumb';
}

/** The styles the CLI uses; each returns its text unchanged when colour is off. */
export interface Palette {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

/** A palette that colours, or one that leaves text alone. */
export function createPalette(enabled: boolean): Palette {
  if (!enabled) {
    const plain = (text: string) => text;
    return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
  }
  return { enabled, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) };
}

/** Text without colour escapes (for measuring widths and for tests). */
export function stripColour(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[\d+m/g, '');
}
