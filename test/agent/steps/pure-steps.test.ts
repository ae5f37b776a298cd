import { describe, expect, it } from 'vitest';
import { buildTarCommand, mediaDirCandidates } from '../../../agent/steps/archive-media';
import { checkComplete } from '../../../agent/steps/dump-database';
import { formatStepLine, overallStatus } from '../../../agent/run/report';
import { describeSeconds } from '../../../agent/run/run-timestamp';
import { planSchemaParts } from '../../../agent/steps/mysql-schema-parts';
import { selectExpiredBackups } from '../../../agent/steps/retention';
import { buildSftpCommand, buildUploadBatch } from '../../../agent/steps/transfer-media';

describe('selectExpiredBackups', () => {
  it.each([
    [
      'keeps the newest N of our naming',
      ['1700000003.sql.gz', '1700000001.sql.gz', '1700000002.sql.gz'],
      2,
      ['1700000001.sql.gz'],
    ],
    ['orders by timestamp, not by text', ['999999999.tar', '1000000000.tar'], 1, ['999999999.tar']],
    [
      'never chooses other files',
      ['notes.txt', '.1700000000.sql.gz.partial', '1700000000.sql.gz.bak', 'x1700000000.tar', '1700000000.sql.gz'],
      1,
      [],
    ],
    ['nothing to delete under the limit', ['1700000000.tar'], 5, []],
  ])('%s', (_name, names, keep, expected) => {
    expect(selectExpiredBackups(names, keep).expired).toEqual(expected);
  });
});

describe('checkComplete', () => {
  const zeros = Buffer.alloc(1024);
  it.each([
    [
      'a mysqldump ending with its trailer',
      'mysql',
      Buffer.from('...\n-- Dump completed on 2026-01-01 00:00:00\n'),
      100,
      undefined,
    ],
    ['a mysqldump without it', 'mysql', Buffer.from('INSERT INTO t VALUES (1);\n'), 100, /truncated/],
    ['empty output', 'mysql', Buffer.alloc(0), 0, /no output/],
    ['a tar ending in two zero blocks', 'postgres', zeros, 2048, undefined],
    ['a tar not a whole number of blocks', 'postgres', zeros, 2049, /tar end-of-archive/],
    [
      'a tar ending in data',
      'postgres',
      Buffer.concat([zeros.subarray(1), Buffer.from('x')]),
      2048,
      /tar end-of-archive/,
    ],
  ] as const)('%s', (_name, engine, tail, total, error) => {
    if (error) expect(() => checkComplete(engine, tail, total)).toThrow(error);
    else expect(() => checkComplete(engine, tail, total)).not.toThrow();
  });
});

describe('media commands', () => {
  it('tars the folder from its parent, as the seed does, to stdout', () => {
    expect(buildTarCommand('/srv/apps/a/public/wp-content/uploads')).toEqual({
      file: 'tar',
      args: ['-cf', '-', '-C', '/srv/apps/a/public/wp-content', '--', 'uploads'],
    });
  });

  it.each([
    ['wordpress', undefined, ['/a/public/wp-content/uploads', '/a/wp-content/uploads', '/a/web/app/uploads']],
    ['laravel', undefined, ['/a/storage/app/public', '/a/storage/app']],
    ['static', undefined, []],
    ['static', 'files', ['/a/files']],
    ['laravel', '/mnt/shared/media', ['/mnt/shared/media']],
  ])('media folders for %s with BACKOPPER_MEDIA_DIR=%s', (type, configured, expected) => {
    expect(mediaDirCandidates('/a', type, configured)).toEqual(expected);
  });

  it('copies with sftp in batch mode, strict host keys, the configured port, key and known_hosts', () => {
    expect(
      buildSftpCommand({
        host: 'media.example',
        port: 222,
        user: 'backup',
        path: '/b',
        identity: '/k',
        knownHosts: '/kh',
      }).args,
    ).toEqual([
      '-b',
      '-',
      '-P',
      '222',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'ConnectTimeout=15',
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'UserKnownHostsFile=/kh',
      '-o',
      'IdentitiesOnly=yes',
      '-i',
      '/k',
      '--',
      'backup@media.example',
    ]);
  });

  it('uploads to a hidden .part name and renames it into place, creating every folder level', () => {
    const { batch, remotePath } = buildUploadBatch('/tmp/x/media_1.tar.gz', '/backups/my "app"/live', 'media_1.tar.gz');
    expect(remotePath).toBe('/backups/my "app"/live/media_1.tar.gz');
    expect(batch.split('\n')).toEqual([
      '-mkdir "/backups"',
      '-mkdir "/backups/my \\"app\\""',
      '-mkdir "/backups/my \\"app\\"/live"',
      'put "/tmp/x/media_1.tar.gz" "/backups/my \\"app\\"/live/.media_1.tar.gz.part"',
      'rename -l "/backups/my \\"app\\"/live/.media_1.tar.gz.part" "/backups/my \\"app\\"/live/media_1.tar.gz"',
      '',
    ]);
  });
});

