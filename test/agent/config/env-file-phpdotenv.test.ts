import { beforeAll, describe, expect, it } from 'vitest';
import {
  EnvFileError,
  type EnvSource,
  loadLikePhpdotenv,
  type ParseEnvOptions,
  parseEnv,
} from '../../../agent/config/env-file';
import { type PhpdotenvResult, phpdotenvPackageVersion, runPhpdotenv } from '../../services/phpdotenv';
import { type CorpusCase, generateCorpus } from './env-corpus';

type Outcome = { values: Record<string, string> } | { refused: string };

function ours(files: EnvSource[], options: ParseEnvOptions, strict: boolean): Outcome {
  try {
    return { values: strict ? parseEnv(files, options).values : loadLikePhpdotenv(files, options).values };
  } catch (error) {
    if (error instanceof EnvFileError) return { refused: error.message };
    throw error;
  }
}

const same = (a: Outcome, b: PhpdotenvResult) =>
  'refused' in a
    ? 'error' in b
    : 'values' in b && JSON.stringify(sorted(a.values)) === JSON.stringify(sorted(b.values));
const sorted = (values: Record<string, string>) =>
  Object.entries(values).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
const show = (c: CorpusCase, a: Outcome, b: PhpdotenvResult) =>
  JSON.stringify({ id: c.id, files: c.files, environment: c.environment, ours: a, phpdotenv: b });

/**
 * Where phpdotenv 5.6 (what Laravel 11/12 and a current Bedrock install) and Debian's 5.4 differ. The
 * agent follows 5.6; the oracle shows 5.4's side. Read from phpdotenv's git history (v5.4.1..v5.6.4).
 */
const VERSION_DIFFERENCES: Array<{ text: string; v56: Outcome | 'refused'; v54: Outcome | 'refused'; why: string }> = [
  {
    text: 'ÄPFEL=1\n',
    v56: { values: { ÄPFEL: '1' } },
    v54: 'refused',
    why: '5.5 allows Unicode letters, marks and numbers in names (#546)',
  },
  {
    text: 'DB_PASSWÖRD=x\nDB_PASSWORD=y\n',
    v56: { values: { DB_PASSWÖRD: 'x', DB_PASSWORD: 'y' } },
    v54: 'refused',
    why: 'same: a typo with a Unicode letter is a name of its own in 5.6',
  },
  {
    text: 'MULTI="foo\nbar="\nAFTER=x\nQ="y"\n',
    v56: { values: { MULTI: 'foo\nbar=', AFTER: 'x', Q: 'y' } },
    v54: 'refused',
    why: '5.5 fixed a line ending in =" inside a multi-line value being taken as a new start (#545)',
  },
  {
    text: 'export\f\fAB=1\n',
    v56: { values: { AB: '1' } },
    v54: 'refused',
    why: "5.6.4 strips \\f (not NUL) after export; PHP's default ltrim set strips NUL, not \\f",
  },
  {
    text: 'export \0AB=1\n',
    v56: 'refused',
    v54: { values: { AB: '1' } },
    why: 'same change, the other way: NUL after export is kept, so the name is invalid',
  },
];

