/**
 * Names of media snapshots (media mode `snapshot`) on the media server, shared by the agent (which writes
 * and prunes them) and ops (which lists and restores them). Each app and environment has its own folder,
 * `<media path>/snapshots/<app>@<environment>/`, even when the media path is one flat folder per server:
 * `@` is in neither app names nor environment names, so two apps never share a folder. Inside it, one
 * folder per run, `<ts>_<host id>`, written first as `.<ts>_<host id>.partial` and renamed when complete.
 */
import { posix } from 'node:path';

/** A complete snapshot's folder name. */
export const SNAPSHOT_PATTERN = /^(\d{9,11})_([0-9a-f]{8})$/;
/**
 * A snapshot being written (`.partial`) or deleted (`.deleting`), or left so by a run that died: hidden,
 * never listed as a snapshot, removed by the next run of the server that made it.
 */
export const PARTIAL_SNAPSHOT_PATTERN = /^\.(\d{9,11})_([0-9a-f]{8})\.(?:partial|deleting)$/;

/** The folder that holds an app's snapshots in one environment. */
export function snapshotFolder(mediaPath: string, app: string, environment: string): string {
  return posix.join(mediaPath, 'snapshots', `${app}@${environment}`);
}

/** The final folder name of a run's snapshot. */
export function snapshotName(timestamp: number, hostId: string): string {
  return `${timestamp}_${hostId}`;
}

/** The name a snapshot is written under until it is complete. */
export function partialSnapshotName(timestamp: number, hostId: string): string {
  return `.${snapshotName(timestamp, hostId)}.partial`;
}

/** A snapshot found in the app's folder. */
export interface SnapshotEntry {
  name: string;
  timestamp: number;
  hostId: string;
}

/** The complete snapshots and the partial ones among the names listed in an app's snapshot folder. */
export function parseSnapshotListing(names: string[]): { complete: SnapshotEntry[]; partial: SnapshotEntry[] } {
  const complete: SnapshotEntry[] = [];
  const partial: SnapshotEntry[] = [];
  for (const name of names) {
    const done = SNAPSHOT_PATTERN.exec(name);
    if (done) complete.push({ name, timestamp: Number(done[1]), hostId: done[2]! });
    const part = PARTIAL_SNAPSHOT_PATTERN.exec(name);
    if (part) partial.push({ name, timestamp: Number(part[1]), hostId: part[2]! });
  }
  return { complete, partial };
}
