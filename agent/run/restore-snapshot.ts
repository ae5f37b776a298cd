import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { snapshotFolder } from '../../common/snapshot-names';
import type { RestoreMediaConfig, SnapshotRestoreTarget } from '../config/config';
import { messageOf } from '../errors';
import { runCommand } from '../process/run-command';
import { DEFAULT_MEDIA_DIRS, findMediaDir, mediaDirCandidates, resolveMediaDir } from '../steps/archive-media';
import { parseRsyncStats, remoteSpec, rsyncShell } from '../steps/rsync-command';

/** What a snapshot restore did: the shape of restore-media's report (`archive` names the snapshot, no sha256). */
export interface SnapshotRestoreReport {
  status: 'succeeded' | 'failed';
  app: string;
  archive: string;
  sha256: string;
  bytes?: number;
  live?: string;
  restored?: string;
  path?: string;
  swap?: string[];
  error?: string;
  durationMs: number;
}

/**
 * `rsync` from the snapshot on the media server (through the key's rrsync, read side) into `staging`:
 * the whole snapshot, or with `path` that one file or folder, keeping its place (`--relative` from the
 * snapshot's root, marked `/./`). Pure.
 */
export function buildRestoreRsync(input: {
  config: Pick<RestoreMediaConfig, 'media' | 'app' | 'environment'>;
  target: Pick<SnapshotRestoreTarget, 'name' | 'path'>;
  staging: string;
  /** Only list (`--dry-run`): the sender's counts, nothing copied. The media drill checks a snapshot so. */
  dryRun?: boolean;
}): { file: string; args: string[] } {
  const { config, target } = input;
  const root = posix.join(snapshotFolder(config.media.path, config.app, config.environment), target.name);
  const source = target.path ? `${root}/./${target.path}` : `${root}/`;
  return {
    file: 'rsync',
    args: [
      '-a',
      '--numeric-ids',
      '--stats',
      ...(input.dryRun ? ['--dry-run'] : []),
      ...(target.path ? ['--relative'] : []),
      '-e',
      rsyncShell(config.media),
      '--',
      remoteSpec(config.media, source),
      `${input.staging}/`,
    ],
  };
}

/**
 * Puts a snapshot (or one file or folder of it) back beside the live media folder, in a new folder
 * `<live>.restored-<ts>` (the live folder's filesystem, through any symlink, so a swap is a rename). It is
 * copied under a hidden name first and renamed when complete; a whole-folder restore is checked against
 * the manifest the run record gives (file count and bytes), and a mismatch deletes it and fails. The live
 * folder is never touched.
 */
export async function restoreSnapshot(
  config: RestoreMediaConfig,
  target: SnapshotRestoreTarget,
  options: { now?: () => number; signal?: AbortSignal; log: (line: string) => void },
): Promise<SnapshotRestoreReport> {
  const started = performance.now();
  const folder = snapshotFolder(config.media.path, config.app, config.environment);
  const where = `${config.media.host}:${posix.join(folder, target.name)}${target.path ? `/${target.path}` : ''}`;
  const report: SnapshotRestoreReport = {
    status: 'failed',
    app: config.app,
    archive: where,
    sha256: '',
    durationMs: 0,
  };
  let staging: string | undefined;
  try {
    const appRoot = join(config.appsDir, config.app);
    const candidates =
      config.projectType || config.mediaDir
        ? mediaDirCandidates(appRoot, config.projectType ?? '', config.mediaDir)
        : [...new Set(Object.values(DEFAULT_MEDIA_DIRS).flat())].map((dir) => join(appRoot, dir));
    const resolved = await resolveMediaDir(await findMediaDir(candidates));
    report.live = resolved.mediaDir;
    const at = Math.floor((options.now ?? Date.now)() / 1000);
    const parent = dirname(resolved.realDir);
    const restored = join(parent, `${basename(resolved.realDir)}.restored-${at}`);
    if (await stat(restored).catch(() => undefined)) throw new Error(`${restored} already exists; not replacing it`);
    staging = join(parent, `.${basename(resolved.realDir)}.restoring-${at}`);
    await mkdir(staging, { mode: 0o700 });
    const result = await runCommand(buildRestoreRsync({ config, target, staging }), { signal: options.signal }).catch(
      (error: unknown) => {
        throw new Error(`fetching ${where} failed: ${messageOf(error)}`, { cause: error });
      },
    );
    const stats = parseRsyncStats(result.stdout);
    report.bytes = stats.bytes;
    if ((await readdir(staging)).length === 0) throw new Error(`${where} holds nothing to restore`);
    if (!target.path && target.manifest) {
      const { files, bytes } = target.manifest;
      if (stats.files !== files || stats.bytes !== bytes)
        throw new Error(
          `${where} holds ${stats.files} files, ${stats.bytes} bytes; the run record's manifest says ${files} files, ${bytes} bytes: not restoring it`,
        );
      options.log(`fetched   ${where}: ${stats.files} files, ${stats.bytes} bytes, as the manifest says`);
    } else options.log(`fetched   ${where}: ${stats.files} files, ${stats.bytes} bytes`);
    await rename(staging, restored);
    staging = undefined;
    report.restored = restored;
    report.path = target.path ? join(restored, target.path) : restored;
    report.swap = target.path
      ? [`cp -a ${shellWord(join(restored, target.path))} ${shellWord(join(resolved.realDir, target.path))}`]
      : [
          `mv ${shellWord(resolved.realDir)} ${shellWord(`${resolved.realDir}.before-${at}`)}`,
          `mv ${shellWord(restored)} ${shellWord(resolved.realDir)}`,
        ];
    report.status = 'succeeded';
    options.log(`restored  into ${report.path}; the live folder ${resolved.mediaDir} is untouched`);
  } catch (error) {
    report.error = messageOf(error);
    options.log(`error     ${report.error}`);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

/** A path as one POSIX shell word (single quotes), for the commands shown to an operator. */
function shellWord(path: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
