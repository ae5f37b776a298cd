/**
 * phpdotenv's first pass (Parser + Lines): split the text into lines at `\r\n`, `\n` or a lone `\r`,
 * glue a double-quoted value that spans lines back together with `\n`, and drop blank and `#` lines.
 * Pure; each chunk remembers which physical lines it came from so errors can name them.
 */

/** Which phpdotenv release to mirror. The agent reads as 5.6; 5.4 is Debian's package, the test's oracle. */
export type PhpdotenvVersion = '5.6' | '5.4';

/** One raw entry (`KEY=value`, possibly several physical lines joined with `\n`). */
export interface EnvChunk {
  text: string;
  /** Index of its first and last physical line. */
  first: number;
  last: number;
}

/** Physical lines phpdotenv reads past without an error and without using them. */
export interface IgnoredLines {
  /** The line that starts the swallowing (an unclosed quote or a comment). */
  start: number;
  /** The non-blank, non-comment lines it swallows. */
  lines: number[];
  why: 'never-closed' | 'comment';
}

/** The same split as `preg_split("/(\r\n|\n|\r)/", ...)`. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/** PHP's default trim set (phpdotenv 5.6.4 spells it out): space, \t, \n, \r, NUL, \v. */
export function trimPhp(text: string, chars = ' \t\n\r\0\v'): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text[start])) start += 1;
  while (end > start && chars.includes(text[end - 1])) end -= 1;
  return text.slice(start, end);
}

/** Blank, or a comment once trimmed. */
export function isCommentOrBlank(line: string): boolean {
  const trimmed = trimPhp(line);
  return trimmed === '' || trimmed.startsWith('#');
}

/** Groups `lines` into chunks the way phpdotenv's Lines::process does, and lists what it silently skips. */
export function chunkLines(
  lines: string[],
  version: PhpdotenvVersion,
): { chunks: EnvChunk[]; ignored: IgnoredLines[] } {
  const chunks: EnvChunk[] = [];
  const ignored: IgnoredLines[] = [];
  let multiline = false;
  let buffer: string[] = [];
  let bufferStart = 0;

  lines.forEach((line, index) => {
    // 5.4 re-tested every line inside a multi-line value for a start; 5.5+ only tests outside one.
    const starts = version === '5.4' || !multiline ? looksLikeMultilineStart(line) : false;
    if (starts && !multiline) bufferStart = index;
    if (starts) multiline = true;
    let text = line;
    let first = index;
    if (multiline) {
      buffer.push(line);
      if (!looksLikeMultilineStop(line, starts)) return;
      multiline = false;
      text = buffer.join('\n');
      first = bufferStart;
      buffer = [];
    }
    if (!isCommentOrBlank(text)) {
      chunks.push({ text, first, last: index });
      return;
    }
    const swallowed = meaningfulLines(lines, first + 1, index);
    if (swallowed.length > 0) ignored.push({ start: first, lines: swallowed, why: 'comment' });
  });

  if (multiline) {
    const swallowed = meaningfulLines(lines, bufferStart, lines.length - 1);
    if (swallowed.length > 0)
      ignored.push({
        start: bufferStart,
        lines: swallowed,
        why: isCommentOrBlank(lines[bufferStart]) ? 'comment' : 'never-closed',
      });
  }
  return { chunks, ignored };
}

/** Indexes in [from, to] of lines that would mean something on their own. */
export function meaningfulLines(lines: string[], from: number, to: number): number[] {
  const found: number[] = [];
  for (let i = from; i <= to; i += 1) if (!isCommentOrBlank(lines[i])) found.push(i);
  return found;
}

function looksLikeMultilineStart(line: string): boolean {
  return line.includes('="') && !looksLikeMultilineStop(line, true);
}

/** Counts quotes not preceded by a backslash, after removing `\\` pairs (phpdotenv's own heuristic). */
function looksLikeMultilineStop(line: string, started: boolean): boolean {
  if (line === '"') return true;
  const text = line.split('\\\\').join('');
  let quotes = 0;
  for (let i = 0; i + 1 < text.length; i += 1) if (text[i] !== '\\' && text[i + 1] === '"') quotes += 1;
  return started ? quotes > 1 : quotes >= 1;
}
