import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestSnapshot, selectExpiredSnapshots } from '../../agent/steps/snapshot-media';
import { parseSnapshotListing } from '../../common/snapshot-names';
import { MEDIA_GATE } from '../services/media-gate';

/** Runs the gate as sshd runs a forced command: the root as its argument, the request in SSH_ORIGINAL_COMMAND. */
function gate(root: string, request: string, input = '') {
  const run = spawnSync(MEDIA_GATE, [root], {
    env: { PATH: process.env.PATH, SSH_ORIGINAL_COMMAND: request },
    encoding: 'utf8',
    input,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.trim() };
}

describe('the media gate refuses what a compromised web server might ask', () => {
  let base: string;
  let root: string;
  let folder: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'backopper-gate-'));
    root = join(base, 'web-1');
    folder = join(root, 'snapshots', 'shop@live');
    mkdirSync(join(folder, '1700000000_3abda07c'), { recursive: true });
    mkdirSync(join(folder, '1700086400_3abda07c'));
    mkdirSync(join(base, 'other', 'snapshots', 'shop@live'), { recursive: true });
    writeFileSync(join(base, 'other', 'snapshots', 'shop@live', 'keep.txt'), 'another root\n');
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it.each([
    ['a shell', 'sh -c id', /refused: sh -c id/],
    ['sftp', 'internal-sftp', /refused: internal-sftp/],
    [
      'a folder outside the root',
      () => `backopper-snapshot list ${join(base, 'other', 'snapshots', 'shop@live')}`,
      /is not under/,
    ],
    [
      'a climbing folder',
      () => `backopper-snapshot list ${root}/snapshots/../../other/snapshots/shop@live`,
      /refused folder/,
    ],
    ['a folder that is not an app snapshot folder', () => `backopper-snapshot list ${root}`, /refused folder/],
    ['a name of another shape', () => `backopper-snapshot remove ${folder} ../../etc`, /refused name: \.\.\/\.\.\/etc/],
    [
      'removing the newest snapshot',
      () => `backopper-snapshot remove ${folder} 1700086400_3abda07c`,
      /is the newest snapshot/,
    ],
    [
      'committing over an existing snapshot',
      () => `backopper-snapshot commit ${folder} .1700000000_3abda07c.partial 1700000000_3abda07c`,
      /does not exist|already exists/,
    ],
  ])('refuses %s, changing nothing', (_what, request, message) => {
    const before = readdirSync(folder).sort();
    const run = gate(root, typeof request === 'function' ? request() : request);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(folder).sort()).toEqual(before);
    expect(readdirSync(join(base, 'other', 'snapshots', 'shop@live'))).toEqual(['keep.txt']);
  });

  it.each([
    ['another verb', () => `remove ${folder} 1700000000_3abda07c`, /refused in a session: remove/],
    ['a shell', () => 'sh -c id', /refused in a session: sh -c id/],
    ['a climbing name', () => 'commit ../../etc/.x.partial x', /refused partial name/],
    [
      'a commit over an existing snapshot',
      () => 'commit .1700000000_3abda07c.partial 1700000000_3abda07c',
      /does not exist|already exists/,
    ],
  ])('in a session (the request on stdin), refuses %s, changing nothing', (_what, line, message) => {
    const before = readdirSync(folder).sort();
    const run = gate(root, `backopper-snapshot session ${folder}`, `${line()}\n`);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/^# folder \/snapshots\/shop@live\n(.*\n)*# end\n$/);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(folder).sort()).toEqual(before);
    expect(readdirSync(join(base, 'other', 'snapshots', 'shop@live'))).toEqual(['keep.txt']);
  });

  it('a session lists the folder and ends at end of file, changing nothing', () => {
    const before = readdirSync(folder).sort();
    const run = gate(root, `backopper-snapshot session ${folder}`);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toBe(`# folder /snapshots/shop@live\n${before.join('\n')}\n# end\n`);
    expect(readdirSync(folder).sort()).toEqual(before);
  });

  it('refuses an app folder that is a symlink leading out of the root', () => {
    symlinkSync(join(base, 'other', 'snapshots', 'shop@live'), join(root, 'snapshots', 'evil@live'));
    const run = gate(
      root,
      `backopper-snapshot remove ${join(root, 'snapshots', 'evil@live')} .1700000000_3abda07c.partial`,
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/resolves to .*, outside/);
    expect(existsSync(join(base, 'other', 'snapshots', 'shop@live', 'keep.txt'))).toBe(true);
  });

  it('lists, and removes an older snapshot by hiding it first', () => {
    expect(gate(root, `backopper-snapshot list ${folder}`).stdout).toBe(
      '# folder /snapshots/shop@live\n1700000000_3abda07c\n1700086400_3abda07c\n',
    );
    const run = gate(root, `backopper-snapshot remove ${folder} 1700000000_3abda07c`);
    expect(run).toMatchObject({ status: 0, stdout: '1700000000_3abda07c\n' });
    expect(readdirSync(folder)).toEqual(['1700086400_3abda07c']);
  });

  it('commits on a session: the partial renamed, the expired removed, the new snapshot (the newest) kept', () => {
    mkdirSync(join(folder, '.1700172800_3abda07c.partial'));
    writeFileSync(join(folder, '.1700172800_3abda07c.partial', 'a.jpg'), 'a');
    const run = gate(
      root,
      `backopper-snapshot session ${folder}`,
      'commit .1700172800_3abda07c.partial 1700172800_3abda07c 1700086400_3abda07c\n',
    );
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toBe(
      '# folder /snapshots/shop@live\n.1700172800_3abda07c.partial\n1700086400_3abda07c\n# end\ncommitted 1700172800_3abda07c\n1700086400_3abda07c\n',
    );
    expect(readdirSync(folder)).toEqual(['1700172800_3abda07c']);
  });
});

describe('which snapshot to link from and which to prune (pure)', () => {
  const own = '3abda07c';
  const listed = parseSnapshotListing([
    '1700000000_3abda07c',
    '1700086400_3abda07c',
    '1700172800_3abda07c',
    '1900000000_3abda07c', // named by a clock that ran ahead
    '1700200000_deadbeef', // another server's
    '.1700250000_3abda07c.partial',
    'notes.txt',
  ]).complete;

  it('links from the newest honestly dated snapshot of this server, not a future-dated one or another server’s', () => {
    expect(newestSnapshot(listed, own, 1_700_259_200)).toBe('1700172800_3abda07c');
  });

  it('prunes by the rule, never another server’s and never the newest-named in the folder', () => {
    const honest = listed.filter((entry) => entry.name !== '1900000000_3abda07c');
    expect(selectExpiredSnapshots({ listed: honest, hostId: own, policy: { keep: 2 }, now: 1_700_259_200 })).toEqual([
      '1700000000_3abda07c',
    ]);
    expect(selectExpiredSnapshots({ listed: honest, hostId: own, policy: { keep: 1 }, now: 1_700_259_200 })).toEqual([
      '1700086400_3abda07c',
      '1700000000_3abda07c',
    ]);
  });

  it('prunes nothing while a snapshot is dated after now (the clock is suspect, as for archives and dumps)', () => {
    expect(selectExpiredSnapshots({ listed, hostId: own, policy: { keep: 1 }, now: 1_700_259_200 })).toEqual([]);
  });
});
