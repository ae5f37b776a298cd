import { posix } from 'node:path';
import { parseMediaArchiveName } from '../../common/media-archive';
import type { MediaServer } from '../config/config';
import { runCommand } from '../process/run-command';
import { type DatedName, describeClockSuspect, type KeepPolicy, type Selection, selectExpired } from './retention';
import { buildSftpCommand, quote } from './transfer-media';

/** Whose archives a pruning run may choose among: one app, one environment, one server. */
export interface ArchiveOwner {
  app: string;
  environment: string;
  hostId: string;
  /**
   * The remote folder is the app's own (its path template names `{app}`): only then are names of
   * earlier versions, which do not say whose they are, taken for this app's. @default false
   */
  appFolder?: boolean;
}

/**
 * This app's archives from this server among the names in the remote folder: names that say they are
 * this app's and environment's, made by this server. Names of earlier versions (`media_<ts>[_<host
 * id>].tar.gz`) count only in a folder that is provably the app's own, and only this server's (or
 * without a host id); in a shared folder they are left alone. Every other file is never a candidate.
 */
export function ownArchives(names: string[], owner: ArchiveOwner): DatedName[] {
  return names.flatMap((name) => {
    const archive = parseMediaArchiveName(name);
    if (!archive) return [];
    const mine =
      archive.app === undefined
        ? owner.appFolder === true && (archive.hostId === undefined || archive.hostId === owner.hostId)
        : archive.app === owner.app && archive.environment === owner.environment && archive.hostId === owner.hostId;
    return mine ? [{ name, timestamp: archive.timestamp }] : [];
  });
}

/** The archives to delete from the names listed in the remote folder (pure: the one selection local retention uses too). */
export function selectExpiredArchives(
  names: string[],
  owner: ArchiveOwner,
  policy: KeepPolicy,
  now: number,
): Selection {
  return selectExpired(ownArchives(names, owner), policy, now);
}

/**
 * Media server retention, run only after a successful transfer: lists the app's remote folder over
 * sftp (no remote shell parses a name), and removes the archives {@link selectExpiredArchives} picks.
 * Returns them as `host:path`, and the warning when the clock looked wrong (nothing removed then). A
 * listing or removal that fails throws with sftp's words.
 */
export async function pruneMediaArchives(input: {
  server: MediaServer;
  owner: ArchiveOwner;
  policy: KeepPolicy;
  now: number;
  signal?: AbortSignal;
}): Promise<{ deleted: string[]; warning?: string }> {
  const { server } = input;
  const listing = await runCommand(buildSftpCommand(server), {
    input: `ls -1 ${quote(server.path)}\n`,
    signal: input.signal,
  });
  const names = listing.stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('sftp>'))
    .map((line) => posix.basename(line.trim()));
  const { expired, clockSuspect } = selectExpiredArchives(names, input.owner, input.policy, input.now);
  const warning =
    clockSuspect &&
    describeClockSuspect(
      `${server.host}:${posix.join(server.path, clockSuspect.name)}`,
      clockSuspect.timestamp,
      input.now,
    );
  if (expired.length === 0) return warning ? { deleted: [], warning } : { deleted: [] };
  const paths = expired.map((name) => posix.join(server.path, name));
  await runCommand(buildSftpCommand(server), {
    input: `${paths.map((path) => `rm ${quote(path)}`).join('\n')}\n`,
    signal: input.signal,
  });
  return { deleted: paths.map((path) => `${server.host}:${path}`) };
}
