import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMediaArchiveName } from '../../common/media-archive';
import { archiveMedia, findMediaDir, mediaDirCandidates, resolveMediaDir } from './archive-media';
import type { BackupConfig } from '../config/config';
import { hostId } from '../process/process-identity';
import { createTempFolder } from '../process/temp-folder';
import { type StepReport, skipped, timeStep } from '../run/report';
import { pruneMediaArchives } from './prune-media';
import { runSnapshotSteps } from './snapshot-steps';
import { transferMedia } from './transfer-media';

export interface MediaStepsInput {
  config: BackupConfig;
  timestamp: number;
  /** The app's backup folder: where the record of pending remote copies lives. */
  backupDir: string;
  signal: AbortSignal;
  log: (line: string) => void;
}

/**
 * The media and transfer steps: archive the app's media folder (through any symlinks to it) into a
 * private temporary folder, copy it to the media server under a name unique to this run and server,
 * and remove the temporary folder whatever happened (success, failure, abort; a SIGKILLed run's
 * folder is removed by the next run, see clean-leftovers.ts).
 */
export async function runMediaSteps(
  input: MediaStepsInput,
): Promise<Record<'media' | 'transfer' | 'mediaRetention', StepReport>> {
  const { config, timestamp, signal } = input;
  const server = config.media;
  if (!server) {
    const reason = 'BACKOPPER_MEDIA_HOST is not set';
    // A media-only app without a media server saved nothing: a failure, never a green run.
    const media: StepReport =
      config.engine === 'none'
        ? { status: 'failed', error: `nothing to back up: engine none and ${reason}`, durationMs: 0 }
        : skipped(reason);
    return { media, transfer: skipped(reason), mediaRetention: skipped(reason) };
  }
  const candidates = mediaDirCandidates(join(config.appsDir, config.app), config.projectType, config.mediaDir);
  if (candidates.length === 0) {
    const reason = `no default media folder for project type ${config.projectType}; set BACKOPPER_MEDIA_DIR`;
    // A media-only app with nothing to archive saved nothing: that is a failure, never a green run.
    const media: StepReport =
      config.engine === 'none'
        ? { status: 'failed', error: `nothing to back up: engine none and ${reason}`, durationMs: 0 }
        : skipped(reason);
    return { media, transfer: skipped(reason), mediaRetention: skipped(reason) };
  }
  if (config.mediaMode === 'snapshot') return runSnapshotSteps({ config, server, candidates, timestamp, signal });
  const remoteName = formatMediaArchiveName({
    app: config.app,
    environment: config.environment,
    timestamp,
    hostId: hostId(),
  });
  const workDir = await createTempFolder(config.tmpDir ?? tmpdir(), config.app);
  try {
    let archivePath: string | undefined;
    const media = await timeStep(async () => {
      const resolved = await resolveMediaDir(await findMediaDir(candidates));
      const archive = await archiveMedia(resolved, join(workDir, remoteName), signal, {
        threads: config.compressThreads,
      });
      archivePath = archive.path;
      return {
        status: 'succeeded',
        path: resolved.mediaDir,
        ...(resolved.realDir === resolved.mediaDir ? {} : { source: resolved.realDir }),
        bytes: archive.bytes,
        sha256: archive.sha256,
        // What the archive holds, counted as tar wrote it: the media drill compares the archive with these.
        entries: archive.entries,
        fileBytes: archive.fileBytes,
        ...(archive.warning ? { warning: archive.warning } : {}),
      };
    });
    if (!archivePath)
      return { media, transfer: skipped('the media step failed'), mediaRetention: skipped('the media step failed') };
    const local = archivePath;
    let attempts = 0;
    const transfer = await timeStep(async () => {
      signal.throwIfAborted();
      const { remotePath, cleaned } = await transferMedia({
        server,
        localPath: local,
        remoteName,
        stateDir: input.backupDir,
        signal,
        log: input.log,
        onAttempt: (attempt) => (attempts = attempt),
      });
      return {
        status: 'succeeded',
        path: `${server.host}:${remotePath}`,
        bytes: media.bytes,
        sha256: media.sha256,
        ...(cleaned.length ? { cleaned } : {}),
      };
    });
    if (attempts > 0) transfer.attempts = attempts;
    // Never after a failed transfer: the archives there may be the only copies.
    const mediaRetention =
      transfer.status !== 'succeeded'
        ? skipped('the transfer failed')
        : await timeStep(async () => {
            const { deleted, warning } = await pruneMediaArchives({
              server,
              owner: {
                app: config.app,
                environment: config.environment,
                hostId: hostId(),
                appFolder: server.appFolder,
              },
              policy: { ...config.mediaKeep, timeZone: config.timeZone },
              now: timestamp,
              signal,
            });
            return { status: 'succeeded', deleted, ...(warning ? { warning } : {}) };
          });
    return { media, transfer, mediaRetention };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
