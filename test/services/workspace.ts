import { mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Folders for one agent run: apps, backups, the media tmp dir and the agent's TMPDIR (secret files). */
export interface Workspace {
  root: string;
  appsDir: string;
  backupsDir: string;
  tmpDir: string;
  /** Agent settings pointing at these folders. */
  env: Record<string, string>;
  /** Every file left in the tmp folders (should be none after any run). */
  leftovers(): string[];
  /** The app's backup folder, without the agent's own `.backopper-*` lock and state files. */
  backupFiles(app: string): string[];
  remove(): Promise<void>;
}

export async function createWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'backopper-ws-'));
  const dirs = {
    appsDir: join(root, 'apps'),
    backupsDir: join(root, 'backups'),
    tmpDir: join(root, 'tmp'),
    osTmp: join(root, 'os-tmp'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  return {
    root,
    appsDir: dirs.appsDir,
    backupsDir: dirs.backupsDir,
    tmpDir: dirs.tmpDir,
    env: {
      BACKOPPER_APPS_DIR: dirs.appsDir,
      BACKOPPER_BACKUPS_DIR: dirs.backupsDir,
      BACKOPPER_TMP_DIR: dirs.tmpDir,
      TMPDIR: dirs.osTmp,
    },
    leftovers: () => [...readdirSync(dirs.tmpDir), ...readdirSync(dirs.osTmp)],
    backupFiles: (app) => {
      try {
        // The agent's bookkeeping (lock, state, each dump's `<dump>.json` record) is not a backup file.
        return readdirSync(join(dirs.backupsDir, app))
          .filter((name) => !name.startsWith('.backopper-') && !/^\d{9,11}\.(sql\.gz|tar)\.json$/.test(name))
          .sort();
      } catch {
        return [];
      }
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
