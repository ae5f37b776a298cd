import { lstat, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RestoreMediaConfig } from '../config/config';
import { DEFAULT_MEDIA_DIRS, mediaDirCandidates, resolveMediaDir } from '../steps/archive-media';
import { checkProcess, currentProcess, type ProcessIdentity } from '../process/process-identity';

/** What `restore-media` did, for an archive or a snapshot: the last stdout line. */
export interface RestoreMediaReport {
  status: 'succeeded' | 'failed';
  app: string;
  /** `host:path` of the archive (or snapshot) on the media server. */
  archive: string;
  /** The archive's sha256 from the run record; empty for a snapshot (its manifest is checked instead). */
  sha256: string;
  bytes?: number;
  /** The live media folder (never touched) and the new folder the backup was put into. */
  live?: string;
  restored?: string;
  /** The same folder (or, for one file or folder of a snapshot, that path in it), as `backopper restore --media` prints it. */
  path?: string;
  /** The explicit swap, for an operator to run once the restored folder looks right. */
  swap?: string[];
  error?: string;
  /** Staging folders of restores killed before their rename, removed by this one. */
  cleaned?: string[];
  durationMs: number;
}

/**
 * The media folders a restore of the app looks at: its project type's (or --media-dir), else every
 * project type's defaults; `configured` says whether the place is known (so a gone folder can be
 * restored into it). Pure.
 */
export function restoreCandidates(config: Pick<RestoreMediaConfig, 'appsDir' | 'app' | 'projectType' | 'mediaDir'>): {
  candidates: string[];
  configured: boolean;
} {
  const appRoot = join(config.appsDir, config.app);
  const configured = config.projectType !== undefined || config.mediaDir !== undefined;
  const candidates = configured
    ? mediaDirCandidates(appRoot, config.projectType ?? '', config.mediaDir)
    : [...new Set(Object.values(DEFAULT_MEDIA_DIRS).flat())].map((dir) => join(appRoot, dir));
  return { candidates, configured };
}

/** The commands that swap a restored folder in for the live one (kept as `<live>.before-<ts>`). Pure. */
export function swapCommands(live: string, restored: string, at: number): string[] {
  return [`mv ${shellWord(live)} ${shellWord(`${live}.before-${at}`)}`, `mv ${shellWord(restored)} ${shellWord(live)}`];
}

/** A path as one POSIX shell word (single quotes), for the commands shown to an operator. Pure. */
export function shellWord(path: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** `.<media folder>.restoring-<ts>`: where restore-media extracts, beside the live folder. */
const STAGING = /^\..+\.restoring-\d+$/;
/** The file in a staging folder naming the restore that owns it. */
export const STAGING_OWNER = '.backopper-owner';
/** A staging folder without an owner file (killed between mkdir and the write) is dead after this long. */
const OWNERLESS_AGE_MS = 10 * 60 * 1000;

/** The staging folder's path for a restore at `at` of `realDir` (the live folder, where links lead). */
export function stagingPath(realDir: string, at: number): string {
  const name = realDir.slice(dirname(realDir).length + 1);
  return join(dirname(realDir), `.${name}.restoring-${at}`);
}

/** Creates the staging folder (0700) and records this process in it, so a later run can tell a killed restore's from a live one's. */
export async function createStagingFolder(path: string): Promise<void> {
  await mkdir(path, { mode: 0o700 });
  await writeFile(join(path, STAGING_OWNER), `${JSON.stringify(currentProcess())}\n`, { mode: 0o600 });
}

/** Where restores of these media folders put their staging folders: beside each, and beside where links lead. */
export async function stagingParents(candidates: string[]): Promise<string[]> {
  const parents = new Set<string>();
  for (const candidate of candidates) {
    parents.add(dirname(candidate));
    const real = await realpath(candidate).catch(() => undefined);
    if (real && real !== '/') parents.add(dirname(real));
  }
  return [...parents];
}

/**
 * Removes the staging folders that restores killed before their rename (SIGKILL, an SSM timeout) left
 * in `parents`: a full copy of the uploads in the web root. A folder whose owner still runs is left
 * alone. Returns the paths removed (for the report's `cleaned`).
 */
export async function removeDeadStaging(parents: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const parent of parents) {
    for (const name of await readdir(parent).catch(() => [] as string[])) {
      const path = join(parent, name);
      if (!STAGING.test(name) || !(await isDead(path))) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return removed;
}

async function isDead(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isDirectory()) return false;
  const owner = await readOwner(path);
  if (!owner || !Number.isInteger(owner.pid)) return Date.now() - info.mtimeMs > OWNERLESS_AGE_MS;
  return !checkProcess(owner).running;
}

async function readOwner(path: string): Promise<ProcessIdentity | undefined> {
  try {
    return JSON.parse(await readFile(join(path, STAGING_OWNER), 'utf8')) as ProcessIdentity;
  } catch {
    return undefined; // not written yet, or damaged: the folder's age decides
  }
}

/**
 * Where to restore: the live media folder (first candidate that exists, through links), or, when
 * none exists (the disaster restore-media is for), the first candidate whose parent folder exists:
 * the configured place. Without a project type or media dir the place is not known: refused.
 */
export async function findRestoreTarget(
  candidates: string[],
  configured: boolean,
): Promise<{ mediaDir: string; realDir: string; exists: boolean }> {
  for (const candidate of candidates) {
    if ((await stat(candidate).catch(() => undefined))?.isDirectory())
      return { ...(await resolveMediaDir(candidate)), exists: true };
  }
  const tried = candidates.join(', ');
  if (!configured)
    throw new Error(
      `no media folder: looked for ${tried}; give --project-type or --media-dir to restore into its place`,
    );
  for (const candidate of candidates) {
    if (await lstat(candidate).catch(() => undefined))
      throw new Error(`${candidate} exists but is not a folder (a broken link?); not restoring over it`);
    const parent = await realpath(dirname(candidate)).catch(() => undefined);
    if (parent && parent !== '/')
      return { mediaDir: candidate, realDir: join(parent, basename(candidate)), exists: false };
  }
  throw new Error(`no media folder and no parent folder to restore into: looked for ${tried}`);
}
