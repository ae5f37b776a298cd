/**
 * Reads `.env` text exactly as PHP's vlucas/phpdotenv 5.6 loads it into an immutable repository (what
 * Laravel and Bedrock do), never through a shell: same values for every key, and a refusal (file and
 * line) wherever phpdotenv throws, or silently skips lines that would otherwise set something.
 *
 * In short: `#` starts a comment anywhere outside quotes (`a#b` is `a`); an unquoted value cannot
 * contain whitespace; single quotes are literal; double quotes know `\" \\ \$ \n \r \t \f \v` and no
 * other escape; `${NAME}` (no `:-default` syntax) expands in unquoted and double-quoted values from
 * what is already loaded, innermost first, and stays literally `${NAME}` when NAME is unknown;
 * a bare `NAME` line unsets NAME; several files are joined with `\n` and read as one text, so a
 * later file wins for keys both define. Pure: text in, values or an {@link EnvFileError} out.
 */
import { type EnvEntry, parseEntry, type RawValue } from './env-entry';
import { chunkLines, type IgnoredLines, meaningfulLines, type PhpdotenvVersion, splitLines } from './env-lines';

export type { PhpdotenvVersion } from './env-lines';

/** One file's contents; `name` is used in errors. */
export interface EnvSource {
  name: string;
  text: string;
}

/** What the app sees after loading, and which `${NAME}` references are still literal in each value. */
export interface ParsedEnv {
  values: Record<string, string>;
  /** Per key, the names of references that were defined nowhere and are still `${NAME}` in its value. */
  unresolved: Record<string, string[]>;
}

/** {@link ParsedEnv} plus the lines phpdotenv reads past without using (see {@link parseEnv}). */
export interface PhpdotenvLoad extends ParsedEnv {
  ignored: Array<{ file: string; line: number; lines: string; why: IgnoredLines['why'] }>;
}

export interface ParseEnvOptions {
  /**
   * Variables the PHP process already has. They win over the files (the repository is immutable) and
   * `${NAME}` may refer to them. @default {} (the agent cannot see the PHP runtime's environment)
   */
  environment?: Record<string, string | undefined>;
  /** @default '5.6' (Laravel 11/12 require ^5.6). '5.4' mirrors Debian's package, for the differential test. */
  version?: PhpdotenvVersion;
}

