import { describe, expect, it } from 'vitest';
import { listStoredBackups } from '../../ops/recovery/stored-backups';
import { createPagingS3 } from '../fakes/fake-s3-listing';

describe('listStoredBackups paging', () => {
  it('reads every page (the SDK paginator) and pairs each dump with its .sha256, newest first', async () => {
    const objects: Record<string, number> = {};
    for (let index = 0; index < 1200; index += 1) {
      const key = `shop/live/backup_${1_700_000_000 + index * 3600}.sql.gz`;
      objects[key] = 1000 + index;
      objects[`${key}.sha256`] = 80; // each dump's companion follows it in key order, sometimes on the next page
    }
    objects['shop/staging/backup_1700000000.sql.gz'] = 5; // another environment
    const { client, calls } = createPagingS3(objects);
    const backups = await listStoredBackups(client, 'b', 'shop', 'live');
    expect(calls.map((call) => call.Prefix)).toEqual(['shop/live/backup_', 'shop/live/backup_', 'shop/live/backup_']);
    expect(backups).toHaveLength(1200);
    expect(backups[0]).toEqual({
      key: `shop/live/backup_${1_700_000_000 + 1199 * 3600}.sql.gz`,
      timestamp: 1_700_000_000 + 1199 * 3600,
      engine: 'mysql',
      size: 2199,
      checksumKey: `shop/live/backup_${1_700_000_000 + 1199 * 3600}.sql.gz.sha256`,
    });
    expect(backups.every((backup) => backup.checksumKey === `${backup.key}.sha256`)).toBe(true);
  });
});
