/**
 * Red team (issue 22), held: two apps whose names sanitize to the same scratch prefix (`my-app`,
 * `my.app`, `MY_APP`) drilled in the same second on one server get different scratch databases, and a
 * drill never drops a database that is not a scratch database of this form.
 */
import { describe, expect, it } from 'vitest';
import { dropScratchDatabase, parseScratchDatabaseName, scratchDatabaseName } from '../../agent/drill/scratch-database';

describe('scratch database names (pure)', () => {
  it('differ for apps that sanitize alike, drilled in the same second on one server, and fit 63 characters', () => {
    const ts = 1_765_000_000;
    const names = ['my-app', 'my.app', 'MY_APP'].map((app, index) =>
      scratchDatabaseName(app, ts, { hostId: '1a2b3c4d', pid: 4_194_000 + index }),
    );
    expect(new Set(names).size).toBe(3);
    const long = scratchDatabaseName('a'.repeat(64), 99_999_999_999, { hostId: 'ffffffff', pid: 4_194_304 });
    expect(long.length).toBeLessThanOrEqual(63);
    for (const name of [...names, long]) expect(parseScratchDatabaseName(name)).toBeDefined();
  });

  it('never parses (so never drops as a leftover) a name of another form', () => {
    for (const name of [
      'wordpress',
      'bkdrill_shop',
      'BKDRILL_shop_1765000000_1a2b3c4d_12',
      'bkdrill_shop_1765000000_1A2B3C4D_12',
      'bkdrill_shop_1765000000_1a2b3c4d_12;drop',
      'xbkdrill_shop_1765000000_1a2b3c4d_12',
    ])
      expect(parseScratchDatabaseName(name)).toBeUndefined();
  });

  it('refuses to drop a database whose name is not a scratch name, before any query', async () => {
    const admin = { engine: 'mysql' as const, database: 'mysql', user: 'nobody', password: '', host: '192.0.2.1' };
    await expect(dropScratchDatabase(admin, 'wordpress')).rejects.toThrow(/refusing to drop wordpress/);
  });
});
