import { describe, expect, it } from 'vitest';
import { parseAppList } from '../../common/app-list';
import { InvalidValueError } from '../../common/app-spec';

const entry = (fields: Record<string, unknown>) => ({
  name: 'shop',
  frequency: 'daily',
  db_engine: 'mysql',
  project_type: 'wordpress',
  ...fields,
});

describe('parseAppList', () => {
  it.each([
    [
      'the seed example',
      [
        entry({ name: 'project_1' }),
        entry({ name: 'project_2', frequency: 'weekly', db_engine: 'postgres', project_type: 'laravel' }),
      ],
      [
        { name: 'project_1', frequency: 'daily', engine: 'mysql', projectType: 'wordpress' },
        { name: 'project_2', frequency: 'weekly', engine: 'postgres', projectType: 'laravel' },
      ],
    ],
    [
      'any case and spacing of frequency',
      [entry({ frequency: ' HOURLY ' })],
      [{ name: 'shop', frequency: 'hourly', engine: 'mysql', projectType: 'wordpress' }],
    ],
    [
      'mariadb is mysql',
      [entry({ db_engine: 'MariaDB' })],
      [{ name: 'shop', frequency: 'daily', engine: 'mysql', projectType: 'wordpress' }],
    ],
    [
      'postgresql and pgsql are postgres',
      [entry({ name: 'a', db_engine: 'postgresql' }), entry({ name: 'b', db_engine: 'pgsql' })],
      [
        { name: 'a', frequency: 'daily', engine: 'postgres', projectType: 'wordpress' },
        { name: 'b', frequency: 'daily', engine: 'postgres', projectType: 'wordpress' },
      ],
    ],
    [
      'absent engine means media only',
      [{ name: 'static', frequency: 'monthly', project_type: 'other' }],
      [{ name: 'static', frequency: 'monthly', engine: 'none', projectType: 'other' }],
    ],
    [
      'unknown extra fields are ignored',
      [entry({ colour: 'blue', id: 7 })],
      [{ name: 'shop', frequency: 'daily', engine: 'mysql', projectType: 'wordpress' }],
    ],
  ])('accepts %s', (_, raw, apps) => {
    const parsed = parseAppList(raw);
    expect(parsed.apps).toEqual(apps);
    expect(parsed.skipped).toEqual([]);
  });

  it.each(['none', 'Disabled'])('treats frequency %s as "no schedule", not as an error', (frequency) => {
    expect(parseAppList([entry({ frequency })])).toEqual({ apps: [], disabled: ['shop'], skipped: [], total: 1 });
  });

  it.each([
    [entry({ name: '../x' }), 'invalid-name', undefined, 'entry 0: app name "../x" is not a folder name'],
    [entry({ name: '' }), 'invalid-name', undefined, 'entry 0: app name "" is not a folder name'],
    [
      entry({ name: '-rf' }),
      'invalid-name',
      undefined,
      'entry 0: app name "-rf" is not a folder name (letters, digits, . _ -, not starting with "." or "-"',
    ],
    [entry({ name: '--help' }), 'invalid-name', undefined, 'entry 0: app name "--help" is not a folder name'],
    [entry({ name: 'x'.repeat(65) }), 'invalid-name', undefined, 'at most 64 characters'],
    [
      entry({ frequency: 'biweekly' }),
      'invalid-entry',
      'shop',
      'app "shop": frequency "biweekly" is not one of hourly, daily, weekly, monthly, none, disabled',
    ],
    [entry({ frequency: undefined }), 'invalid-entry', 'shop', 'app "shop": frequency nothing is not one of'],
    [entry({ db_engine: 'sqlite' }), 'invalid-entry', 'shop', 'app "shop": db engine "sqlite" is not one of'],
    [entry({ project_type: undefined }), 'invalid-entry', 'shop', 'app "shop": project type nothing is not valid'],
    [[1, 2], 'invalid-name', undefined, 'entry 0 is not an object (got array)'],
  ])('skips %j with a reason', (raw, kind, app, reason) => {
    const parsed = parseAppList([raw, entry({ name: 'fine' })]);
    expect(parsed.apps.map((a) => a.name)).toEqual(['fine']);
    expect(parsed.skipped).toHaveLength(1);
    expect(parsed.skipped[0]).toMatchObject({ index: 0, kind });
    expect(parsed.skipped[0]?.app).toBe(app);
    expect(parsed.skipped[0]?.reason).toContain(reason);
  });

  it('keeps the first of duplicate names, even when the first is the invalid one', () => {
    const parsed = parseAppList([
      entry({ frequency: 'often' }),
      entry({}),
      entry({ name: 'b' }),
      entry({ name: 'b', db_engine: 'postgres' }),
    ]);
    expect(parsed.apps).toEqual([{ name: 'b', frequency: 'daily', engine: 'mysql', projectType: 'wordpress' }]);
    expect(parsed.skipped.map((s) => [s.kind, s.index])).toEqual([
      ['invalid-entry', 0],
      ['duplicate', 1],
      ['duplicate', 3],
    ]);
  });

  it.each([
    [{}, 'object'],
    [null, 'null'],
    ['[]', 'string'],
    [42, 'number'],
  ])('refuses a whole list that is %j', (raw, type) => {
    expect(() => parseAppList(raw)).toThrow(InvalidValueError);
    expect(() => parseAppList(raw)).toThrow(`app list is not a JSON array (got ${type})`);
  });
});
