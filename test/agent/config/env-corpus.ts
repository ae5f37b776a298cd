/**
 * A deterministic corpus of `.env` files for the differential test against the real phpdotenv:
 * adversarial passwords, comments, quotes, escapes, references defined before/after/never, multi-line
 * values, CRLF and lone CR, `export`, byte-order marks, Bedrock's `.env` + `.env.local` pairs, an outer
 * environment, and random character-level mutations of all of it. Same seed, same corpus.
 */

export interface CorpusCase {
  id: string;
  /** In load order: `.env`, then `.env.local` for Bedrock pairs. */
  files: Array<{ name: string; text: string }>;
  /** What the PHP process already has (immutable: it wins over the files). */
  environment: Record<string, string>;
}

/** mulberry32: a small, well-known seeded generator. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'DB_HOST',
  'DB_PORT',
  'DB_DATABASE',
  'DB_USERNAME',
  'DB_PASSWORD',
  'DB_NAME',
  'DB_USER',
  'DATABASE_URL',
  'APP_ENV',
  'WP_HOME',
  'A',
  'B',
  'X',
  'Y',
  'a.b',
  '_u',
  '1N',
  'HOME',
];
const EXOTIC_NAMES = [
  'ÄPFEL',
  'DB_PASSWÖRD',
  'ß_KEY',
  'Ω',
  'NAME²',
  'é',
  '名前',
  'A-B',
  'A B',
  '"Q"',
  "'Q'",
  '"',
  'export',
  'exportX',
  '',
];
const UNDEFINED = ['NOPE', 'UNSET_1', 'Q.R'];
const SPECIALS = [
  '"',
  "'",
  '$',
  '#',
  '\\',
  ' ',
  '\t',
  '=',
  '{',
  '}',
  '(',
  ')',
  '`',
  '!',
  '@',
  '%',
  '&',
  '*',
  ';',
  ':',
  ',',
  '<',
  '>',
  '/',
  '?',
  '|',
  '~',
  '[',
  ']',
  '^',
  '+',
];
const UNICODE = ['ü', 'ß', '€', '😀', 'ñ', '\u00a0', '\u2028', '\ufeff', 'Ω', '\u0301'];
const CONTROLS = ['\f', '\v', '\0', '\r', '\n'];
const ALPHANUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';

/** The issue's own examples and each class once, by hand, ahead of the generated cases. */
const FIXED: Array<[string, string?, Record<string, string>?]> = [
  ['DB_PASSWORD=abc#def\n'],
  ['DB_PASSWORD= # none\n'],
  ['DB_HOST=${X}\n'],
  ['DB_HOST=${DB_HOST:-127.0.0.1}\n'],
  ['X=Y\nY=v\nA="${${X}}"\nB="${${NOPE}}"\n'],
  ['A="line1\r\nline2"\r\nB=2\r\n'],
  ['A="line1\rline2"\rB=2'],
  ['DB_PASSWORD=abc def\n'],
  ['DB_PASSWORD="ab\\cd"\n'],
  ["DB_PASSWORD='it\\'s'\n"],
  ["DB_PASSWORD='abc\\'\n"],
  ['DB_HOST=one\nDB_NAME=${DB_HOST}\n', 'DB_HOST=two\nDB_USER=${DB_HOST}\n'],
  ['A="starts in .env\n', 'ends in .env.local"\nB=2\n'],
  ['\ufeffA=1\n', '\ufeffB=2\n'],
  ['\ufeff\ufeffA=1\n'],
  ['export DB_HOST=h\nexport  DB_NAME=n\nexport A=1\n'],
  ['DB_PASSWORD=x\nDB_PASSWORD\nB=${DB_PASSWORD}\n'],
  ['DB_HOST=file\nH=${DB_HOST}\n', undefined, { DB_HOST: 'outer-host' }],
  ['# DB_PASSWORD="old\nDB_PASSWORD=new\nDB_HOST="h"\n'],
  ['A=x #="y\nB=2\nC="3"\n'],
  ['A="never closed\nB=2\n'],
  ['A="p\\$HOME \\" \\\\ \\n"\nB=\'${A} \\n\'\nC=$A${A}\n'],
  ['\'Q\'=1\n"R"=2\n\'S"=3\n'],
];

