/**
 * Parses a `.env` file the way Laravel and Bedrock read it (PHP's vlucas/phpdotenv), never by a shell:
 * `${VAR}` expands in unquoted and double-quoted values, single quotes are literal, a bare `$` is just a
 * character, `#` starts a comment only outside quotes, `export ` prefixes are allowed.
 * dotenv's own parser drops the kind of quote before expansion can see it, so it cannot follow these rules.
 */

export class EnvFileError extends Error {
  override name = 'EnvFileError';
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', '"': '"', '\\': '\\', $: '$' };

/**
 * Parses `text` (the contents of `fileName`, named in errors). `outer` supplies values for `${VAR}`
 * that the file itself does not define (phpdotenv reads the process environment the same way).
 */
export function parseEnvFile(text: string, fileName: string, outer: Record<string, string | undefined> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  const lookup = (name: string) => values[name] ?? outer[name] ?? '';
  let pos = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new EnvFileError(`${fileName} line ${line}: ${what}`);
  };

  while (pos < text.length) {
    const end = indexOrEnd(text, '\n', pos);
    const raw = text.slice(pos, end).replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      pos = end + 1;
      line += 1;
      continue;
    }
    const eq = raw.indexOf('=');
    if (eq === -1) fail(`expected KEY=VALUE, got ${JSON.stringify(trimmed.slice(0, 40))}`);
    const key = raw.slice(0, eq).trim().replace(/^export\s+/, '');
    if (!KEY.test(key)) fail(`${JSON.stringify(key.slice(0, 40))} is not a valid variable name`);

    let valueStart = eq + 1 + pos;
    while (text[valueStart] === ' ' || text[valueStart] === '\t') valueStart += 1;
    const quote = text[valueStart];
    if (quote === '"' || quote === "'") {
      const { value, next, lines } = readQuoted(text, valueStart, quote, lookup) ?? fail(`${key} has an unterminated ${quote} quote`);
      values[key] = value;
      const rest = text.slice(next, indexOrEnd(text, '\n', next)).replace(/\r$/, '').trim();
      if (rest !== '' && !rest.startsWith('#')) fail(`${key} has text after its closing quote`);
      line += lines;
      pos = indexOrEnd(text, '\n', next) + 1;
    } else {
      const valueText = text.slice(valueStart, end).replace(/\r$/, '');
      const comment = valueText.search(/\s#/);
      values[key] = expand((comment === -1 ? valueText : valueText.slice(0, comment)).trim(), lookup);
      pos = end + 1;
    }
    line += 1;
  }
  return values;
}

function readQuoted(text: string, start: number, quote: string, lookup: (name: string) => string) {
  let value = '';
  let lines = 0;
  let literal = '';
  for (let i = start + 1; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\n') lines += 1;
    if (ch === quote) {
      value += quote === '"' ? expand(literal, lookup) : literal;
      return { value, next: i + 1, lines };
    }
    if (ch === '\\' && i + 1 < text.length) {
      const escaped = text[i + 1];
      if (quote === "'" && escaped === "'") {
        literal += "'";
        i += 1;
        continue;
      }
      if (quote === '"' && escaped in DOUBLE_QUOTE_ESCAPES) {
        // An escaped `$` must survive expansion: expand what came before, then append literally.
        value += expand(literal, lookup) + DOUBLE_QUOTE_ESCAPES[escaped];
        literal = '';
        i += 1;
        continue;
      }
    }
    literal += ch;
  }
  return undefined;
}

/** Replaces `${NAME}` (and `${NAME:-default}`) with its value; everything else is literal. */
function expand(value: string, lookup: (name: string) => string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
    const found = lookup(name);
    return found === '' && fallback !== undefined ? fallback : found;
  });
}

function indexOrEnd(text: string, search: string, from: number): number {
  const index = text.indexOf(search, from);
  return index === -1 ? text.length : index;
}
