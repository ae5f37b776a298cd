import { posix } from 'node:path';
import { MEDIA_ARCHIVE_PATTERN } from '../../common/app-spec';
import type { MediaServer } from '../config/config';
import { runCommand } from '../process/run-command';
import { type DatedName, type KeepPolicy, selectExpired } from './retention';
import { buildSftpCommand, quote } from './transfer-media';

/**
 * This server's media archives among the names in the app's remote folder: our naming
 * (`media_<ts>_<host id>.tar.gz`) with this server's host id, or the older naming without one. Archives
 * of other servers holding the same app, and every other file, are never candidates.
 */
export function ownArchives(names: string[], hostId: string): DatedName[] {
  return names.flatMap((name) => {
    const match = MEDIA_ARCHIVE_PATTERN.exec(name);
    return match && (match[2] === undefined || match[2] === hostId) ? [{ name, timestamp: Number(match[1]) }] : [];
  });
}

/** The archives to delete from the names listed in the remote folder (pure: the one selection local retention uses too). */
export function selectExpiredArchives(names: string[], hostId: string, policy: KeepPolicy, now: number): string[] {
  return selectExpired(ownArchives(names, hostId), policy, now);
}

/**
 * Media server retention, run only after a successful transfer: lists the app's remote folder over
 * sftp (no remote shell parses a name), and removes the archives {@link selectExpiredArchives} picks.
 * Returns them as `host:path`. A listing or removal that fails throws with sftp's words.
 */
export async function pruneMediaArchives(input: {
  server: MediaServer;
  hostId: string;
  policy: KeepPolicy;
  now: number;
  signal?: AbortSignal;
}): Promise<string[]> {
  const { server } = input;
  const listing = await runCommand(buildSftpCommand(server), {
    input: `ls -1 ${quote(server.path)}\n`,
    signal: input.signal,
  });
  const names = listing.stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('sftp>'))
    .map((line) => posix.basename(line.trim()));
  const expired = selectExpiredArchives(names, input.hostId, input.policy, input.now);
  if (expired.length === 0) return [];
  const paths = expired.map((name) => posix.join(server.path, name));
  await runCommand(buildSftpCommand(server), {
    input: `${paths.map((path) => `rm ${quote(path)}`).join('\n')}\n`,
    signal: input.signal,
  });
  return paths.map((path) => `${server.host}:${path}`);
}