/** Builds the fixed cases and then `count` generated ones from `seed`. */
export function generateCorpus(seed: number, count: number): CorpusCase[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const chance = (p: number) => rnd() < p;

  const char = (): string => {
    const roll = rnd();
    if (roll < 0.55) return ALPHANUM[Math.floor(rnd() * ALPHANUM.length)];
    if (roll < 0.88) return pick(SPECIALS);
    if (roll < 0.97 || !chance(hostile)) return pick(UNICODE);
    return pick(CONTROLS);
  };
  const password = () => Array.from({ length: 1 + Math.floor(rnd() * 20) }, char).join('');
  const name = () => (chance(hostile / 2) ? pick(EXOTIC_NAMES) : pick(NAMES));
  // The first six are well-formed (defined before, after, never; nested; :- default; $X; unclosed).
  const references: Array<() => string> = [
    () => `\${${pick(NAMES)}}`,
    () => `\${${pick(UNDEFINED)}}`,
    () => `\${\${${pick(NAMES)}}}`,
    () => `\${${pick(NAMES)}:-127.0.0.1}`,
    () => `$${pick(NAMES)}`,
    () => `\${${pick(NAMES)}`,
    () => '${}',
    () => `\\\${${pick(NAMES)}}`,
    () => `\${${pick(EXOTIC_NAMES)}}`,
  ];
  const reference = () => pick(chance(hostile) ? references : references.slice(0, 6))();
  const escape = () =>
    pick(['\\n', '\\t', '\\r', '\\f', '\\v', '\\"', '\\\\', '\\$', '\\x', '\\u00e9', "\\'", '\\ ', '\\#', '\\nabc']);
  const piece = () => (chance(0.25) ? reference() : chance(0.15) ? escape() : password());
  const content = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, piece).join('');
  const escapedForDoubleQuotes = (text: string) =>
    text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$');

  // Each case is either mostly well-formed (so values get compared) or hostile (so refusals do).
  let hostile = 0.1;
  const either = <T>(safe: () => T, rough: () => T): T => (chance(hostile) ? rough() : safe());
  const validEscape = () => pick(['\\n', '\\t', '\\r', '\\f', '\\v', '\\"', '\\\\', '\\$', '\\nabc']);
  const doubleQuoted = () =>
    Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
      chance(0.3) ? reference() : chance(0.2) ? validEscape() : escapedForDoubleQuotes(password()),
    ).join('');
  const bare = () =>
    Array.from({ length: 1 + Math.floor(rnd() * 2) }, () =>
      chance(0.3) ? reference() : password().replace(/[ \t\f\v\r\n#"'\\\0]/g, ''),
    ).join('');

  const value = (): string =>
    either(
      () =>
        pick([
          () => `"${doubleQuoted()}"`,
          () => `"${doubleQuoted()}"`,
          () => `'${password().replace(/'/g, '')}'`,
          () => bare(),
          () => bare(),
          () => '',
          () => pick(['# none', 'null', '""', "''", 'a=b', '"="', '"#"', "'#'", '"a\\nb"']),
        ])(),
      () =>
        pick([
          () => content(),
          () => `'${content()}'`,
          () => `"${content()}"`,
          () => password(),
          () => pick(['"a"b', "'a'b", '"a" "b"', '"=', '="x', '"""', "'it\\'s'", "'abc\\'", '"ab\\cd"', 'abc def']),
        ])(),
    );
  const space = () =>
    either(
      () => pick(['', '', '', ' ', '  ', '\t']),
      () => pick(['\f', '\v', '\0', ' \t', '\u00a0']),
    );
  const suffix = () =>
    either(
      () => pick(['', '', '', ' # comment', '#c', ' #', '\t# tab', '  ']),
      () => pick([' #="x', ' # "q" ="', ' x', ' "', " '"]),
    );
  const exportPrefix = () =>
    either(
      () => pick(['', '', '', '', 'export ', 'export  ', 'export\t']),
      () => pick(['export\f', 'export \0', 'export\v', 'export']),
    );

  // `export A=1` is an invalid name to phpdotenv (it strips export only from names longer than 8).
  const assignment = () => {
    const key = name();
    const prefix = key.length >= 3 ? exportPrefix() : either(() => '', exportPrefix);
    return `${space()}${prefix}${key}${space()}=${space()}${value()}${suffix()}`;
  };
  const multiline = () => {
    const inner = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
      either(
        () => (chance(0.2) ? `${name()}=${doubleQuoted()}` : doubleQuoted()),
        () => `${name()}=${value()}`,
      ),
    ).join('\n');
    const close = either(
      () => pick(['"', '"', '" # done']),
      () => pick(['', '"x', '\\"', '\\\\"', '="']),
    );
    return `${name()}="${doubleQuoted()}\n${inner}${close}`;
  };
  const line = (): string =>
    pick([
      assignment,
      assignment,
      assignment,
      assignment,
      assignment,
      multiline,
      () =>
        `#${either(
          () => pick([' comment', ' x="y" z', '', ' DB_PASSWORD="old" ']),
          () => pick([' A="x', ' DB_PASSWORD="old', '=']),
        )}`,
      () => pick(['', '   ', '\t']),
      () => either(() => pick(NAMES), name),
      () =>
        either(assignment, () =>
          pick(['=x', 'just text', 'A B=1', ' =', '==', 'A==B', '"', 'A="', "A='", 'A="x" y', '\\', '#="']),
        ),
    ])();

  const lineEnding = () => pick(['\n', '\n', '\n', '\r\n', '\r\n', '\r']);
  const file = (): string => {
    const ending = lineEnding();
    const mixed = chance(0.1);
    const lines = Array.from({ length: 1 + Math.floor(rnd() * 7) }, line);
    let text = lines
      .map((l, i) => (i === 0 ? '' : mixed ? lineEnding() : ending) + l.replace(/\n/g, mixed ? lineEnding() : ending))
      .join('');
    if (chance(0.6)) text += ending;
    if (chance(0.08)) text = `\ufeff${text}`;
    if (chance(0.01)) text = `\ufeff\ufeff${text}`;
    return chance(hostile) ? mutate(text) : text;
  };
  const mutate = (text: string): string => {
    const chars = Array.from(text);
    for (let n = 1 + Math.floor(rnd() * 3); n > 0; n -= 1) {
      const at = Math.floor(rnd() * (chars.length + 1));
      if (chance(0.6)) chars.splice(at, 0, pick([...SPECIALS, '\n', '\r\n', '#', '"', '=', ...UNICODE]));
      else chars.splice(at, 1);
    }
    return chars.join('');
  };

  const cases: CorpusCase[] = FIXED.map(([env, local, environment], i) => ({
    id: `fixed-${i}`,
    files: [{ name: '.env', text: env }, ...(local === undefined ? [] : [{ name: '.env.local', text: local }])],
    environment: environment ?? {},
  }));
  for (let i = 0; i < count; i += 1) {
    hostile = chance(0.35) ? 0.5 : 0.02;
    const bedrock = chance(0.25);
    const files = [{ name: '.env', text: file() }];
    if (bedrock) files.push({ name: '.env.local', text: file() });
    const environment: Record<string, string> = chance(0.15)
      ? { DB_HOST: 'outer-host', HOME: '/home/app', X: 'outer-x' }
      : {};
    cases.push({ id: `case-${i}`, files, environment });
  }
  return cases;
}
