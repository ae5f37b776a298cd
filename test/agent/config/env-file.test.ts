import { describe, expect, it } from 'vitest';
import { EnvFileError, parseEnv, parseEnvFile } from '../../../agent/config/env-file';

const values = (text: string, environment: Record<string, string> = {}) =>
  parseEnvFile(text, '/app/.env', environment).values;

describe('parseEnvFile reads values as phpdotenv 5.6 does', () => {
  it.each([
    ['plain values and blank lines', 'A=1\n\nB=two', { A: '1', B: 'two' }],
    [
      'spaces around =, export before names longer than 8 characters',
      'export DB_HOST = x \n  B=y',
      { DB_HOST: 'x', B: 'y' },
    ],
    ['# starts a comment anywhere in an unquoted value', '# c\nA=1 # trailing\nB=abc#def', { A: '1', B: 'abc' }],
    ['a value that is only a comment is empty', 'DB_PASSWORD= # none', { DB_PASSWORD: '' }],
    ['# inside quotes is text', 'A="a # b"\nB=\'c#d\'', { A: 'a # b', B: 'c#d' }],
    ['single quotes are literal, backslashes included', "A='${B} \\n \\'", { A: '${B} \\n \\' }],
    ['double-quote escapes', 'A="q\\"x\\\\y\\$z\\n\\t|"', { A: 'q"x\\y$z\n\t|' }],
    ['an escape letter keeps the rest of its word', 'A="\\nabc"', { A: '\nabc' }],
    ['a bare $ and $NAME are just characters', 'A=pa$$word\nB="$HOME"\nC=$', { A: 'pa$$word', B: '$HOME', C: '$' }],
    ['command substitutions are plain text', 'A=$(id)\nB="`id` $(id)"', { A: '$(id)', B: '`id` $(id)' }],
    ['empty values', 'A=\nB=""\nC=\'\'', { A: '', B: '', C: '' }],
    ['quoted names', '"A"=1\n\'B\'=2', { A: '1', B: '2' }],
    [
      'names may start with a digit and contain dots or Unicode letters',
      '1A=x\na.b=y\nÄPFEL=z',
      { '1A': 'x', 'a.b': 'y', ÄPFEL: 'z' },
    ],
    ['a later line wins', 'A=1\nA=2', { A: '2' }],
    ['a bare NAME line unsets NAME', 'A=1\nA\nB=${A}', { B: '${A}' }],
    ['a leading byte-order mark is dropped', '\uFEFFA=1', { A: '1' }],
  ])('%s', (_name, text, expected) => {
    expect(values(text)).toEqual(expected);
  });

  it.each([
    [
      '${NAME} defined earlier',
      'HOST=db\nURL=mysql://${HOST}/x\nQ="${HOST}"',
      { HOST: 'db', URL: 'mysql://db/x', Q: 'db' },
    ],
    ['${NAME} defined later stays literal', 'URL=${HOST}\nHOST=db', { URL: '${HOST}', HOST: 'db' }],
    ['${NAME} defined nowhere stays literal', 'DB_HOST=${X}', { DB_HOST: '${X}' }],
    ['there is no :- default syntax', 'DB_HOST=${DB_HOST:-127.0.0.1}', { DB_HOST: '${DB_HOST:-127.0.0.1}' }],
    ['nested references resolve the inner one first', 'X=Y\nY=v\nA="${${X}}"', { X: 'Y', Y: 'v', A: 'v' }],
    ['an escaped \\$ does not expand', 'X=1\nA="\\${X}"', { X: '1', A: '${X}' }],
    ['single quotes do not expand', "X=1\nA='${X}'", { X: '1', A: '${X}' }],
  ])('expands references: %s', (_name, text, expected) => {
    expect(values(text)).toEqual(expected);
  });

  it('reports which references stayed literal, per key, also when copied into another key', () => {
    expect(parseEnvFile('A=${X}\nB="${A}-${Y}"\nC=\'${Z}\'\nD=${A}', '.env')).toEqual({
      values: { A: '${X}', B: '${X}-${Y}', C: '${Z}', D: '${X}' },
      unresolved: { A: ['X'], B: ['Y', 'X'], D: ['X'] },
    });
  });

  it('lets the PHP process environment win over the file (immutable) and be referred to', () => {
    expect(values('DB_HOST=file\nH=${DB_HOST}\nU=${USER}', { DB_HOST: 'outer', USER: 'www' })).toEqual({
      DB_HOST: 'outer',
      H: 'outer',
      U: 'www',
      USER: 'www',
    });
  });

  it.each([
    [
      'CRLF inside a multi-line double-quoted value becomes \\n',
      'A="line1\r\nline2"\r\nB=3\r\n',
      { A: 'line1\nline2', B: '3' },
    ],
    ['a lone CR ends a line too', 'A="x\ry"\rB=3', { A: 'x\ny', B: '3' }],
    ['multi-line values keep their blank lines', 'A="1\n\n2"', { A: '1\n\n2' }],
  ])('line endings: %s', (_name, text, expected) => {
    expect(values(text)).toEqual(expected);
  });
});

