import { describe, expect, it } from 'vitest';
import { parseCsv, parseMysqlBatch } from '../../../agent/process/client-output';

describe('parseMysqlBatch: mysql --batch output with its escaping undone', () => {
  it.each([
    ['plain fields', 'wp_posts\t42\n', [['wp_posts', '42']]],
    ['a table name with a newline', 'a\\nb\t2\n', [['a\nb', '2']]],
    ['a tab, a NUL and a backslash', 'x\\ty\\0z\\\\w\t1\n', [['x\ty\0z\\w', '1']]],
    ['an escaped backslash before an n (not a newline)', 'C:\\\\new\n', [['C:\\new']]],
    ['a carriage return, which mysql does not escape', 'a\rb\n', [['a\rb']]],
    [
      'several rows, no trailing newline',
      'a\t1\nb\t2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['no rows', '', []],
  ])('reads %s', (_title, stdout, rows) => {
    expect(parseMysqlBatch(stdout)).toEqual(rows);
  });
});

describe('parseCsv: psql --csv output', () => {
  it.each([
    ['plain fields', 'public.users,42\n', [['public.users', '42']]],
    ['a quoted name with a newline and a comma', '"public.""a\nb,c""",3\n', [['public."a\nb,c"', '3']]],
    ['empty and NULL fields', 'a,,\n', [['a', '', '']]],
    ['a quoted empty field', '"",1\n', [['', '1']]],
    [
      'CRLF rows',
      'a,1\r\nb,2\r\n',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    [
      'a last row without a newline',
      'a,1\nb,2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['no rows', '', []],
  ])('reads %s', (_title, stdout, rows) => {
    expect(parseCsv(stdout)).toEqual(rows);
  });

  it('refuses output cut off inside a quoted field', () => {
    expect(() => parseCsv('"abc')).toThrow(/ends inside a quoted field/);
  });
});
