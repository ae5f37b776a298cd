import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import {
  type SnapshotEntry,
  parseSnapshotListing,
  partialSnapshotName,
  snapshotFolder,
  snapshotName,
} from '../../common/snapshot-names';
import type { MediaServer } from '../config/config';
import { CommandFailedError, messageOf } from '../errors';
import { runCommand } from '../process/run-command';
import { watchWhile } from '../process/progress';
import { type GateSession, runGate } from './media-gate';
import { CLOCK_TOLERANCE_SECONDS, describeClockSuspect, selectExpired } from './retention';
import { type RsyncStats, buildSnapshotRsync, parseRsyncStats, remoteSpec, rsyncShell } from './rsync-command';

/** rsync's "some files vanished before they could be transferred": a live site deleting an upload. */
const VANISHED = 24;

/** One snapshot run's inputs: the media folder (its real path) and where the app's snapshots live. */
export interface SnapshotInput {
  server: MediaServer;
  app: string;
  environment: string;
  hostId: string;
  timestamp: number;
  /** The media folder's real path (through any symlinks). */
  source: string;
  /** The snapshots to delete once this one is complete, given the folder's complete snapshots with it. */
  expire: (listed: SnapshotEntry[]) => string[];
  signal?: AbortSignal;
  /** The run's gate session: its listing of the folder, and the commit sent on it (a request each otherwise). */
  session?: Pick<GateSession, 'lines' | 'commit'>;
}

/** What a snapshot run wrote. */
export interface SnapshotResult extends RsyncStats {
  /** The snapshot's folder on the media server. */
  path: string;
  /** The snapshot unchanged files were linked to, if any. */
  linkedFrom?: string;
  /** Partial snapshots of this server's earlier runs removed before this one (`host:path`). */
  cleaned: string[];
  /** Expired snapshots removed after this one was complete, and why removing failed (the snapshot stands). */
  deleted: string[];
  pruneError?: string;
  /** Why nothing was pruned: a snapshot of this server dated after now (the clock is suspect). */
  pruneWarning?: string;
  warning?: string;
}

/** The newest complete snapshot of `hostId`, by the ranking retention uses (a future-dated name ranks last). */
export function newestSnapshot(complete: SnapshotEntry[], hostId: string, now: number): string | undefined {
  const own = complete.filter((entry) => entry.hostId === hostId && entry.timestamp <= now + CLOCK_TOLERANCE_SECONDS);
  return own.sort((a, b) => b.timestamp - a.timestamp || a.name.localeCompare(b.name))[0]?.name;
}

/**
 * Writes this run's snapshot: removes this server's partial snapshots left by killed runs (the app
 * lock is held, so none is live), rsyncs the media folder into a new partial folder linked against the
 * newest complete snapshot of this server, and renames it to `<ts>_<host id>` only when rsync succeeded.
 * A failure removes the partial folder (best effort; the next run removes it otherwise) and throws one
 * line naming the media server and the folder.
 */
