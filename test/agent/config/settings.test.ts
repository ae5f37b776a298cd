/** The agent's settings table is the one the README documents: every setting, its flag and its variable. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type SettingSpec } from '../../../agent/config/settings';

describe('the agent settings table', () => {
  it('is documented row by row in the README configuration table, flag beside variable', () => {
    const readme = readFileSync('README.md', 'utf8');
    const missing = (Object.values(SETTINGS) as SettingSpec[])
      .map((spec) => `| \`${spec.variable}\` | \`--${spec.flag}\` |`)
      .filter((row) => !readme.includes(row));
    expect(missing).toEqual([]);
  });

  it('gives every setting its own flag and variable', () => {
    const specs = Object.values(SETTINGS) as SettingSpec[];
    expect(new Set(specs.map((spec) => spec.flag)).size).toBe(specs.length);
    expect(new Set(specs.map((spec) => spec.variable)).size).toBe(specs.length);
  });
});
