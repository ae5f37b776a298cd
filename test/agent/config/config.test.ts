import { describe, expect, it } from 'vitest';
import { defaultCompressThreads, loadBackupConfig } from '../../../agent/config/config';
import { ConfigError } from '../../../agent/errors';

const base = ['--app', 'shop', '--environment', 'live', '--engine', 'postgresql', '--project-type', 'Laravel'];

describe('loadBackupConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadBackupConfig(base, {})).toEqual({
      app: 'shop',
      environment: 'live',
      engine: 'postgres',
      projectType: 'laravel',
      dryRun: false,
      json: false,
      skipAbsent: false,
      appsDir: '/srv/users/serverpilot/apps',
      backupsDir: '/opt/backups',
      keepLocal: 5,
      maxPendingUploads: 30,
      timeZone: 'UTC',
      mediaKeep: { keep: 5, weeks: 0, months: 0 },
      bucket: undefined,
      mediaDir: undefined,
      tmpDir: undefined,
      s3Timeout: 60,
      s3ConnectTimeout: 10,
      uploadStallTimeout: 60,
      mysqlMaxAllowedPacket: '1G',
      compressThreads: defaultCompressThreads(),
      priority: 'low',
      progressIntervalMs: 30_000,
      mediaMode: 'archive',
    });
  });

  it('reads BACKOPPER_MEDIA_MODE and refuses another mode or a media path the gate would not take', () => {
    const media = { BACKOPPER_MEDIA_HOST: 'media.example.com', BACKOPPER_MEDIA_PATH: '/srv/media/web-1' };
    expect(loadBackupConfig(base, { ...media, BACKOPPER_MEDIA_MODE: 'snapshot' }).mediaMode).toBe('snapshot');
    expect(() => loadBackupConfig(base, { BACKOPPER_MEDIA_MODE: 'rsync' })).toThrow(
      'BACKOPPER_MEDIA_MODE (--media-mode) "rsync" is not one of archive, snapshot',
    );
    expect(() =>
      loadBackupConfig(base, {
        ...media,
        BACKOPPER_MEDIA_PATH: '/srv/media backups',
        BACKOPPER_MEDIA_MODE: 'snapshot',
      }),
    ).toThrow(/BACKOPPER_MEDIA_PATH \(--media-path\) "\/srv\/media backups" must be an absolute path of letters/);
  });

  it('defaults to half the cores for compression, at least one', () => {
    expect([1, 2, 3, 8].map((cores) => defaultCompressThreads(cores))).toEqual([1, 1, 1, 4]);
  });

  it('reads the compression threads and the priority', () => {
    expect(loadBackupConfig([...base, '--compress-threads', '3'], { BACKOPPER_PRIORITY: 'normal' })).toMatchObject({
      compressThreads: 3,
      priority: 'normal',
    });
  });

  it('reads the S3 timeouts and the mysqldump packet size', () => {
    const config = loadBackupConfig([...base, '--s3-timeout', '5'], {
      BACKOPPER_S3_CONNECT_TIMEOUT: '3',
      BACKOPPER_UPLOAD_STALL_TIMEOUT: '7',
      BACKOPPER_MYSQL_MAX_ALLOWED_PACKET: '512m',
    });
    expect(config).toMatchObject({
      s3Timeout: 5,
      s3ConnectTimeout: 3,
      uploadStallTimeout: 7,
      mysqlMaxAllowedPacket: '512M',
    });
    expect(loadBackupConfig(base, { BACKOPPER_MYSQL_MAX_ALLOWED_PACKET: '1073741824' }).mysqlMaxAllowedPacket).toBe(
      '1073741824',
    );
  });

  it('lets flags override BACKOPPER_* variables', () => {
    const config = loadBackupConfig([...base, '--keep-local', '9', '--bucket', 'flag-bucket'], {
      BACKOPPER_KEEP_LOCAL: '3',
      BACKOPPER_BUCKET: 'env-bucket',
      BACKOPPER_BACKUPS_DIR: '/data/backups/',
    });
    expect(config).toMatchObject({ keepLocal: 9, bucket: 'flag-bucket', backupsDir: '/data/backups' });
  });

  it('fills {app} and {environment} into the media path', () => {
    const config = loadBackupConfig(base, {
      BACKOPPER_MEDIA_HOST: 'media.example.com',
      BACKOPPER_MEDIA_PORT: '222',
      BACKOPPER_MEDIA_USER: 'backup',
      BACKOPPER_MEDIA_PATH: '/srv/media/{environment}/{app}',
    });
    expect(config.media).toEqual({
      host: 'media.example.com',
      port: 222,
      user: 'backup',
      path: '/srv/media/live/shop',
      appFolder: true,
      identity: undefined,
      knownHosts: undefined,
    });
  });

  it.each([
    [
      { BACKOPPER_MEDIA_HOST: 'media' },
      'BACKOPPER_MEDIA_PATH (--media-path) is required when BACKOPPER_MEDIA_HOST (--media-host) is set',
    ],
    [
      { BACKOPPER_MEDIA_HOST: 'media; rm -rf /', BACKOPPER_MEDIA_PATH: '/x' },
      'BACKOPPER_MEDIA_HOST (--media-host) "media; rm -rf /" is not a host name or address',
    ],
    [
      { BACKOPPER_MEDIA_HOST: 'media', BACKOPPER_MEDIA_PATH: '/x"\n!sh' },
      'BACKOPPER_MEDIA_PATH (--media-path) "/x\\"\\n!sh" contains a quote, backslash or newline',
    ],
    [
      { BACKOPPER_APPS_DIR: 'relative/apps' },
      'BACKOPPER_APPS_DIR (--apps-dir) "relative/apps" is not an absolute path',
    ],
    [{ BACKOPPER_KEEP_LOCAL: '0' }, 'BACKOPPER_KEEP_LOCAL (--keep-local) "0" is not a whole number from 1 to 1000'],
    [
      { BACKOPPER_TIMEZONE: 'Mars/Olympus' },
      'BACKOPPER_TIMEZONE (--timezone): "Mars/Olympus" is not an IANA time zone (e.g. Europe/Amsterdam, UTC)',
    ],
    [{ BACKOPPER_MEDIA_KEEP: '0' }, 'BACKOPPER_MEDIA_KEEP (--media-keep) "0" is not a whole number from 1 to 1000'],
    [
      { BACKOPPER_MEDIA_KEEP_WEEKLY: 'two' },
      'BACKOPPER_MEDIA_KEEP_WEEKLY (--media-keep-weekly) "two" is not a whole number from 0 to 520',
    ],
    [
      { BACKOPPER_MAX_PENDING_UPLOADS: '-1' },
      'BACKOPPER_MAX_PENDING_UPLOADS (--max-pending-uploads) "-1" is not a whole number from 0 to 1000',
    ],
    [{ BACKOPPER_BUCKET: 'Not_A_Bucket' }, 'BACKOPPER_BUCKET (--bucket) "Not_A_Bucket" is not an S3 bucket name'],
    [{ BACKOPPER_REPORT_URL: 'ftp://x' }, 'BACKOPPER_REPORT_URL (--report-url) "ftp://x" is not an http(s) URL'],
    [{ BACKOPPER_S3_TIMEOUT: '0' }, 'BACKOPPER_S3_TIMEOUT (--s3-timeout) "0" is not a whole number from 1 to 3600'],
    [
      { BACKOPPER_UPLOAD_STALL_TIMEOUT: '1.5' },
      'BACKOPPER_UPLOAD_STALL_TIMEOUT (--upload-stall-timeout) "1.5" is not a whole number from 1 to 3600',
    ],
    [
      { BACKOPPER_MYSQL_MAX_ALLOWED_PACKET: '2G' },
      'BACKOPPER_MYSQL_MAX_ALLOWED_PACKET (--mysql-max-allowed-packet) "2G" is not a size from 1K to 1G (a number of bytes, or with K, M or G)',
    ],
    [
      { BACKOPPER_MYSQL_MAX_ALLOWED_PACKET: '64MB' },
      'BACKOPPER_MYSQL_MAX_ALLOWED_PACKET (--mysql-max-allowed-packet) "64MB" is not a size from 1K to 1G (a number of bytes, or with K, M or G)',
    ],
    [
      { BACKOPPER_COMPRESS_THREADS: '0' },
      'BACKOPPER_COMPRESS_THREADS (--compress-threads) "0" is not a whole number from 1 to 256',
    ],
    [
      { BACKOPPER_COMPRESS_THREADS: 'all' },
      'BACKOPPER_COMPRESS_THREADS (--compress-threads) "all" is not a whole number from 1 to 256',
    ],
    [{ BACKOPPER_PRIORITY: 'idle' }, 'BACKOPPER_PRIORITY (--priority) "idle" is not one of low, normal'],
    [{ BACKOPPER_SKIP_ABSENT: 'yes' }, 'BACKOPPER_SKIP_ABSENT (--skip-absent) "yes" is not one of true, false'],
    [
      { BACKOPPER_PROGRESS_INTERVAL: '0.01' },
      'BACKOPPER_PROGRESS_INTERVAL (--progress-interval) "0.01" is not a number of seconds from 0.1 to 3600 (0: no progress lines)',
    ],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadBackupConfig(base, env)).toThrow(new ConfigError(message));
  });

  it('reads the progress interval as a flag too', () => {
    expect(loadBackupConfig([...base, '--progress-interval', '0'], {}).progressIntervalMs).toBe(0);
    expect(loadBackupConfig(base, { BACKOPPER_PROGRESS_INTERVAL: '2.5' }).progressIntervalMs).toBe(2500);
  });

  it('throws one error listing every problem, each naming its input', () => {
    const error = (() => {
      try {
        loadBackupConfig(['--app', 'shop', '--keep-local', '0', '--s3-timeout'], { BACKOPPER_PRIORITY: 'idle' });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(error.problems).toEqual([
      '--s3-timeout needs a value',
      '--environment is required',
      '--engine is required',
      '--project-type is required',
      'BACKOPPER_KEEP_LOCAL (--keep-local) "0" is not a whole number from 1 to 1000',
      'BACKOPPER_PRIORITY (--priority) "idle" is not one of low, normal',
    ]);
    expect(error.message).toBe(`6 problems:\n  ${error.problems.join('\n  ')}`);
  });

  it('refuses --json without --dry-run', () => {
    expect(() => loadBackupConfig([...base, '--json'], {})).toThrow(/--json goes with --dry-run/);
  });
});
