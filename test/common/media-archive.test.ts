import { describe, expect, it } from 'vitest';
import { formatMediaArchiveName, MEDIA_ARCHIVE_FILE, parseMediaArchiveName } from '../../common/media-archive';
import { RESTORE_MEDIA_PARAMETER_PATTERNS } from '../../common/names';

describe('media archive names: whose, when, from which server', () => {
  // App names allow letters, digits and . _ -; environments letters, digits, _ and -: `+` is in neither.
  it.each([
    ['shop', 'live', 1795909152, '3abda07c'],
    ['my.shop_2-b', 'live_2', 1795909152, '00000000'],
    ['_x', 'acc-1', 100000000, 'ffffffff'],
    ['media_1795909152_3abda07c', 'live', 1795909152, '3abda07c'],
    ['a'.repeat(64), 'E'.repeat(32), 99999999999, 'abcdef12'],
  ])('formats and reads back app %s, environment %s', (app, environment, timestamp, hostId) => {
    const name = formatMediaArchiveName({ app, environment, timestamp, hostId });
    expect(parseMediaArchiveName(name)).toEqual({ app, environment, timestamp, hostId });
    expect(new RegExp(`^${MEDIA_ARCHIVE_FILE}$`).test(name)).toBe(true);
  });

  it.each([
    ['media_1795909152_3abda07c.tar.gz', { timestamp: 1795909152, hostId: '3abda07c' }],
    ['media_1795909152.tar.gz', { timestamp: 1795909152 }],
  ])('reads the names of earlier versions, which do not say whose they are: %s', (name, expected) => {
    expect(parseMediaArchiveName(name)).toEqual(expected);
  });

  it.each([
    'shop+live+media_1795909152.tar.gz',
    'shop+live+media_1795909152_3abda07c.tar.gz.part',
    '.shop+live+media_1795909152_3abda07c.tar.gz.part',
    'shop+live.x+media_1795909152_3abda07c.tar.gz',
    '-shop+live+media_1795909152_3abda07c.tar.gz',
    'shop+live+extra+media_1795909152_3abda07c.tar.gz',
    'shop++media_1795909152_3abda07c.tar.gz',
    'media_17959_3abda07c.tar.gz',
    'notes.txt',
  ])('is not one of ours: %s', (name) => {
    expect(parseMediaArchiveName(name)).toBeUndefined();
  });

  it("the restore document's archive pattern accepts both namings as host:path, and nothing else", () => {
    const pattern = new RegExp(RESTORE_MEDIA_PARAMETER_PATTERNS.archive);
    expect(pattern.test('media.example.com:/srv/media/live/shop+live+media_1795909152_3abda07c.tar.gz')).toBe(true);
    expect(pattern.test('media.example.com:/srv/media/shop/media_1795909152_3abda07c.tar.gz')).toBe(true);
    expect(pattern.test('media.example.com:/srv/media/shop/media_1795909152.tar.gz;rm -rf /')).toBe(false);
    expect(pattern.test('media.example.com:/srv/media/shop/notes.txt')).toBe(false);
  });
});
