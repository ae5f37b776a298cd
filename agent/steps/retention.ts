import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_DUMP_PATTERN } from '../../common/app-spec';
import { messageOf } from '../errors';

/**
 * Names of local dumps to delete so that the newest `keep` of our own naming remain. Other files are
 * never chosen. A dump named after a time later than `now` (unix seconds) was named by a clock that was
 * wrong: its real age is unknown, so it ranks below every honestly named dump and goes first; otherwise
 * it would count as the newest and crowd out the dumps made since the clock was corrected.
 */
export function selectExpiredBackups(fileNames: string[], keep: number, now = Number.POSITIVE_INFINITY): string[] {
  const ours = fileNames
    .map((name) => ({ name, match: LOCAL_DUMP_PATTERN.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => ({ name, timestamp: Number(match[1]), future: Number(match[1]) > now }))
    .sort((a, b) => Number(a.future) - Number(b.future) || b.timestamp - a.timestamp || a.name.localeCompare(b.name));
  return ours.slice(keep).map((entry) => entry.name);
}

/** Deletes expired dumps in `dir`; returns the names deleted. Called only after a successful dump. */
export async function pruneLocalBackups(dir: string, keep: number, now = Math.floor(Date.now() / 1000)): Promise<string[]> {
  const names = await readdir(dir).catch((error: unknown) => {
    throw new Error(`cannot list ${dir}: ${messageOf(error)}`, { cause: error });
  });
  const expired = selectExpiredBackups(names, keep, now);
  for (const name of expired) await unlink(join(dir, name));
  return expired;
}

/** The newest local dump of our naming in `fileNames`, or undefined. */
export function newestBackup(fileNames: string[]): string | undefined {
  return selectExpiredBackups(fileNames, 0)[0];
}
