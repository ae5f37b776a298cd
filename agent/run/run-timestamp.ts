import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const STATE_NAME = '.backopper-last-run';

/**
 * The run's timestamp (unix seconds), unique per app on this host: later than the previous run's, so
 * two runs in one second (a manual run right after a scheduled one) never share file names or S3
 * keys. Waits for the clock when it must. Call under the app lock.
 */
export async function claimRunTimestamp(backupDir: string, now: () => number = Date.now): Promise<number> {
  const path = join(backupDir, STATE_NAME);
  const previous = Number((await readFile(path, 'utf8').catch(() => '0')).trim()) || 0;
  const timestamp = Math.max(Math.floor(now() / 1000), previous + 1);
  const wait = timestamp * 1000 - now();
  if (wait > 0) await sleep(wait);
  await writeFile(path, `${timestamp}\n`, { mode: 0o600 });
  return timestamp;
}