export async function writeSnapshot(input: SnapshotInput): Promise<SnapshotResult> {
  const { server, signal } = input;
  const folder = snapshotFolder(server.path, input.app, input.environment);
  const where = (name: string) => `${server.host}:${posix.join(folder, name)}`;
  const lines = input.session?.lines ?? (await runGate(server, { verb: 'list', folder }, { signal }));
  // The gate names the folder as rrsync sees it (anchored at the key's root): --link-dest must use that.
  const anchored = /^# folder (\/\S*)$/.exec(lines[0] ?? '')?.[1];
  if (!anchored) throw new Error(`the media server's gate did not name ${folder} (got ${JSON.stringify(lines[0])})`);
  const listing = parseSnapshotListing(lines.slice(1));
  const stale = listing.partial.filter((entry) => entry.hostId === input.hostId).map((entry) => entry.name);
  const cleaned = stale.length ? await runGate(server, { verb: 'remove', folder, names: stale }, { signal }) : [];
  const name = snapshotName(input.timestamp, input.hostId);
  const partial = partialSnapshotName(input.timestamp, input.hostId);
  if (listing.complete.some((entry) => entry.name === name))
    throw new Error(`${where(name)} already exists on the media server; not replacing it`);
  const linkedFrom = newestSnapshot(listing.complete, input.hostId, input.timestamp);
  const rsync = buildSnapshotRsync({
    server,
    source: input.source,
    destination: posix.join(folder, partial),
    linkDest: linkedFrom && posix.join(anchored, linkedFrom),
  });
  let stats: RsyncStats;
  let warning: string | undefined;
  try {
    const result = await watchWhile(
      'transfer',
      () => undefined,
      runCommand(rsync, { signal, okExitCodes: [0, VANISHED] }),
    );
    stats = parseRsyncStats(result.stdout);
    if (result.exitCode === VANISHED) {
      warning = `files vanished from ${input.source} while it was copied (the site deleted them): ${result.stderrTail.split('\n')[0]}`;
      // rsync's counts include the files that vanished; the manifest (which restores and drills check)
      // must count what the snapshot holds: the partial folder, listed as a restore would read it.
      const held = await countSnapshot(server, posix.join(folder, partial), signal);
      stats = { ...stats, files: held.files, bytes: held.bytes };
    }
  } catch (error) {
    let reason = rsyncReason(error);
    // rsync sometimes loses the receiver's own words (ENOSPC) in the teardown: then ask the media server.
    if (!reason.specific && error instanceof CommandFailedError && error.signal === null)
      reason = { ...reason, text: `${reason.text}${await describeSpace(server, folder)}` };
    await runGate(server, { verb: 'remove', folder, names: [partial] }).catch(() => undefined);
    throw new Error(`snapshot of ${input.source} to ${where(partial)} failed: ${reason.text}`, { cause: error });
  }
  // Renamed into place, then the expired snapshots removed, in one request: pruning only ever follows a
  // complete snapshot. The gate's status 3: committed, but removing failed (said in mediaRetention).
  // Never the snapshot just written, even when the rule ranks it below one named by a clock that has since
  // been set back (within the tolerance): the run's record names it.
  const expired = input
    .expire([...listing.complete, { name, timestamp: input.timestamp, hostId: input.hostId }])
    .filter((expiredName) => expiredName !== name);
  // A snapshot of this server dated after now stops pruning (selectExpired); said, as for archives and dumps.
  const ahead = listing.complete
    .filter((entry) => entry.hostId === input.hostId && entry.timestamp > input.timestamp + CLOCK_TOLERANCE_SECONDS)
    .sort((a, b) => b.timestamp - a.timestamp)[0];
  const pruneWarning = ahead && describeClockSuspect(where(ahead.name), ahead.timestamp, input.timestamp);
  let answer: string[];
  try {
    const names = [partial, name, ...expired];
    answer = input.session
      ? await input.session.commit(names, signal)
      : await runGate(server, { verb: 'commit', folder, names }, { signal, okExitCodes: [0, 3] });
  } catch (error) {
    await runGate(server, { verb: 'remove', folder, names: [partial] }).catch(() => undefined);
    throw error;
  }
  if (!answer.includes(`committed ${name}`))
    throw new Error(`the media server's gate did not confirm ${where(name)} (got ${JSON.stringify(answer)})`);
  const pruneError = answer.find((line) => line.startsWith('! '))?.slice(2);
  return {
    ...stats,
    path: posix.join(folder, name),
    ...(linkedFrom ? { linkedFrom } : {}),
    cleaned: cleaned.map(where),
    deleted: answer.filter((line) => expired.includes(line)).map(where),
    ...(pruneError ? { pruneError } : {}),
    ...(pruneWarning ? { pruneWarning } : {}),
    ...(warning ? { warning } : {}),
  };
}

/** The regular files and their bytes in a folder on the media server: a dry-run copy of it, through the gate's rsync. */
async function countSnapshot(server: MediaServer, path: string, signal?: AbortSignal): Promise<RsyncStats> {
  const scratch = await mkdtemp(join(tmpdir(), 'backopper-count-'));
  try {
    const result = await runCommand(
      {
        file: 'rsync',
        args: [
          '-a',
          '--numeric-ids',
          '--stats',
          '--dry-run',
          '-e',
          rsyncShell(server),
          '--',
          `${remoteSpec(server, path)}/`,
          `${scratch}/`,
        ],
      },
      { signal },
    );
    return parseRsyncStats(result.stdout);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** rsync's own words: its first error line (ENOSPC, permission denied, a missing rsync), not its generic trailer. */
function rsyncReason(error: unknown): { text: string; specific: boolean } {
  if (!(error instanceof CommandFailedError)) return { text: messageOf(error), specific: true };
  const lines = error.stderrTail.split(' | ').filter((line) => line.trim() !== '');
  const specific = lines.find((line) => !/^rsync error: |^rsync: connection unexpectedly closed/.test(line));
  return {
    text: `${specific ?? lines[0] ?? error.message} (rsync exit ${error.exitCode ?? error.signal})`,
    specific: specific !== undefined,
  };
}

/** Below this, the media server's disk is called full. */
const FULL_BELOW_BYTES = 1024 * 1024;

/** `; the media server's disk is full at <folder> (N bytes free)`, or the free space, or nothing when it cannot say. */
async function describeSpace(server: MediaServer, folder: string): Promise<string> {
  const free = Number((await runGate(server, { verb: 'space', folder }).catch(() => []))[0]);
  if (!Number.isFinite(free)) return '';
  return free < FULL_BELOW_BYTES
    ? `; No space left on device: the media server's disk is full at ${server.host}:${folder} (${free} bytes free)`
    : `; ${free} bytes free at ${server.host}:${folder}`;
}

/**
 * Which of this server's snapshots to delete after a successful run: the retention rule's choice among
 * its complete snapshots, never the newest complete snapshot in the folder (the gate refuses it too).
 * Other servers' snapshots are never candidates: their runs link from their own.
 */
export function selectExpiredSnapshots(input: {
  listed: SnapshotEntry[];
  hostId: string;
  policy: Parameters<typeof selectExpired>[1];
  now: number;
}): string[] {
  // The newest by date, as the gate ranks it (a nine-digit name is older than a ten-digit one).
  const newestName = [...input.listed]
    .sort((a, b) => a.timestamp - b.timestamp || a.hostId.localeCompare(b.hostId))
    .at(-1)?.name;
  const own = input.listed.filter((entry) => entry.hostId === input.hostId);
  return selectExpired(own, input.policy, input.now).expired.filter((name) => name !== newestName);
}
