/**
 * The agent's flag parser. Unlike `util.parseArgs`, which stops at the first problem, it reads the
 * whole command line and returns every problem at once (an unknown flag with the closest known one, a
 * flag without its value, a value for a switch, a stray argument), so one run shows all that is wrong.
 */

/** The flags a command knows: `string` takes a value, `boolean` is a switch. */
export type FlagTypes = Record<string, 'string' | 'boolean'>;

/** What the command line says: the values given and every problem found. Pure. */
export interface ParsedFlags {
  values: Record<string, string | boolean>;
  problems: string[];
}

/** Reads `--name value`, `--name=value` and `--switch`; a flag repeated with another value is a problem. Pure. */
export function parseFlags(argv: readonly string[], types: FlagTypes): ParsedFlags {
  const values: Record<string, string | boolean> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      problems.push(`unexpected argument ${JSON.stringify(arg)} (every input is a --flag)`);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    const type = Object.hasOwn(types, name) ? types[name] : undefined;
    const next = argv[i + 1];
    const nextIsValue = next !== undefined && !next.startsWith('--');
    if (type === undefined) {
      const near = closestFlag(name, Object.keys(types));
      problems.push(`unknown flag --${name}${near ? ` (did you mean --${near}?)` : ''}`);
      if (inline === undefined && nextIsValue) i++; // its value, not a stray argument of its own
    } else if (type === 'boolean') {
      if (inline !== undefined)
        problems.push(`--${name} is a switch and takes no value (got ${JSON.stringify(inline)})`);
      else values[name] = true;
    } else if (inline === undefined && !nextIsValue) {
      // `--report-secret --s3cr3t`: the next argument is not a flag this command knows, so it is probably
      // the value (a secret, perhaps): it is consumed, never echoed, and the fix is named.
      const strayValue = next !== undefined && next !== '--' && !isKnownFlag(next, types);
      problems.push(
        strayValue
          ? `--${name} needs a value: the next argument starts with -- and is not a flag (write --${name}=VALUE for a value that starts with --)`
          : `--${name} needs a value`,
      );
      if (strayValue) i++;
    } else {
      const value = inline ?? next!;
      if (inline === undefined) i++;
      // Two different values: which one was meant? (Values are not echoed: one may be a secret.)
      if (values[name] !== undefined && values[name] !== value)
        problems.push(`--${name} is given twice, with different values`);
      values[name] = value;
    }
  }
  return { values, problems };
}

function isKnownFlag(arg: string, types: FlagTypes): boolean {
  const equals = arg.indexOf('=');
  return Object.hasOwn(types, arg.slice(2, equals === -1 ? undefined : equals));
}

/** The known flag (or command) nearest to a mistyped one (edit distance at most 2, or a prefix), if any. Pure. */
export function closestFlag(name: string, known: readonly string[]): string | undefined {
  let best: { flag: string; distance: number } | undefined;
  for (const flag of known) {
    const distance = flag.startsWith(name) && name.length >= 3 ? 1 : editDistance(name, flag);
    if (distance <= 2 && (!best || distance < best.distance)) best = { flag, distance };
  }
  return best?.flag;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
