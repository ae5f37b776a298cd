import { describe, expect, it } from 'vitest';
import { decodeEnvBytes, locateInvalidUtf8 } from '../../../agent/config/env-bytes';
import { EnvFileError } from '../../../agent/config/env-file';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('decodeEnvBytes: a .env must be UTF-8', () => {
  it.each([
    ['plain ASCII', utf8('DB_PASSWORD=secret\n')],
    ['UTF-8 accents and emoji', utf8('DB_PASSWORD="café 🔑"\n')],
    ['a literal U+FFFD the file really holds', utf8('DB_PASSWORD=a\uFFFDb\n')],
    ['a byte order mark, kept for the parser', utf8('\uFEFFDB_NAME=wp\n')],
    ['CRLF line ends', utf8('DB_NAME=wp\r\nDB_PASSWORD=é\r\n')],
  ])('returns %s unchanged', (_title, bytes) => {
    expect(decodeEnvBytes(bytes, '/apps/a/.env')).toBe(bytes.toString('utf8'));
  });

  it.each([
    [
      'a Windows-1252 é in a password on line 3',
      latin1('DB_NAME=wp\nDB_USER=wp\nDB_PASSWORD=caf\xe9\n'),
      3,
      16,
      'DB_PASSWORD',
    ],
    [
      'a Windows-1252 euro sign (0x80) after valid UTF-8 on the same line',
      Buffer.concat([utf8('X="ü '), Buffer.from([0x80]), utf8('"\n')]),
      1,
      7,
      'X',
    ],
    [
      'a multi-byte sequence cut off at the end of the file',
      Buffer.concat([utf8('A=1\nexport B=x'), Buffer.from([0xe2, 0x82])]),
      2,
      11,
      'B',
    ],
    ['a bad byte in a comment line', latin1('A=1\n# d\xe9j\xe0 vu\n'), 2, 4, undefined],
    ['an overlong encoding of "/"', Buffer.concat([utf8('P='), Buffer.from([0xc0, 0xaf])]), 1, 3, 'P'],
  ])('refuses %s, naming the file, line, column and key', (_title, bytes, line, column, key) => {
    expect(locateInvalidUtf8(bytes)).toEqual({ line, column, ...(key ? { key } : {}) });
    let error: unknown;
    try {
      decodeEnvBytes(bytes, '/apps/a/.env');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvFileError);
    expect(error).toMatchObject({ file: '/apps/a/.env', line });
    expect((error as Error).message).toBe(
      `/apps/a/.env line ${line}${key ? ` (${key})` : ''}: byte ${column} is not valid UTF-8 (the file is in another encoding, such as Windows-1252): save it as UTF-8`,
    );
  });

  it('never shows the bad bytes or the rest of the value in its message', () => {
    expect(() => decodeEnvBytes(latin1('DB_PASSWORD=s3cr\xe9t-value\n'), '.env')).toThrow(
      /^(?!.*(s3cr|value|\uFFFD)).*$/,
    );
  });
});
