import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaArchiveName } from '../../common/app-spec';
import { archiveMedia, findMediaDir, mediaDirCandidates } from './archive-media';
import type { BackupConfig } from '../config/config';
import { type StepReport, skipped, timeStep } from '../run/report';
import { transferMedia } from './transfer-media';

/**
 * The media and transfer steps: archive the app's media folder into a private temporary folder, copy
 * it to the media server, and remove the temporary folder whatever happened (success, failure, abort).
 */
export async function runMediaSteps(config: BackupConfig, timestamp: number, signal: AbortSignal): Promise<Record<'media' | 'transfer', StepReport>> {
  const server = config.media;
  if (!server) {
    const reason = 'BACKOPPER_MEDIA_HOST is not set';
    return { media: skipped(reason), transfer: skipped(reason) };
  }
  const candidates = mediaDirCandidates(join(config.appsDir, config.app), config.projectType, config.mediaDir);
  if (candidates.length === 0) {
    const reason = `no default media folder for project type ${config.projectType}; set BACKOPPER_MEDIA_DIR`;
    return { media: skipped(reason), transfer: skipped(reason) };
  }
  const workDir = await mkdtemp(join(config.tmpDir ?? tmpdir(), `backopper-${config.app}-`));
  try {
    let archivePath: string | undefined;
    const media = await timeStep(async () => {
      const mediaDir = await findMediaDir(candidates);
      const archive = await archiveMedia(mediaDir, join(workDir, mediaArchiveName(timestamp)), signal);
      archivePath = archive.path;
      return { status: 'succeeded', path: mediaDir, bytes: archive.bytes, sha256: archive.sha256, ...(archive.warning ? { warning: archive.warning } : {}) };
    });
    if (!archivePath) return { media, transfer: skipped('the media step failed') };
    const local = archivePath;
    const transfer = await timeStep(async () => {
      signal.throwIfAborted();
      const remotePath = await transferMedia(server, local, mediaArchiveName(timestamp), signal);
      return { status: 'succeeded', path: `${server.host}:${remotePath}`, bytes: media.bytes, sha256: media.sha256 };
    });
    return { media, transfer };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
