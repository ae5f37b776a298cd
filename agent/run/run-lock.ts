import { lstat, mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AlreadyRunningError, messageOf } from '../errors';
import { type AppLock, acquireAppLock, liveLockHolder } from './lock';

/** Errors that mean "the disk has no room" rather than "something is wrong here". */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The run's lock: where it is, and a warning when it is not in the backup folder. */
export interface RunLock extends AppLock {
  path: string;
  warning?: string;
}

/**
 * Takes the app's run lock: in its backup folder, or, when that disk is full (the lock cannot be
 * written there, but the media step must still run), in `<spareDir>/.backopper-locks/<app>/`. One run
 * per app either way: a run takes its lock, then looks for a live lock in the other place, and gives
 * its own back if it finds one (of two racing runs at least one sees the other's). Throws
 * AlreadyRunningError when a live run holds either; any other failure names both places.
 */
export async function acquireRunLock(input: { backupDir: string; spareDir: string; app: string }): Promise<RunLock> {
  const { backupDir, app } = input;
  const spare = join(input.spareDir, '.backopper-locks', app);
  let lock: AppLock;
  let where = backupDir;
  let warning: string | undefined;
  try {
    lock = await acquireAppLock(backupDir, app);
  } catch (error) {
    if (!FULL.has((error as NodeJS.ErrnoException).code ?? '')) throw explain(error, backupDir);
    refuseIfHeld(await liveLockHolder(backupDir), app);
    await ensurePrivateFolder(input.spareDir, spare);
    lock = await acquireAppLock(spare, app).catch((spareError: unknown) => {
      if (spareError instanceof AlreadyRunningError) throw spareError;
      throw new Error(
        `taking the lock failed in ${backupDir} (${messageOf(error)}) and in ${spare} (${messageOf(spareError)})`,
        { cause: spareError },
      );
    });
    where = spare;
    warning = `the backups disk is full (${messageOf(error)}): this run's lock is in ${spare} instead of ${backupDir}`;
  }
  const other = await liveLockHolder(where === backupDir ? spare : backupDir);
  if (other) {
    await lock.release();
    refuseIfHeld(other, app);
  }
  if (where === backupDir) return { ...lock, path: join(where, '.backopper.lock') };
  // The spare folders go with the lock when empty (rmdir refuses a folder another run is using).
  const release = async () => {
    await lock.release();
    for (const dir of [spare, join(input.spareDir, '.backopper-locks')]) await rmdir(dir).catch(() => undefined);
  };
  return { ...lock, release, path: join(where, '.backopper.lock'), ...(warning ? { warning } : {}) };
}

function refuseIfHeld(holder: { pid: number; path: string } | undefined, app: string): void {
  if (holder)
    throw new AlreadyRunningError(`a backup of ${app} is already running (pid ${holder.pid}, lock ${holder.path})`);
}

/** A system error from writing the lock (ENOSPC) does not say where: say it. */
function explain(error: unknown, dir: string): unknown {
  if (!(error as NodeJS.ErrnoException).code || messageOf(error).includes(dir)) return error;
  return new Error(`taking the lock in ${dir} failed: ${messageOf(error)}`, { cause: error });
}

/** `<spareDir>/.backopper-locks/<app>`, 0700; refused when the shared folder is a link or someone else's. */
async function ensurePrivateFolder(spareDir: string, dir: string): Promise<void> {
  const locks = join(spareDir, '.backopper-locks');
  await mkdir(locks, { recursive: true, mode: 0o700 });
  const info = await lstat(locks);
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0)
    throw new Error(`${locks} is not a private folder of this user: not taking the lock there`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
}
