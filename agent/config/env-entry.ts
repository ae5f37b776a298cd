/**
 * phpdotenv's EntryParser: one raw entry to a name and a value. The value goes through the same token
 * stream and state machine as phpdotenv's, so quotes, escapes, comments and whitespace mean exactly
 * what they mean to the app. Pure.
 */
import { type PhpdotenvVersion, trimPhp } from './env-lines';

/** A value before `${NAME}` expansion: its characters and where each expandable `$` sits. */
export interface RawValue {
  chars: string;
  /** Offsets in `chars` of `$` signs that may start a `${NAME}` reference. */
  references: number[];
  /** Offset in the entry text where a `#` comment starts, if the value ends in one. */
  commentAt?: number;
}

/** A parsed entry; `value` undefined means a bare `NAME` line, which unsets NAME. */
export interface EnvEntry {
  name: string;
  value?: RawValue;
}

/** Why phpdotenv refuses an entry; `at` is an offset in the entry text. */
export interface EntryProblem {
  problem: string;
  at: number;
}

const enum State {
  Initial,
  Unquoted,
  SingleQuoted,
  DoubleQuoted,
  Escape,
  AfterQuote,
  AfterSpace,
  Comment,
}

// The same alternatives as phpdotenv's Lexer. PCRE's \s without /u is ASCII only, unlike JavaScript's.
const TOKEN = /[\r\n]{1,1000}|[ \t\v\f]{1,1000}|\\|'|"|#|\$|[^ \t\n\v\f\r\\'"#$]{1,1000}/y;
const SPACE = /^[ \t\n\v\f\r]+$/;
const NAME_56 = /^[\p{Ll}\p{Lu}\p{M}\p{N}_.]+$/u;
const NAME_54 = /^[A-Za-z0-9_.]+$/;
const CONTROL: Record<string, string> = { f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Parses one chunk; returns the entry or the reason phpdotenv throws. */
export function parseEntry(text: string, version: PhpdotenvVersion): EnvEntry | EntryProblem {
  const eq = text.indexOf('=');
  if (eq === -1)
    return parseName(text, version) ?? { problem: 'the line has no "=" and is not a variable name either', at: 0 };
  const name = trimPhp(text.slice(0, eq));
  if (name === '') return { problem: 'the line starts with "=": the variable name is missing', at: 0 };
  const parsedName = parseName(name, version);
  if (!parsedName)
    return {
      problem: `${JSON.stringify(name.slice(0, 60))} is not a valid variable name (letters, digits, _ and .)`,
      at: 0,
    };

  const afterEq = text.slice(eq + 1);
  const value = trimPhp(afterEq);
  const valueAt = eq + 1 + afterEq.indexOf(value);
  if (value === '') return { name: parsedName.name, value: { chars: '', references: [] } };
  const parsed = parseValue(value, valueAt);
  return 'problem' in parsed
    ? { problem: `${parsedName.name} ${parsed.problem}`, at: parsed.at }
    : { name: parsedName.name, value: parsed };
}

function parseName(raw: string, version: PhpdotenvVersion): { name: string } | undefined {
  let name = raw;
  const chars = Array.from(name);
  if (chars.length > 8 && name.startsWith('export') && SPACE.test(chars[6])) {
    // 5.6.4 strips these after `export`; earlier releases used PHP's default ltrim set.
    name = trimStart(chars.slice(6).join(''), version === '5.4' ? ' \t\n\r\0\v' : ' \t\n\r\v\f');
  }
  const length = Array.from(name).length;
  if (length >= 3 && (name[0] === '"' || name[0] === "'") && name.at(-1) === name[0]) name = name.slice(1, -1);
  return (version === '5.4' ? NAME_54 : NAME_56).test(name) ? { name } : undefined;
}

function trimStart(text: string, chars: string): string {
  let start = 0;
  while (start < text.length && chars.includes(text[start])) start += 1;
  return text.slice(start);
}

/** Runs phpdotenv's value transducer over `value` (which starts at `offset` in the entry). */
function parseValue(value: string, offset: number): RawValue | EntryProblem {
  let state = State.Initial;
  let chars = '';
  const references: number[] = [];
  let commentAt: number | undefined;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(value); match !== null; match = TOKEN.exec(value)) {
    const token = match[0];
    const at = offset + match.index;
    const step = nextState(state, token);
    if ('problem' in step) return { problem: step.problem, at };
    if (step.reference) references.push(chars.length);
    chars += step.chars;
    if (step.state === State.Comment && state !== State.Comment) commentAt = at;
    state = step.state;
  }
  if (state === State.SingleQuoted || state === State.DoubleQuoted || state === State.Escape) {
    return { problem: `has no closing ${state === State.SingleQuoted ? "'" : '"'} quote`, at: offset };
  }
  return commentAt === undefined ? { chars, references } : { chars, references, commentAt };
}

type Step = { chars: string; reference?: true; state: State } | { problem: string };

function nextState(state: State, token: string): Step {
  switch (state) {
    case State.Initial:
    case State.Unquoted:
      if (state === State.Initial && token === "'") return { chars: '', state: State.SingleQuoted };
      if (state === State.Initial && token === '"') return { chars: '', state: State.DoubleQuoted };
      if (token === '#') return { chars: '', state: State.Comment };
      if (state === State.Unquoted && SPACE.test(token)) return { chars: '', state: State.AfterSpace };
      if (token === '$') return { chars: token, reference: true, state: State.Unquoted };
      return { chars: token, state: State.Unquoted };
    case State.SingleQuoted:
      return token === "'" ? { chars: '', state: State.AfterQuote } : { chars: token, state: State.SingleQuoted };
    case State.DoubleQuoted:
      if (token === '"') return { chars: '', state: State.AfterQuote };
      if (token === '\\') return { chars: '', state: State.Escape };
      if (token === '$') return { chars: token, reference: true, state: State.DoubleQuoted };
      return { chars: token, state: State.DoubleQuoted };
    case State.Escape:
      if (token === '"' || token === '\\' || token === '$') return { chars: token, state: State.DoubleQuoted };
      if (Object.hasOwn(CONTROL, token[0]))
        return { chars: CONTROL[token[0]] + token.slice(1), state: State.DoubleQuoted };
      return {
        problem:
          'has a backslash that is not one of \\" \\\\ \\$ \\n \\r \\t \\f \\v inside double quotes (write \\\\ for a backslash, or use single quotes)',
      };
    case State.AfterQuote:
    case State.AfterSpace:
      if (token === '#') return { chars: '', state: State.Comment };
      if (SPACE.test(token)) return { chars: '', state };
      return {
        problem:
          state === State.AfterQuote
            ? "has text after its closing quote (only spaces and a # comment may follow; single quotes cannot be escaped inside '...')"
            : 'has a space in its unquoted value (quote the whole value)',
      };
    case State.Comment:
      return { chars: '', state: State.Comment };
  }
}
