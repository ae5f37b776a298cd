import { randomBytes } from 'node:crypto';
import { link, open, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AlreadyRunningError } from '../errors';
import { checkProcess, currentProcess, type ProcessIdentity } from '../process/process-identity';

const LOCK_NAME = '.backopper.lock';
/** Rounds of "create, or judge and take over": enough for any number of racers, bounded all the same. */
const MAX_ROUNDS = 50;

/** A held per-app lock. */
export interface AppLock {
  release(): Promise<void>;
  /** The dead run's lock this run took over, and why it was dead (for the report). */
  tookOver?: string;
}

/** A lock file as read: who it names, and which file it was (a takeover removes only that one). */
interface HeldLock {
  identity: ProcessIdentity | undefined;
  content: string;
  ino: number;
  mtimeMs: number;
}

/**
 * Takes the per-app lock `<dir>/.backopper.lock`, a file naming our pid, start time and boot id. A
 * lock whose process is gone (SIGKILL), whose pid now belongs to another process, or that was written
 * before the last reboot is stale and is taken over, by exactly one of any runs that find it at once:
 * the lock appears only by link() (atomic, complete, fails if it exists) and a stale one is removed
 * only by the run that claimed it, with an exclusive `<lock>.takeover-<inode>` file, and only if it is
 * still the same file with the same content. Throws AlreadyRunningError when a live run holds it.
 */
export async function acquireAppLock(dir: string, app: string): Promise<AppLock> {
  const path = join(dir, LOCK_NAME);
  const content = `${JSON.stringify(currentProcess())}\n`;
  await removeDeadCandidates(dir);
  let tookOver: string | undefined;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    if (await createExclusive(path, content)) {
      return { release: () => removeIfSame(path, content), ...(tookOver ? { tookOver } : {}) };
    }
    const held = await readLock(path);
    if (!held) continue; // released in between
    const liveness = held.identity
      ? checkProcess(held.identity, held.mtimeMs)
      : ({ running: false, reason: 'unreadable' } as const);
    if (liveness.running)
      throw new AlreadyRunningError(`a backup of ${app} is already running (pid ${held.identity!.pid}, lock ${path})`);
    if (await removeStale(path, held, content)) tookOver = `${path} (${liveness.reason})`;
    else await sleep(5 + round); // another run is taking it over: its new lock decides
  }
  throw new AlreadyRunningError(`could not take the lock ${path} for ${app}: other runs kept taking it`);
}

/** The live run holding the lock in `dir`, if any (a dead or unreadable lock is no holder). */
export async function liveLockHolder(dir: string): Promise<{ pid: number; path: string } | undefined> {
  const path = join(dir, LOCK_NAME);
  const held = await readLock(path).catch(() => undefined);
  if (!held?.identity || !checkProcess(held.identity, held.mtimeMs).running) return undefined;
  return { pid: held.identity.pid, path };
}

/** Creates `path` holding `content` only if it does not exist: written under a unique name, then linked. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const candidate = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  try {
    await writeFile(candidate, content, { flag: 'wx', mode: 0o600 });
    await link(candidate, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(candidate).catch(() => undefined);
  }
}

/** Removes the stale lock `held` if this run wins the claim on it; true when it did. */
async function removeStale(path: string, held: HeldLock, content: string): Promise<boolean> {
  const claim = `${path}.takeover-${held.ino}`;
  if (!(await createExclusive(claim, content))) {
    // A claim whose run died mid-takeover would block this lock for ever: remove it when its run is gone.
    const claimant = await readLock(claim);
    if (claimant?.identity && !checkProcess(claimant.identity).running) await removeIfSame(claim, claimant.content);
    return false;
  }
  try {
    const now = await readLock(path);
    if (!now || now.ino !== held.ino || now.content !== held.content) return false;
    await unlink(path);
    return true;
  } finally {
    await unlink(claim).catch(() => undefined);
  }
}

async function readLock(path: string): Promise<HeldLock | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const [info, content] = await Promise.all([handle.stat(), handle.readFile('utf8')]);
    return { identity: parseIdentity(content), content, ino: info.ino, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** This version's JSON, or the plain pid of older versions. */
function parseIdentity(content: string): ProcessIdentity | undefined {
  const text = content.trim();
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const parsed = JSON.parse(text) as Partial<ProcessIdentity>;
    if (!Number.isInteger(parsed.pid) || parsed.pid! <= 0) return undefined;
    return {
      pid: parsed.pid!,
      ...(Number.isInteger(parsed.startTime) ? { startTime: parsed.startTime } : {}),
      ...(typeof parsed.bootId === 'string' ? { bootId: parsed.bootId } : {}),
    };
  } catch {
    return undefined;
  }
}

async function removeIfSame(path: string, content: string): Promise<void> {
  const now = await readLock(path);
  if (now?.content === content) await unlink(path).catch(() => undefined);
}

/**
 * What runs killed mid-lock left: candidate files (`.backopper.lock.<pid>.<hex>.new`, written but not
 * yet linked) and takeover claims (`.backopper.lock.takeover-<inode>`) whose run is gone.
 */
async function removeDeadCandidates(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const candidate = /^\.backopper\.lock(?:\.takeover-\d+)?\.(\d+)\.[0-9a-f]+\.new$/.exec(name);
    if (candidate && !checkProcess({ pid: Number(candidate[1]) }).running)
      await unlink(join(dir, name)).catch(() => undefined);
    if (!/^\.backopper\.lock\.takeover-\d+$/.test(name)) continue;
    const claimant = await readLock(join(dir, name));
    if (claimant?.identity && !checkProcess(claimant.identity).running)
      await removeIfSame(join(dir, name), claimant.content);
  }
}