describe('run report', () => {
  it('fails the run when any step failed; skipped steps do not', () => {
    expect(
      overallStatus({ database: { status: 'succeeded', durationMs: 1 }, media: { status: 'skipped', durationMs: 0 } }),
    ).toBe('succeeded');
    expect(
      overallStatus({ database: { status: 'failed', durationMs: 1 }, media: { status: 'succeeded', durationMs: 0 } }),
    ).toBe('failed');
  });

  it('formats a step as one readable line', () => {
    expect(
      formatStepLine('database', {
        status: 'succeeded',
        durationMs: 4200,
        bytes: 5 * 1024 * 1024,
        path: '/opt/backups/a/1.sql.gz',
        sha256: 'abcdef0123456789',
      }),
    ).toBe('database  succeeded  5.0 MiB  4.2 s  /opt/backups/a/1.sql.gz  sha256 abcdef012345');
  });
});

describe('selectExpiredBackups with a clock', () => {
  it('deletes nothing while a dump is named after now (beyond 5 minutes), and names the furthest one', () => {
    const names = [
      '1700000100.sql.gz',
      '1700000200.sql.gz',
      '1800000000.sql.gz',
      '1800000001.sql.gz',
      '1700000300.sql.gz',
    ];
    expect(selectExpiredBackups(names, 3, 1700000300)).toEqual({
      expired: [],
      clockSuspect: { name: '1800000001.sql.gz', timestamp: 1800000001 },
    });
    expect(selectExpiredBackups(names, 3).expired).toEqual(['1700000200.sql.gz', '1700000100.sql.gz']);
  });
  it('a name up to 5 minutes ahead is no reason to suspect the clock', () => {
    const names = ['1700000100.sql.gz', '1700000200.sql.gz', '1700000600.sql.gz'];
    expect(selectExpiredBackups(names, 2, 1700000300)).toEqual({ expired: ['1700000100.sql.gz'] });
  });
});

describe('planSchemaParts', () => {
  const visible = {
    account: "'u'@'%'",
    privileges: ['SELECT', 'LOCK TABLES', 'SHOW VIEW', 'TRIGGER', 'EXECUTE'],
    mayShowEvents: true,
    hiddenRoutines: [],
  };

  it.each([
    ['everything the user may dump', visible, [], []],
    ['ALL PRIVILEGES', { ...visible, privileges: ['ALL PRIVILEGES'] }, [], []],
    ['no SHOW EVENTS', { ...visible, mayShowEvents: false }, ['events'], ['events']],
    ['no TRIGGER, no routine privilege', { ...visible, privileges: ['SELECT'] }, [], ['triggers', 'routines']],
  ] as const)('%s', (_name, visibility, skip, notIncluded) => {
    const plan = planSchemaParts({ ...visibility, privileges: [...visibility.privileges], hiddenRoutines: [] }, 'wp');
    expect(plan.skip).toEqual(skip);
    expect(plan.notIncluded.map((line) => line.split(':')[0])).toEqual(notIncluded);
  });

  it('refuses a schema with routines the user sees but may not read, naming them', () => {
    expect(() => planSchemaParts({ ...visible, hiddenRoutines: ['PROCEDURE p', 'FUNCTION f'] }, 'wp')).toThrow(
      /wp has routines that 'u'@'%' may see but not read, so the dump cannot include them: PROCEDURE p, FUNCTION f \(make/,
    );
  });
});

describe('describeSeconds', () => {
  it.each([
    [5, '5 s'],
    [3599, '1 h'],
    [3600, '1 h'],
    [7 * 3600, '7 h'],
    [40 * 86_400 - 1, '40 d'],
    [600, '10 min'],
  ])('%i s is about %s', (seconds, text) => {
    expect(describeSeconds(seconds)).toBe(text);
  });
});
