import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupConfig, MediaServer } from '../config/config';
import { hostId } from '../process/process-identity';
import { createTempFolder } from '../process/temp-folder';
import { type StepReport, skipped, timeStep } from '../run/report';
import { findMediaDir, resolveMediaDir } from './archive-media';
import { snapshotFolder } from '../../common/snapshot-names';
import { type GateSession, openGateSession } from './media-gate';
import { type SnapshotResult, selectExpiredSnapshots, writeSnapshot } from './snapshot-media';

/**
 * The media steps in snapshot mode (`BACKOPPER_MEDIA_MODE=snapshot`): `media` writes the snapshot with
 * rsync (its files, bytes and manifest), `transfer` says where it is and what went over the wire, and
 * `mediaRetention` prunes this server's older snapshots of the app, only after a complete snapshot.
 */
export async function runSnapshotSteps(input: {
  config: BackupConfig;
  server: MediaServer;
  candidates: string[];
  timestamp: number;
  signal: AbortSignal;
}): Promise<Record<'media' | 'transfer' | 'mediaRetention', StepReport>> {
  const { config } = input;
  // The run's one ssh connection (list, rsync, commit, prune): its control socket in a private (0700)
  // folder of this run, removed at the end; a killed run's folder is removed by the next run
  // (clean-leftovers.ts) and its master has exited with it (see openGateSession).
  const socketDir = await createTempFolder(config.tmpDir ?? tmpdir(), config.app);
  const server: MediaServer = { ...input.server, controlPath: join(socketDir, 'ssh') };
  let opening: Promise<GateSession> | undefined;
  try {
    const folder = snapshotFolder(server.path, config.app, config.environment);
    return await snapshotSteps({
      ...input,
      server,
      open: () => (opening = openGateSession(server, folder, input.signal)),
    });
  } finally {
    // Also a session still opening when the step failed (a missing media folder): closed once open.
    const session = await opening?.catch(() => undefined);
    await session?.close();
    await rm(socketDir, { recursive: true, force: true });
  }
}

async function snapshotSteps(input: {
  config: BackupConfig;
  server: MediaServer;
  candidates: string[];
  timestamp: number;
  signal: AbortSignal;
  /** Opens the run's gate session (closed by the caller). */
  open: () => Promise<GateSession>;
}): Promise<Record<'media' | 'transfer' | 'mediaRetention', StepReport>> {
  const { config, server, signal } = input;
  let result: SnapshotResult | undefined;
  const media = await timeStep(async () => {
    // The handshake overlaps finding the media folder; a folder that is missing fails the step all the same.
    const opening = input.open();
    opening.catch(() => undefined);
    const resolved = await resolveMediaDir(await findMediaDir(input.candidates));
    const session = await opening;
    result = await writeSnapshot({
      session,
      server,
      app: config.app,
      environment: config.environment,
      hostId: hostId(),
      timestamp: input.timestamp,
      source: resolved.realDir,
      expire: (listed) =>
        selectExpiredSnapshots({
          listed,
          hostId: hostId(),
          policy: { ...config.mediaKeep, timeZone: config.timeZone },
          now: input.timestamp,
        }),
      signal,
    });
    return {
      status: 'succeeded',
      path: resolved.mediaDir,
      ...(resolved.realDir === resolved.mediaDir ? {} : { source: resolved.realDir }),
      bytes: result.bytes,
      files: result.files,
      manifest: { files: result.files, bytes: result.bytes },
      ...(result.warning ? { warning: result.warning } : {}),
    };
  });
  if (!result) {
    const reason = 'the snapshot failed';
    return { media, transfer: skipped(reason), mediaRetention: skipped(reason) };
  }
  const done = result;
  const transfer: StepReport = {
    status: 'succeeded',
    durationMs: 0,
    path: `${server.host}:${done.path}`,
    bytes: done.bytes,
    bytesSent: done.bytesSent,
    manifest: { files: done.files, bytes: done.bytes },
    ...(done.linkedFrom ? { linkedFrom: done.linkedFrom } : {}),
    ...(done.cleaned.length ? { cleaned: done.cleaned } : {}),
  };
  // Pruned by the gate right after the rename (see writeSnapshot); its time is in the media step's.
  const warning = done.pruneWarning ? { warning: done.pruneWarning } : {};
  const mediaRetention: StepReport = done.pruneError
    ? { status: 'failed', durationMs: 0, error: done.pruneError, deleted: done.deleted, ...warning }
    : { status: 'succeeded', durationMs: 0, deleted: done.deleted, ...warning };
  return { media, transfer, mediaRetention };
}