export class EnvFileError extends Error {
  override name = 'EnvFileError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Loads `sources` in order as phpdotenv does. Throws {@link EnvFileError} where phpdotenv throws; lines
 * it would silently skip are returned in `ignored`, not refused (that is {@link parseEnv}'s job).
 */
export function loadLikePhpdotenv(sources: EnvSource[], options: ParseEnvOptions = {}): PhpdotenvLoad {
  const version = options.version ?? '5.6';
  // phpdotenv strips one byte-order mark per file, then joins the files with "\n".
  const texts = sources.map((source) => source.text.replace(/^\uFEFF/, ''));
  const lines = splitLines(texts.join('\n'));
  const where = lineLocator(
    texts,
    sources.map((source) => source.name),
  );
  const { chunks, ignored } = chunkLines(lines, version);

  const entries: EnvEntry[] = [];
  for (const chunk of chunks) {
    const parsed = parseEntry(chunk.text, version);
    if ('problem' in parsed) {
      const at = where(chunk.first + countNewlines(chunk.text.slice(0, parsed.at)));
      throw new EnvFileError(
        `${at.file} line ${at.line}: ${parsed.problem}; phpdotenv refuses the file, so the app would not boot either`,
        at.file,
        at.line,
      );
    }
    entries.push(parsed);
    if (parsed.value?.commentAt !== undefined) {
      const commentLine = chunk.first + countNewlines(chunk.text.slice(0, parsed.value.commentAt));
      const swallowed = meaningfulLines(lines, commentLine + 1, chunk.last);
      if (swallowed.length > 0) ignored.push({ start: commentLine, lines: swallowed, why: 'comment' });
    }
  }

  const named = (skip: IgnoredLines) => {
    const start = where(skip.start);
    const lines = skip.lines
      .map((index) => where(index))
      .map((at) => (at.file === start.file ? String(at.line) : `${at.file} ${at.line}`));
    return { ...start, lines: lines.join(', '), why: skip.why };
  };
  return {
    ...loadEntries(entries, options.environment ?? {}),
    ignored: ignored.sort((a, b) => a.start - b.start).map(named),
  };
}

/**
 * Reads `sources` like {@link loadLikePhpdotenv} but refuses what phpdotenv would silently skip: a
 * quote never closed (phpdotenv drops every line after it) or a comment whose `="` makes phpdotenv read
 * the following lines as part of it. Guessing what the author meant could point at another database.
 */
export function parseEnv(sources: EnvSource[], options: ParseEnvOptions = {}): ParsedEnv {
  const { values, unresolved, ignored } = loadLikePhpdotenv(sources, options);
  const skip = ignored[0];
  if (skip) {
    const cause =
      skip.why === 'never-closed'
        ? 'a double-quoted value starts here and is never closed'
        : 'a comment here contains =" without a closing quote';
    throw new EnvFileError(
      `${skip.file} line ${skip.line}: ${cause}, so phpdotenv silently ignores line(s) ${skip.lines} and the app does not get what they set; refusing rather than guessing (close or remove the quote)`,
      skip.file,
      skip.line,
    );
  }
  return { values, unresolved };
}

/** One file: {@link parseEnv} of `[{ name: fileName, text }]`. */
export function parseEnvFile(
  text: string,
  fileName: string,
  environment: Record<string, string | undefined> = {},
): ParsedEnv {
  return parseEnv([{ name: fileName, text }], { environment });
}

/** phpdotenv's Loader and Resolver over an immutable repository that starts as `environment`. */
function loadEntries(entries: EnvEntry[], environment: Record<string, string | undefined>): ParsedEnv {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(environment)) if (value !== undefined) values.set(name, value);
  const external = new Set(values.keys());
  const unresolved = new Map<string, Set<string>>();

  for (const { name, value } of entries) {
    if (external.has(name)) continue;
    if (value === undefined) {
      values.delete(name);
      unresolved.delete(name);
      continue;
    }
    const resolved = resolveReferences(value, values, unresolved);
    values.set(name, resolved.text);
    unresolved.set(name, resolved.unresolved);
  }

  const left: Record<string, string[]> = {};
  for (const [name, names] of unresolved) if (names.size > 0 && values.has(name)) left[name] = [...names];
  return { values: Object.fromEntries(values), unresolved: left };
}

/** Expands `${NAME}` at each recorded `$`, last first, so `${${X}}` resolves the inner one first. */
function resolveReferences(value: RawValue, values: Map<string, string>, unresolved: Map<string, Set<string>>) {
  let text = value.chars;
  const missing = new Set<string>();
  for (const at of [...value.references].sort((a, b) => b - a)) {
    const match = /^\$\{([a-zA-Z0-9_.]+)\}/.exec(text.slice(at));
    if (!match) continue;
    const found = values.get(match[1]);
    if (found === undefined) {
      missing.add(match[1]);
      continue;
    }
    for (const name of unresolved.get(match[1]) ?? []) missing.add(name);
    text = text.slice(0, at) + found + text.slice(at + match[0].length);
  }
  return { text, unresolved: missing };
}

function countNewlines(text: string): number {
  let count = 0;
  for (const char of text) if (char === '\n') count += 1;
  return count;
}

/** Maps a line index of the joined text back to its file and 1-based line there. */
function lineLocator(texts: string[], names: string[]): (index: number) => { file: string; line: number } {
  const owners: Array<{ file: string; line: number }> = [];
  texts.forEach((text, i) => {
    const count = splitLines(text).length;
    // A file ending in a lone "\r" and the joining "\n" make one line break, not two.
    const own = i < texts.length - 1 && text.endsWith('\r') ? count - 1 : count;
    for (let line = 1; line <= own; line += 1) owners.push({ file: names[i], line });
  });
  return (index) => owners[index] ?? { file: names.at(-1) ?? '.env', line: index + 1 };
}
