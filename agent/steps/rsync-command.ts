import type { MediaServer } from '../config/config';
import type { CommandSpec } from '../process/run-command';
import { sshOptions } from './transfer-media';

/**
 * rsync's `-e`: the ssh command with the same options as every other connection to the media server
 * (batch mode, pinned host key, the identity). rsync splits it on spaces itself (no shell); a word with
 * other characters is single-quoted, which rsync honours.
 */
export function rsyncShell(server: MediaServer): string {
  return ['ssh', '-p', String(server.port), ...sshOptions(server)].map(rsyncWord).join(' ');
}

function rsyncWord(word: string): string {
  if (/^[\w./=:@%+,-]+$/.test(word)) return word;
  if (word.includes("'")) throw new Error(`${JSON.stringify(word)} cannot be passed to rsync -e (it holds a quote)`);
  return `'${word}'`;
}

/** `user@host:path`, the remote side of an rsync command. */
export function remoteSpec(server: MediaServer, path: string): string {
  return `${server.user ? `${server.user}@` : ''}${server.host}:${path}`;
}

/**
 * `rsync -a --link-dest` of the media folder's contents into the partial snapshot: unchanged files become
 * hard links to the previous snapshot's (`linkDest` as rrsync sees it: anchored at the key's root). Never
 * `--inplace`: a file that changed is written to a temporary name and renamed, so the inode it shared
 * with older snapshots is never rewritten. `--numeric-ids`: the media server need not know the users.
 * `--modify-window=-1`: a file counts as unchanged only when its size and its time to the nanosecond match.
 */
export function buildSnapshotRsync(input: {
  server: MediaServer;
  source: string;
  destination: string;
  linkDest?: string;
}): CommandSpec {
  return {
    file: 'rsync',
    args: [
      '-a',
      '--numeric-ids',
      '--stats',
      // Times compared to the nanosecond by the receiver (the media server, which decides what to link): a
      // file rewritten at the same size within the second the last run read it is copied, not linked to
      // the old bytes (rsync compares whole seconds by default). As a remote option: rrsync refuses the
      // short `-@-1` rsync would send for `--modify-window=-1`.
      '--remote-option=--modify-window=-1',
      ...(input.linkDest ? [`--link-dest=${input.linkDest}`] : []),
      '-e',
      rsyncShell(input.server),
      '--',
      `${input.source.replace(/\/+$/, '')}/`,
      `${remoteSpec(input.server, input.destination.replace(/\/+$/, ''))}/`,
    ],
  };
}

/** What `rsync --stats` says about a transfer: the snapshot's files and bytes, and what went over the wire. */
export interface RsyncStats {
  /** Regular files in the snapshot. */
  files: number;
  /** Their total size: the bytes in the snapshot. */
  bytes: number;
  /** Bytes of file data sent (literal data: changed and new files). */
  literalBytes: number;
  /** Everything the client sent, protocol included. */
  bytesSent: number;
}

/** Parses `rsync --stats` output (rsync >= 3.1 writes numbers with `,` separators); throws when a figure is missing. */
export function parseRsyncStats(stdout: string): RsyncStats {
  const figure = (label: RegExp, what: string): number => {
    const match = label.exec(stdout);
    if (!match) throw new Error(`rsync --stats printed no ${what}: ${stdout.trim().split('\n').slice(-3).join(' | ')}`);
    return Number(match[1]!.replace(/[,.']/g, ''));
  };
  const regular = /^Number of files: [\d,.']+ \((?:[^)]*?)reg: ([\d,.']+)/m.exec(stdout);
  return {
    files: regular ? Number(regular[1]!.replace(/[,.']/g, '')) : 0,
    bytes: figure(/^Total file size: ([\d,.']+) bytes/m, 'total file size'),
    literalBytes: figure(/^Literal data: ([\d,.']+) bytes/m, 'literal data'),
    bytesSent: figure(/^Total bytes sent: ([\d,.']+)/m, 'bytes sent'),
  };
}
