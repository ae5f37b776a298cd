import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AlreadyRunningError } from '../errors';

const LOCK_NAME = '.backopper.lock';

/**
 * Takes the per-app lock in `dir` (a file created exclusively, holding our pid). A lock whose pid is no
 * longer alive is stale (the run was killed with SIGKILL) and is taken over. Returns the release function.
 */
export async function acquireAppLock(dir: string, app: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new AlreadyRunningError(`a backup of ${app} is already running (pid ${holder}, lock ${path})`);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new AlreadyRunningError(`could not take the lock ${path} for ${app}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
