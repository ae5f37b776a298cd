import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { snapshotFolder } from '../../common/snapshot-names';
import type { RestoreMediaConfig, SnapshotRestoreTarget } from '../config/config';
import { messageOf } from '../errors';
import { runCommand } from '../process/run-command';
import { parseRsyncStats, remoteSpec, rsyncShell } from '../steps/rsync-command';
import {
  createStagingFolder,
  findRestoreTarget,
  removeDeadStaging,
  restoreCandidates,
  type RestoreMediaReport,
  shellWord,
  stagingParents,
  stagingPath,
  swapCommands,
} from './restore-staging';

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
 * folder is never touched. When there is none (it was deleted: the disaster this is for), a whole snapshot
 * is copied into the configured place itself. The staging folder names this restore, so a backup or
 * another restore never takes it for a killed one's; staging folders of killed restores are removed
 * first (`cleaned`).
 */
export async function restoreSnapshot(
  config: RestoreMediaConfig,
  target: SnapshotRestoreTarget,
  options: { now?: () => number; signal?: AbortSignal; log: (line: string) => void },
): Promise<RestoreMediaReport> {
  const started = performance.now();
  const folder = snapshotFolder(config.media.path, config.app, config.environment);
  const where = `${config.media.host}:${posix.join(folder, target.name)}${target.path ? `/${target.path}` : ''}`;
  const report: RestoreMediaReport = {
    status: 'failed',
    app: config.app,
    archive: where,
    sha256: '',
    durationMs: 0,
  };
  let staging: string | undefined;
  try {
    const { candidates, configured } = restoreCandidates(config);
    // What restores killed before their rename left (a full copy beside the media folder): removed, and said.
    const cleaned = await removeDeadStaging(await stagingParents(candidates));
    for (const path of cleaned) options.log(`cleaned   ${path}`);
    if (cleaned.length > 0) report.cleaned = cleaned;
    const place = await findRestoreTarget(candidates, configured);
    report.live = place.mediaDir;
    const at = Math.floor((options.now ?? Date.now)() / 1000);
    // With no live folder (the disaster), a whole snapshot goes straight to the configured place.
    const gone = !place.exists && !target.path;
    const restored = gone ? place.realDir : `${place.realDir}.restored-${at}`;
    if (await lstat(restored).catch(() => undefined)) throw new Error(`${restored} already exists; not replacing it`);
    // The staging folder names this restore (so no other run takes it for a killed one's); the copy goes
    // into a folder inside it, renamed into place whole.
    staging = stagingPath(place.realDir, at);
    await createStagingFolder(staging);
    const copy = join(staging, basename(place.realDir));
    const result = await runCommand(buildRestoreRsync({ config, target, staging: copy }), {
      signal: options.signal,
    }).catch((error: unknown) => {
      throw new Error(`fetching ${where} failed: ${messageOf(error)}`, { cause: error });
    });
    const stats = parseRsyncStats(result.stdout);
    report.bytes = stats.bytes;
    if ((await readdir(copy).catch(() => [])).length === 0) throw new Error(`${where} holds nothing to restore`);
    if (!target.path && target.manifest) {
      const { files, bytes } = target.manifest;
      if (stats.files !== files || stats.bytes !== bytes)
        throw new Error(
          `${where} holds ${stats.files} files, ${stats.bytes} bytes; the run record's manifest says ${files} files, ${bytes} bytes: not restoring it`,
        );
      options.log(`fetched   ${where}: ${stats.files} files, ${stats.bytes} bytes, as the manifest says`);
    } else options.log(`fetched   ${where}: ${stats.files} files, ${stats.bytes} bytes`);
    if (gone && (await lstat(restored).catch(() => undefined)))
      throw new Error(`${restored} appeared while restoring; not replacing it`);
    await rename(copy, restored);
    report.restored = restored;
    report.path = target.path ? join(restored, target.path) : restored;
    const live = place.realDir;
    report.swap = gone
      ? []
      : target.path
        ? [`cp -a ${shellWord(join(restored, target.path))} ${shellWord(join(live, target.path))}`]
        : swapCommands(live, restored, at);
    report.status = 'succeeded';
    options.log(
      gone
        ? `restored  into ${report.path}, the configured media folder (there was none)`
        : `restored  into ${report.path}; the live folder ${place.mediaDir} is untouched`,
    );
  } catch (error) {
    report.error = messageOf(error);
    options.log(`error     ${report.error}`);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}
