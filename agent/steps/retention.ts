import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_DUMP_PATTERN } from '../../common/app-spec';

/** Names of local dumps to delete so that the newest `keep` of our own naming remain. Other files are never chosen. */
export function selectExpiredBackups(fileNames: string[], keep: number): string[] {
  const ours = fileNames
    .map((name) => ({ name, match: LOCAL_DUMP_PATTERN.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .sort((a, b) => Number(b.match[1]) - Number(a.match[1]) || a.name.localeCompare(b.name));
  return ours.slice(keep).map((entry) => entry.name);
}

/** Deletes expired dumps in `dir`; returns the names deleted. Called only after a successful dump. */
export async function pruneLocalBackups(dir: string, keep: number): Promise<string[]> {
  const expired = selectExpiredBackups(await readdir(dir), keep);
  for (const name of expired) await unlink(join(dir, name));
  return expired;
}

/** The newest local dump of our naming in `fileNames`, or undefined. */
export function newestBackup(fileNames: string[]): string | undefined {
  return selectExpiredBackups(fileNames, 0)[0];
}
