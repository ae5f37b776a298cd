import { describe, expect, it } from 'vitest';
import { plainPgTableName } from '../../agent';
import { tablesNotIn } from '../../ops/recovery/import-plan';

describe('table names across listTables and the dump manifest', () => {
  it.each([
    ['public.users', 'public.users'],
    ['public."MixedCase"', 'public.MixedCase'],
    ['public."dot.ted"', 'public.dot.ted'],
    ['public."odd name"', 'public.odd name'],
    ['"My Schema"."a""b"', 'My Schema.a"b'],
    ['"we.ird"."x"', 'we.ird.x'],
  ])('reads the quoted PostgreSQL name %s as %s', (quoted, plain) => {
    expect(plainPgTableName(quoted)).toBe(plain);
  });

  it('never takes a PostgreSQL table the dump has for one to drop, however listTables quoted it', () => {
    const existing = ['public."MixedCase"', 'public."dot.ted"', 'public.plugin_extra', 'public.users'];
    const dump = ['public.MixedCase', 'public.dot.ted', 'public.users'];
    expect(tablesNotIn('postgres', existing, dump)).toEqual(['public.plugin_extra']);
  });

  it('compares MySQL names as they are (a " is part of the name there)', () => {
    expect(tablesNotIn('mysql', ['wp_posts', 'a"b', 'wp_extra'], ['wp_posts', 'a"b'])).toEqual(['wp_extra']);
  });
});
