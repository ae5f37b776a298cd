import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The app's backup state, `.backopper-state.json` in its backup folder: when its last successful backup was made. */
const STATE_FILE = '.backopper-state.json';

export interface BackupState {
  /** Unix seconds of the newest successful backup (a dump that succeeded, or for media-only apps a transfer). */
  lastBackup?: number;
}

/**
 * Reads the state. A file that is missing gives an empty state; one that cannot be read, is not our
 * JSON, or names a time after `now` (a clock that was wrong) gives an empty state and a warning: the
 * previous backup is then unknown, which makes this one `yearly` (kept longest), never shorter-lived.
 */
export async function readBackupState(
  backupDir: string,
  now: number,
): Promise<{ state: BackupState; warning?: string }> {
  const path = join(backupDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: {} };
    return {
      state: {},
      warning: `${path} cannot be read (${(error as Error).message}); the previous backup is unknown, this one is tagged yearly`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const lastBackup = (value as BackupState | undefined)?.lastBackup;
  if (typeof lastBackup !== 'number' || !Number.isInteger(lastBackup) || lastBackup <= 0) {
    return {
      state: {},
      warning: `${path} does not hold {"lastBackup": <unix seconds>}; the previous backup is unknown, this one is tagged yearly`,
    };
  }
  if (lastBackup > now)
    return {
      state: {},
      warning: `${path} names a backup at ${lastBackup}, after this run (${now}); the previous backup is unknown, this one is tagged yearly`,
    };
  return { state: { lastBackup } };
}

/** Records a successful backup at `timestamp` (never moving the record back); atomic. */
export async function recordSuccessfulBackup(
  backupDir: string,
  timestamp: number,
  previous: BackupState,
): Promise<void> {
  if (previous.lastBackup !== undefined && previous.lastBackup >= timestamp) return;
  const path = join(backupDir, STATE_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify({ lastBackup: timestamp })}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}
