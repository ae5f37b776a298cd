import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import type { RestoreMediaConfig } from '../config/config';
import { messageOf } from '../errors';
import { runCommand } from '../process/run-command';
import { createTempFolder, removeDeadTempFolders } from '../process/temp-folder';
import {
  createStagingFolder,
  findRestoreTarget,
  removeDeadStaging,
  restoreCandidates,
  type RestoreMediaReport,
  STAGING_OWNER,
  stagingParents,
  stagingPath,
  swapCommands,
} from './restore-staging';
import { buildSftpCommand, quote } from '../steps/transfer-media';
import { restoreSnapshot } from './restore-snapshot';

/**
 * Puts a media archive back beside the live folder: fetches it from the media server over sftp into a
 * private temporary folder, checks its sha256 against the one the run record gives (a mismatch fails
 * and the download is deleted), and extracts it into a new folder `<live>.restored-<ts>` next to the
 * live one (the real folder, when the live path is a symlink: the same filesystem, so the swap is a
 * rename). The live folder is never touched; swapping is a separate step (`swap` in the report). When
 * there is no live folder (it was deleted: the disaster this is for), the archive is extracted into the
 * configured place itself. Staging folders that killed restores left are removed first (`cleaned`).
 */
export async function restoreMedia(
  config: RestoreMediaConfig,
  options: { now?: () => number; signal?: AbortSignal; log: (line: string) => void },
): Promise<RestoreMediaReport> {
  if (config.snapshot) return restoreSnapshot(config, config.snapshot, options);
  const started = performance.now();
  const remotePath = posix.join(config.media.path, config.archive);
  const report: RestoreMediaReport = {
    status: 'failed',
    app: config.app,
    archive: `${config.media.host}:${remotePath}`,
    sha256: config.sha256,
    durationMs: 0,
  };
  const workDir = await createTempFolder(config.tmpDir ?? tmpdir(), config.app);
  let staging: string | undefined;
  try {
    const { candidates, configured } = restoreCandidates(config);
    // What restores killed before their rename left (a download, a staging folder beside the media): removed, and said.
    const cleaned = [
      ...(await removeDeadTempFolders(config.tmpDir ?? tmpdir())),
      ...(await removeDeadStaging(await stagingParents(candidates))),
    ];
    for (const path of cleaned) options.log(`cleaned   ${path}`);
    if (cleaned.length > 0) report.cleaned = cleaned;
    const target = await findRestoreTarget(candidates, configured);
    report.live = target.mediaDir;
    const local = join(workDir, config.archive);
    await runCommand(buildSftpCommand(config.media), {
      input: `get ${quote(remotePath)} ${quote(local)}\n`,
      signal: options.signal,
    });
    const { sha256, bytes } = await hashFile(local);
    report.bytes = bytes;
    if (sha256 !== config.sha256) {
      await rm(local, { force: true });
      throw new Error(
        `${report.archive} has sha256 ${sha256}, the run record says ${config.sha256}: not restoring it (the download was deleted)`,
      );
    }
    options.log(`fetched   ${report.archive}, ${bytes} bytes, sha256 matches`);

    const at = Math.floor((options.now ?? Date.now)() / 1000);
    const gone = !target.exists;
    // With no live folder (the disaster), the archive goes straight to the configured place.
    const restored = gone ? target.realDir : `${target.realDir}.restored-${at}`;
    if (await lstat(restored).catch(() => undefined)) throw new Error(`${restored} already exists; not replacing it`);
    // Extracted on the live folder's filesystem, under a hidden name, then renamed into place whole;
    // tar -x recognises the compression by itself.
    staging = stagingPath(target.realDir, at);
    await createStagingFolder(staging);
    await runCommand({ file: 'tar', args: ['-xf', local, '-C', staging] }, { signal: options.signal });
    const top = (await readdir(staging)).filter((entry) => entry !== STAGING_OWNER);
    const name = basename(target.mediaDir);
    if (top.length !== 1 || top[0] !== name)
      throw new Error(
        `${report.archive} holds ${JSON.stringify(top)} at its top, expected one folder ${JSON.stringify(name)}`,
      );
    if (gone && (await lstat(restored).catch(() => undefined)))
      throw new Error(`${restored} appeared while restoring; not replacing it`);
    await rename(join(staging, name), restored);
    report.restored = restored;
    report.path = restored;
    if (gone) {
      report.swap = [];
      report.status = 'succeeded';
      options.log(`restored  into ${restored}, the configured media folder (there was none)`);
    } else {
      report.swap = swapCommands(target.realDir, restored, at);
      report.status = 'succeeded';
      options.log(`restored  into ${restored}; the live folder ${target.mediaDir} is untouched`);
    }
  } catch (error) {
    report.error = messageOf(error);
    options.log(`error     ${report.error}`);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
