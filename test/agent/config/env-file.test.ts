import { describe, expect, it } from 'vitest';
import { EnvFileError, parseEnvFile } from '../../../agent/config/env-file';

describe('parseEnvFile follows phpdotenv', () => {
  it.each([
    ['plain values', 'A=1\nB=two', { A: '1', B: 'two' }],
    ['spaces around = and export prefix', 'export A = x \n  B=y', { A: 'x', B: 'y' }],
    ['comments and blank lines', '# c\n\nA=1 # trailing\nB=a#b', { A: '1', B: 'a#b' }],
    ['${VAR} in unquoted values', 'HOST=db\nURL=mysql://${HOST}/x', { HOST: 'db', URL: 'mysql://db/x' }],
    ['${VAR} in double quotes', 'U=me\nA="${U}@x # not a comment"', { U: 'me', A: 'me@x # not a comment' }],
    ['single quotes are literal', "U=me\nA='${U} \\n #x'", { U: 'me', A: '${U} \\n #x' }],
    ['a bare $ is just a character', 'A=pa$$word\nB="$HOME"\nC=$', { A: 'pa$$word', B: '$HOME', C: '$' }],
    ['escapes in double quotes', 'A="q\\"x\\\\y\\$z\\n"', { A: 'q"x\\y$z\n' }],
    ['escaped \\${ stays literal', 'X=1\nA="\\${X}"', { X: '1', A: '${X}' }],
    ['multi-line double-quoted values', 'A="line1\nline2"\nB=3', { A: 'line1\nline2', B: '3' }],
    ['undefined variables expand to empty, defaults apply', 'A=${NOPE}x\nB=${NOPE:-dflt}', { A: 'x', B: 'dflt' }],
    ['later keys override earlier ones', 'A=1\nA=2', { A: '2' }],
    ['CRLF line endings', 'A=1\r\nB="2"\r\n', { A: '1', B: '2' }],
    ['empty values', 'A=\nB=""\nC=\'\'', { A: '', B: '', C: '' }],
  ])('%s', (_name, text, expected) => {
    expect(parseEnvFile(text, '.env')).toEqual(expected);
  });

  it('expands from the outer environment when the file does not define the name', () => {
    expect(parseEnvFile('A=${HOME}/x', '.env', { HOME: '/root' })).toEqual({ A: '/root/x' });
  });

  it.each([
    ['an unterminated quote', 'A="open\nB=1', /\/app\/.env line 1: A has an unterminated " quote/],
    ['a line without =', 'A=1\nJUST TEXT', /\/app\/.env line 2: expected KEY=VALUE/],
    ['a bad key', '1A=x', /\/app\/.env line 1: "1A" is not a valid variable name/],
    ['text after a closing quote', 'A="x" y', /A has text after its closing quote/],
  ])('rejects %s, naming the file and line', (_name, text, message) => {
    expect(() => parseEnvFile(text, '/app/.env')).toThrow(EnvFileError);
    expect(() => parseEnvFile(text, '/app/.env')).toThrow(message);
  });

  it('never executes anything: command substitutions are plain text', () => {
    expect(parseEnvFile('A=$(touch /tmp/pwned)\nB=`id`', '.env')).toEqual({ A: '$(touch /tmp/pwned)', B: '`id`' });
  });
});