describe('the .env parser agrees with the real phpdotenv', () => {
  const corpus = generateCorpus(20240611, 900);
  let results: PhpdotenvResult[];
  let tableResults: PhpdotenvResult[];

  beforeAll(async () => {
    [results, tableResults] = await Promise.all([
      runPhpdotenv(corpus),
      runPhpdotenv(VERSION_DIFFERENCES.map((row) => ({ files: [{ name: '.env', text: row.text }], environment: {} }))),
    ]);
  }, 120_000);

  it('runs against Debian php-vlucas-phpdotenv 5.4', async () => {
    expect(await phpdotenvPackageVersion()).toMatch(/^5\.4\./);
  });

  it('gives every key the same value, and refuses exactly where phpdotenv throws, on the whole corpus', () => {
    const sources = (c: CorpusCase) => c.files.map((file) => ({ name: `${c.id}/${file.name}`, text: file.text }));
    const differences = corpus.flatMap((c, i) => {
      const outcome = ours(sources(c), { environment: c.environment, version: '5.4' }, false);
      return same(outcome, results[i]) ? [] : [show(c, outcome, results[i])];
    });
    const refused = results.filter((r) => 'error' in r).length;
    console.info(
      `phpdotenv corpus: ${corpus.length} cases (${refused} refused by phpdotenv), ${differences.length} differences`,
    );
    expect(refused).toBeGreaterThan(corpus.length / 5);
    expect(corpus.length - refused).toBeGreaterThan(corpus.length / 3);
    expect(differences.slice(0, 5)).toEqual([]);
  });

  it('covers every class of input, in files phpdotenv accepts as well as ones it refuses', () => {
    const accepted = corpus.filter((_c, i) => 'values' in results[i]);
    const values = results.flatMap((r) => ('values' in r ? Object.values(r.values) : []));
    const texts = (cases: CorpusCase[]) => cases.flatMap((c) => c.files.map((file) => file.text));
    const count = (cases: CorpusCase[], test: (text: string) => boolean) => texts(cases).filter(test).length;
    const unresolved = accepted.filter(
      (c) =>
        Object.keys(loadLikePhpdotenv(c.files, { environment: c.environment, version: '5.4' }).unresolved).length > 0,
    );
    const classes = {
      'CRLF files': count(accepted, (t) => t.includes('\r\n')),
      'lone CR files': count(accepted, (t) => /\r(?!\n)/.test(t)),
      'byte-order marks': count(accepted, (t) => t.startsWith('\ufeff')),
      'export prefixes': count(accepted, (t) => /export[ \t]/.test(t)),
      '${NAME} references': count(accepted, (t) => t.includes('${')),
      'comments after values': count(accepted, (t) => /[^\n]=[^\n]*#/.test(t)),
      '.env + .env.local pairs': accepted.filter((c) => c.files.length === 2).length,
      'an outer environment': accepted.filter((c) => Object.keys(c.environment).length > 0).length,
      'unresolved references': unresolved.length,
      'multi-line values': values.filter((v) => v.includes('\n')).length,
      ...Object.fromEntries(
        ['"', "'", '$', '#', '\\', ' ', '\t'].map((ch) => [
          `values with ${JSON.stringify(ch)}`,
          values.filter((v) => v.includes(ch)).length,
        ]),
      ),
      'values with non-ASCII': values.filter((v) => /[^\p{ASCII}]/u.test(v)).length,
    };
    console.info(`phpdotenv corpus classes (accepted files): ${JSON.stringify(classes)}`);
    for (const [what, n] of Object.entries(classes)) expect(n, what).toBeGreaterThanOrEqual(5);
  });

  it('reports as unresolved only references still literally in the value', () => {
    const wrong = corpus.flatMap((c) => {
      try {
        const { values, unresolved } = loadLikePhpdotenv(c.files, { environment: c.environment, version: '5.4' });
        return Object.entries(unresolved).flatMap(([key, names]) =>
          names.filter((name) => !values[key].includes(`\${${name}}`)).map((name) => `${c.id} ${key} ${name}`),
        );
      } catch {
        return [];
      }
    });
    expect(wrong).toEqual([]);
  });

  it('refuses beyond phpdotenv only where phpdotenv silently skips lines, and otherwise reads the same values', () => {
    let stricter = 0;
    const wrong = corpus.flatMap((c, i) => {
      const options = { environment: c.environment, version: '5.4' as const };
      const files = c.files.map((file) => ({ name: `${c.id}/${file.name}`, text: file.text }));
      const strict = ours(files, options, true);
      if (same(strict, results[i])) return [];
      stricter += 1;
      const load = loadLikePhpdotenv(files, options);
      return 'refused' in strict && /phpdotenv silently ignores line/.test(strict.refused) && load.ignored.length > 0
        ? []
        : [show(c, strict, results[i])];
    });
    console.info(`phpdotenv corpus: ${stricter} cases refused because phpdotenv would silently skip lines`);
    expect(stricter).toBeGreaterThan(0);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('differs from 5.4 in 5.6 mode only through the known changes', () => {
    const known = (c: CorpusCase) =>
      c.files.some(
        ({ text }) =>
          /[^\p{ASCII}]/u.test(text) ||
          /export[ \t\f\v]*[\f\0]/.test(text) ||
          /\n[^\n]*="/.test(text.replace(/\r\n?/g, '\n')),
      );
    const unexplained = corpus.filter((c) => {
      const files = c.files.map((file) => ({ name: file.name, text: file.text }));
      const v54 = ours(files, { environment: c.environment, version: '5.4' }, false);
      const v56 = ours(files, { environment: c.environment }, false);
      return JSON.stringify(v54) !== JSON.stringify(v56) && !known(c);
    });
    expect(unexplained.map((c) => c.id)).toEqual([]);
  });

  it.each(VERSION_DIFFERENCES.map((row, index) => ({ ...row, index })))(
    'follows 5.6 where 5.4 differs: $why',
    ({ text, v56, v54, index }) => {
      const files = [{ name: '.env', text }];
      const expectOutcome = (outcome: Outcome, expected: Outcome | 'refused') =>
        expected === 'refused' ? expect(outcome).toHaveProperty('refused') : expect(outcome).toEqual(expected);
      expectOutcome(ours(files, {}, true), v56);
      expectOutcome(ours(files, { version: '5.4' }, true), v54);
      const oracle = tableResults[index];
      expectOutcome('error' in oracle ? { refused: oracle.error } : oracle, v54);
    },
  );
});
