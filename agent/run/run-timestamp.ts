import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../errors';

const STATE_NAME = '.backopper-last-run';

/** Local names that carry a run timestamp: dumps, and dumps being written. */
const TIMESTAMPED_NAME = /^\.?(\d{9,11})\.(sql\.gz|tar)(\.partial)?$/;

/**
 * How far ahead of the clock a timestamp may be claimed (the run then waits for the clock to reach it):
 * one second for a run right after another, a few more when the clock was set back a little and the
 * folder already holds dumps of the next seconds. Past that the run fails instead of waiting.
 */
const MAX_AHEAD_SECONDS = 5;

export interface ClaimedTimestamp {
  timestamp: number;
  /** Something the run report should say: a state file ahead of the clock, a state file not written. */
  warnings: string[];
}

export interface ClaimOptions {
  /** @default Date.now */
  now?: () => number;
  /** Aborts the (short) wait for the clock. */
  signal?: AbortSignal;
  /** Claim a timestamp later than this one (the run's first one was taken in S3 by another server). */
  after?: number;
}

/**
 * The run's timestamp (unix seconds): the clock's current second unless this app's folder already
 * holds a dump of that second, or the previous run on this server (recorded in `.backopper-last-run`)
 * had it; then the next free second, waiting for the clock to reach it (about a second, abortable).
 * A timestamp is never ahead of the clock, so names and S3 keys never claim a time that has not come.
 * A recorded run ahead of the clock (the clock was set back) is reported and ignored. Call under the
 * app lock; S3's conditional writes keep keys unique across servers.
 */
export async function claimRunTimestamp(backupDir: string, options: ClaimOptions = {}): Promise<ClaimedTimestamp> {
  const now = options.now ?? Date.now;
  const statePath = join(backupDir, STATE_NAME);
  const warnings: string[] = [];
  const clock = Math.floor(now() / 1000);
  let floor = options.after === undefined ? clock : Math.max(clock, options.after + 1);

  const recorded = await readRecorded(statePath, warnings);
  if (recorded !== undefined && recorded > clock) {
    warnings.push(
      `${statePath} records a run at ${recorded} (${iso(recorded)}), ${describeSeconds(recorded - clock)} ahead of this server's clock ` +
        `(${iso(clock)}): the clock was set back; ignored it (names stay unique by the files in ${backupDir} and S3's conditional writes)`,
    );
  } else if (recorded !== undefined) {
    floor = Math.max(floor, recorded + 1);
  }

  const taken = await localTimestamps(backupDir);
  let timestamp = floor;
  while (taken.has(timestamp)) timestamp += 1;
  if (timestamp - clock > MAX_AHEAD_SECONDS) {
    throw new Error(
      `no free run timestamp within ${MAX_AHEAD_SECONDS} s of this server's clock (${clock}, ${iso(clock)}): ${backupDir} already holds dumps up to ${timestamp - 1}`,
    );
  }
  // Never name a file after a second that has not come yet: wait for it (bounded above, abortable).
  for (let wait = timestamp * 1000 - now(); wait > 0; wait = timestamp * 1000 - now()) {
    await sleep(Math.min(wait, 1000), undefined, { signal: options.signal });
  }

  await writeFile(statePath, `${timestamp}\n`, { mode: 0o600 }).catch((error: unknown) => {
    // The state file only spares a same-second rerun a look at the folder: losing it loses nothing.
    warnings.push(`could not record the run timestamp in ${statePath}: ${messageOf(error)}`);
  });
  return { timestamp, warnings };
}

async function readRecorded(path: string, warnings: string[]): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      warnings.push(`could not read ${path}: ${messageOf(error)}`);
    return undefined;
  }
  // Empty: a write that failed (disk full) left the file without its number; as good as none.
  if (text.trim() === '') return undefined;
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value <= 0) {
    warnings.push(`${path} holds ${JSON.stringify(text.trim().slice(0, 40))}, not a unix timestamp: ignored it`);
    return undefined;
  }
  return value;
}

async function localTimestamps(dir: string): Promise<Set<number>> {
  const names = await readdir(dir).catch((error: unknown) => {
    throw new Error(`cannot list ${dir}: ${messageOf(error)}`, { cause: error });
  });
  return new Set(
    names
      .map((name) => TIMESTAMPED_NAME.exec(name))
      .filter((match) => match !== null)
      .map((match) => Number(match[1])),
  );
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** About how long `seconds` is, in one unit: `3599` → `1 h`, `3456000` → `40 d`. */
export function describeSeconds(seconds: number): string {
  if (seconds >= 36 * 3600) return `${Math.round(seconds / 86_400)} d`;
  if (seconds >= 50 * 60) return `${Math.round(seconds / 3600)} h`;
  if (seconds >= 120) return `${Math.round(seconds / 60)} min`;
  return `${seconds} s`;
}
