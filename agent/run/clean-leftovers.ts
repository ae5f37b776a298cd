import { readdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDeadTempFolders } from '../process/temp-folder';

/** Partial dumps a run writes before renaming: `.<ts>.sql.gz.partial`, `.<ts>.tar.partial`. */
export const PARTIAL_DUMP = /^\.\d{9,11}\.(sql\.gz|tar)\.partial$/;

/**
 * Removes what runs killed with SIGKILL (no handler runs) left: partial dumps in the app's backup
 * folder, and the agent's temporary folders (media archives) whose owner process is gone. Call it
 * holding the app lock: then no live run is writing a partial dump of this app. Returns what it removed.
 */
export async function cleanLeftovers(input: { backupDir: string; tmpDir?: string }): Promise<string[]> {
  const cleaned: string[] = [];
  for (const name of await readdir(input.backupDir)) {
    if (!PARTIAL_DUMP.test(name)) continue;
    await unlink(join(input.backupDir, name));
    cleaned.push(join(input.backupDir, name));
  }
  for (const dir of new Set([input.tmpDir ?? tmpdir(), tmpdir()])) cleaned.push(...(await removeDeadTempFolders(dir)));
  return cleaned;
}
