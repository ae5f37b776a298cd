import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkProcess, currentProcess, type ProcessIdentity } from './process-identity';

const OWNER_FILE = '.owner';
/** `backopper-<label>.<pid>-XXXXXX`: the label (an app name may hold dots), the owner's pid, mkdtemp's suffix. */
const TEMP_FOLDER = /^backopper-(.+)\.(\d+)-[A-Za-z0-9]{6}$/;
/** Secret folders of versions before this one: their name has no pid, their runs lasted hours at most. */
const OLD_SECRET_FOLDER = /^backopper-secret-[A-Za-z0-9]{6}$/;
const OLD_SECRET_FOLDER_AGE_MS = 24 * 3600 * 1000;

/** The name prefix of this process's temporary folders for `label` (mkdtemp adds six characters). */
export function tempFolderPrefix(label: string, pid = process.pid): string {
  return `backopper-${label}.${pid}-`;
}

/** The owner pid a temporary folder's name records, or undefined for names that are not ours. */
export function parseTempFolderName(name: string): { label: string; pid: number } | undefined {
  const match = TEMP_FOLDER.exec(name);
  return match ? { label: match[1]!, pid: Number(match[2]) } : undefined;
}

/**
 * Creates a private (0700) folder in `parent` named after this pid, recording this process's full
 * identity inside, so a later run can tell a killed run's folder (to remove) from a live one's.
 */
export async function createTempFolder(parent: string, label: string): Promise<string> {
  const dir = await mkdtemp(join(parent, tempFolderPrefix(label)));
  await writeFile(join(dir, OWNER_FILE), `${JSON.stringify(currentProcess())}\n`, { mode: 0o600 });
  return dir;
}

/**
 * Removes the agent's temporary folders in `parent` whose owner is no longer running (a run killed
 * with SIGKILL leaves its media archive there), and secret folders of older versions left for more
 * than a day. Folders of live runs are never touched. Returns the paths removed.
 */
export async function removeDeadTempFolders(parent: string): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(parent, name);
    const parsed = parseTempFolderName(name);
    const dead = parsed
      ? !checkProcess((await readOwner(path)) ?? { pid: parsed.pid }).running
      : OLD_SECRET_FOLDER.test(name) && (await isOlderThan(path, OLD_SECRET_FOLDER_AGE_MS));
    if (!dead || !(await isDirectory(path))) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

async function readOwner(dir: string): Promise<ProcessIdentity | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as ProcessIdentity;
    return Number.isInteger(parsed.pid) ? parsed : undefined;
  } catch {
    return undefined; // not written yet (its owner is starting) or damaged: the pid in the name decides
  }
}

/** A real folder, not a link to one. */
async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isOlderThan(path: string, ageMs: number): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > ageMs;
}