describe('parseEnv reads several files as one, like Bedrock', () => {
  it('lets the later file win for keys both define, and expands with what is loaded so far', () => {
    const parsed = parseEnv([
      { name: '/app/.env', text: '\uFEFFDB_HOST=one\nDB_NAME=${DB_HOST}' },
      { name: '/app/.env.local', text: '\uFEFFDB_HOST=two\nDB_USER=${DB_HOST}\n' },
    ]);
    expect(parsed.values).toEqual({ DB_HOST: 'two', DB_NAME: 'one', DB_USER: 'two' });
  });

  it('names the file and line of a problem in the second file', () => {
    const read = () =>
      parseEnv([
        { name: '/app/.env', text: 'A=1\r\nB=2\r' },
        { name: '/app/.env.local', text: 'C=3\nD=x y\n' },
      ]);
    expect(read).toThrow(EnvFileError);
    expect(read).toThrow(/^\/app\/\.env\.local line 2: D has a space in its unquoted value/);
  });
});

describe('parseEnvFile refuses what phpdotenv refuses, naming the file and line', () => {
  it.each([
    [
      'whitespace in an unquoted value',
      'A=1\nDB_PASSWORD=abc def',
      /line 2: DB_PASSWORD has a space in its unquoted value/,
    ],
    [
      'an unknown escape in double quotes',
      'DB_PASSWORD="ab\\cd"',
      /line 1: DB_PASSWORD has a backslash that is not one of/,
    ],
    [
      'an escaped single quote in single quotes',
      "DB_PASSWORD='it\\'s'",
      /line 1: DB_PASSWORD has text after its closing quote/,
    ],
    ['text after a closing quote', 'A="x"y', /line 1: A has text after its closing quote/],
    ['a missing closing quote', "A='open", /line 1: A has no closing ' quote/],
    ['a line without =', 'A=1\nJUST TEXT', /line 2: the line has no "=" and is not a variable name either/],
    ['a line starting with =', '=x', /line 1: the line starts with "=": the variable name is missing/],
    ['a bad name', 'A-B=x', /line 1: "A-B" is not a valid variable name/],
    [
      'export before a short name (phpdotenv only strips it from longer ones)',
      'export A=1',
      /line 1: "export A" is not a valid variable name/,
    ],
    ['a bad escape on the third line of a multi-line value', 'A="1\n2\n3\\q"', /line 3: A has a backslash/],
  ])('%s', (_name, text, message) => {
    expect(() => parseEnvFile(text, '/app/.env')).toThrow(EnvFileError);
    expect(() => parseEnvFile(text, '/app/.env')).toThrow(
      new RegExp(`^/app/\\.env ${message.source}.*phpdotenv refuses the file, so the app would not boot either$`),
    );
  });

  it('accepts a single-quoted value ending in a backslash', () => {
    expect(values("DB_PASSWORD='abc\\'")).toEqual({ DB_PASSWORD: 'abc\\' });
  });

  it('never puts the value in the message', () => {
    expect(() => parseEnvFile('DB_PASSWORD=s3cr3t pass', '/app/.env')).toThrow(/^(?!.*s3cr3t)/s);
    expect(() => parseEnvFile('DB_PASSWORD="s3cr3t\\q"', '/app/.env')).toThrow(/^(?!.*s3cr3t)/s);
  });
});

describe('parseEnvFile refuses where phpdotenv silently skips lines', () => {
  it.each([
    [
      'a double-quoted value never closed (phpdotenv drops it and every line after)',
      'A=1\nDB_PASSWORD="abc\nDB_HOST=db\n',
      'line 2: a double-quoted value starts here and is never closed',
      '2, 3',
    ],
    [
      'a comment with =" reading the next lines as comment',
      '# DB_PASSWORD="old\nDB_PASSWORD=new\nDB_HOST="h"\n',
      'line 1: a comment here contains =" without a closing quote',
      '2, 3',
    ],
    [
      'a trailing comment with =" doing the same',
      'A=x #="y\nB=2\nC="3"\n',
      'line 1: a comment here contains =" without a closing quote',
      '2, 3',
    ],
  ])('%s', (_name, text, where, lines) => {
    expect(() => parseEnvFile(text, '/app/.env')).toThrow(
      `/app/.env ${where}, so phpdotenv silently ignores line(s) ${lines} and the app does not get what they set`,
    );
  });

  it('accepts such a comment when it only swallows comments and blank lines', () => {
    expect(values('# A="x\n\n# more "\nB=1')).toEqual({ B: '1' });
  });
});

describe('parseEnv names lines silently skipped across files', () => {
  it('names the second file for lines swallowed there', () => {
    const read = () =>
      parseEnv([
        { name: '/app/.env', text: 'A=1\n# B="x' },
        { name: '/app/.env.local', text: 'DB_HOST=db\n' },
      ]);
    expect(read).toThrow(
      '/app/.env line 2: a comment here contains =" without a closing quote, so phpdotenv silently ignores line(s) /app/.env.local 1 and',
    );
  });
});
