import { describe, expect, it } from 'vitest';
import { formatMediaArchiveName, parseMediaArchiveName } from '../../../common/media-archive';
import { CommandFailedError } from '../../../agent/errors';
import { warningLines } from '../../../agent/process/run-command';
import { isTransientSshFailure } from '../../../agent/process/ssh-failure';
import { parseTempFolderName, tempFolderPrefix } from '../../../agent/process/temp-folder';
import { buildTarCommand } from '../../../agent/steps/archive-media';

const sftpFailed = (exitCode: number | null, stderr: string, signal: NodeJS.Signals | null = null) =>
  new CommandFailedError('sftp', exitCode, signal, stderr);

describe('which SSH failures are retried', () => {
  it.each([
    [
      'sshd dropped it past MaxStartups',
      sftpFailed(
        255,
        'kex_exchange_identification: Connection closed by remote host | Connection closed by 10.0.0.5 port 22 | Connection closed',
      ),
    ],
    [
      'a reset during the key exchange',
      sftpFailed(255, 'kex_exchange_identification: read: Connection reset by peer | Connection closed'),
    ],
    [
      'sshd is restarting',
      sftpFailed(255, 'ssh: connect to host media port 22: Connection refused | Connection closed'),
    ],
    [
      'a connect timeout',
      sftpFailed(255, 'ssh: connect to host media port 22: Connection timed out | Connection closed'),
    ],
    ['a server that stopped answering', sftpFailed(255, 'Timeout, server media not responding. | Connection closed')],
    ['a connection cut mid-upload', sftpFailed(1, 'client_loop: send disconnect: Broken pipe | Connection closed')],
    ['any other ssh-level failure (255)', sftpFailed(255, 'something new')],
  ])('retries %s', (_, error) => {
    expect(isTransientSshFailure(error)).toBe(true);
  });

  it.each([
    [
      'a changed host key',
      sftpFailed(
        255,
        'Host key for [media]:22 has changed and you have requested strict checking. | Host key verification failed. | Connection closed',
      ),
    ],
    [
      'an unknown host key',
      sftpFailed(
        255,
        'No ED25519 host key is known for media and you have requested strict checking. | Host key verification failed. | Connection closed',
      ),
    ],
    ['a refused key', sftpFailed(255, 'backup@media: Permission denied (publickey). | Connection closed')],
    [
      'a host name that does not resolve',
      sftpFailed(255, 'ssh: Could not resolve hostname medai: Name or service not known | Connection closed'),
    ],
    ['a remote folder it may not write', sftpFailed(1, 'remote open("/srv/x/.media_1.part"): Permission denied')],
    ['a final name that exists', sftpFailed(1, 'remote rename "/srv/x/.media_1.part" to "/srv/x/media_1": Failure')],
    ['a run that was stopped', sftpFailed(null, '', 'SIGTERM')],
    ['sftp missing', sftpFailed(null, 'spawn sftp ENOENT (is it installed and on PATH?)')],
    ['an error that is not a command failure', new Error('Connection reset')],
  ])('does not retry %s', (_, error) => {
    expect(isTransientSshFailure(error)).toBe(false);
  });
});

describe('warnings from the stderr of successful processes', () => {
  it('prefixes each line with the command once, drops blank and expected lines, keeps the order', () => {
    expect(warningLines('mysqldump', 'Warning: a\r\n\nmysqldump: Warning: b\nWarning: a\n', /^ignored/)).toEqual([
      'mysqldump: Warning: a',
      'mysqldump: Warning: b',
    ]);
    expect(warningLines('sftp', 'remote mkdir "/x": Failure\nreal\n', /^remote mkdir/)).toEqual(['sftp: real']);
  });

  it('stays bounded whatever a child prints', () => {
    const lines = warningLines('tar', Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(400)}`).join('\n'));
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toBe('tar: ... and 41 more lines on stderr');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(300);
  });
});

describe('names that tell a dead run from a live one', () => {
  it.each([
    ['shop.1', 4242],
    ['a-b.c', 7],
    ['secret', 99999],
  ])('a temporary folder of %s names its owner pid', (label, pid) => {
    expect(parseTempFolderName(`${tempFolderPrefix(label, pid)}Ab12Cd`)).toEqual({ label, pid });
  });

  it.each(['backopper-shop-Ab12Cd', 'backopper-.12-Ab12Cd', 'other.12-Ab12Cd', 'backopper-shop.12-Ab12C'])(
    '%s is not one of them',
    (name) => {
      expect(parseTempFolderName(name)).toBe(undefined);
    },
  );

  it('the media archive carries the app, the environment, the run and the server', () => {
    const archive = { app: 'acme-blog', environment: 'live', timestamp: 1795909152, hostId: '3abda07c' };
    expect(formatMediaArchiveName(archive)).toBe('acme-blog+live+media_1795909152_3abda07c.tar.gz');
    expect(parseMediaArchiveName('acme-blog+live+media_1795909152_3abda07c.tar.gz')).toEqual(archive);
    expect(parseMediaArchiveName('media_1795909152.tar.gz')).toEqual({ timestamp: 1795909152 });
  });
});

describe('the tar command for a media folder reached through links', () => {
  it('is the seed command when no link is involved', () => {
    expect(buildTarCommand('/srv/app/web/app/uploads').args).toEqual([
      '-cf',
      '-',
      '-C',
      '/srv/app/web/app',
      '--',
      'uploads',
    ]);
  });

  it('archives the real folder, under the configured name when they differ', () => {
    expect(buildTarCommand('/srv/app/current/uploads', '/srv/shared/uploads').args).toEqual([
      '-cf',
      '-',
      '-C',
      '/srv/shared',
      '--',
      'uploads',
    ]);
    expect(buildTarCommand('/srv/app/current/uploads', '/mnt/nfs/wp-up.lo+ads (1)').args).toEqual([
      '-cf',
      '-',
      '-C',
      '/mnt/nfs',
      '--transform=s/^wp-up\\.lo\\+ads \\(1\\)(\\/|$)/uploads\\1/xS',
      '--',
      'wp-up.lo+ads (1)',
    ]);
    expect(buildTarCommand('/srv/app/a&b\\c', '/mnt/real').args[4]).toBe('--transform=s/^real(\\/|$)/a\\&b\\\\c\\1/xS');
  });
});
