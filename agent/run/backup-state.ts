import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The app's backup state, `.backopper-state.json` in its backup folder: when its last successful backup was made. */
const STATE_FILE = '.backopper-state.json';

export interface BackupState {
  /** Unix seconds of the newest successful backup (a dump that succeeded, or for media-only apps a transfer). */
  lastBackup?: number;
  /** Unix seconds of the newest successful media transfer (the media tier is counted from it). */
  lastMedia?: number;
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
  const isTime = (time: unknown): time is number => typeof time === 'number' && Number.isInteger(time) && time > 0;
  const { lastBackup, lastMedia } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (!isTime(lastBackup) && !isTime(lastMedia)) {
    return {
      state: {},
      warning: `${path} does not hold {"lastBackup": <unix seconds>}; the previous backup is unknown, this one is tagged yearly`,
    };
  }
  const after = [lastBackup, lastMedia].find((time) => isTime(time) && time > now);
  if (after !== undefined)
    return {
      state: {},
      warning: `${path} names a backup at ${after as number}, after this run (${now}); the previous backup is unknown, this one is tagged yearly`,
    };
  // lastMedia is missing in states of versions before the media tier: unknown, so the next archive's record is kept longest.
  return { state: { ...(isTime(lastBackup) ? { lastBackup } : {}), ...(isTime(lastMedia) ? { lastMedia } : {}) } };
}

/**
 * Records what a run made at `timestamp`: a backup (`backup`) and/or a media archive on the media
 * server (`media`). Never moves a time back; atomic.
 */
export async function recordSuccessfulBackup(
  backupDir: string,
  made: { timestamp: number; backup: boolean; media: boolean },
  previous: BackupState,
): Promise<void> {
  const later = (before: number | undefined, now: boolean) =>
    now && (before === undefined || before < made.timestamp) ? made.timestamp : before;
  const next: BackupState = {
    lastBackup: later(previous.lastBackup, made.backup),
    lastMedia: later(previous.lastMedia, made.media),
  };
  if (next.lastBackup === previous.lastBackup && next.lastMedia === previous.lastMedia) return;
  const path = join(backupDir, STATE_FILE);
  try {
    await writeFile(`${path}.tmp`, `${JSON.stringify(next)}\n`, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  } catch (error) {
    await rm(`${path}.tmp`, { force: true }); // a full disk: leave no half-written state behind
    throw error;
  }
}
