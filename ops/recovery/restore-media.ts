/**
 * `backopper restore <environment> <app> --media [--at <time>] [--path <p>]`: picks a media archive or
 * snapshot from the run records (the newest, or the newest at or before `--at`), then has the app's
 * server put it back (a snapshot whole, or with `--path` one file or folder of it):
 * SendCommand of the `Backopper-RestoreMedia` document to the servers the app's backup schedule
 * targets, which runs `backopper-agent restore-media --app <app> --archive <host:path> --sha256 <hex>`
 * there (the servers hold the media server's key; the operator's machine does not). Servers without
 * the app skip it. The agent fetches the archive, verifies the recorded sha256 and extracts it into a
 * new folder beside the live uploads; swapping it in is a separate, explicit step.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import { type SendCommandCommandInput, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { formatBytes } from '../../common/format';
import { RESTORE_MEDIA_DOCUMENT_NAME, RESTORE_MEDIA_PARAMETER_PATTERNS } from '../../common/names';
import { createAwsClient } from '../../control/aws-clients';
import { requireKnownEnvironments } from '../../control/config';
import { type RecordedMedia, recordedMedia } from '../../control/recorded-backups';
import { describeUnreadable, readRunRecords } from '../../control/run-records';
import { noScheduleIn } from '../commands/known-apps';
import type { CliContext } from '../commands/types';
import { followCommand, type FollowResult } from '../run/follow-command';
import { readAppSchedule } from '../run/read-schedule';
import { loadOversightConfig } from '../status/config';
import { createS3Client } from './s3-client';

/** How many run records a media restore reads to find the archive. */
export const MEDIA_RESTORE_RUNS = 200;

/** Thrown when no archive can be restored: nothing recorded, nothing old enough, no sha256 recorded. */
export class MediaRestoreRefused extends Error {
  override name = 'MediaRestoreRefused';
}

/**
 * Picks the archive or snapshot (newest first in `archives`): the newest, or with `at` the newest taken
 * at or before it. An archive needs a recorded sha256, a snapshot its recorded manifest (file count and
 * bytes): without one it could not be verified, so it is refused, as is a location the restore
 * document's patterns would refuse. Pure.
 */
export function chooseMediaArchive(archives: readonly RecordedMedia[], at?: number): RecordedMedia {
  if (archives.length === 0)
    throw new MediaRestoreRefused(
      'no media archive or snapshot is recorded in the run records (is media configured, and has a transfer succeeded?)',
    );
  const chosen = at === undefined ? archives[0] : archives.find((archive) => archive.timestamp <= at);
  if (!chosen) {
    const oldest = archives[archives.length - 1] as RecordedMedia;
    throw new MediaRestoreRefused(
      `no media backup at or before ${new Date((at as number) * 1000).toISOString()}; the oldest recorded is ${new Date(oldest.timestamp * 1000).toISOString()} (${oldest.where})`,
    );
  }
  const matches = (name: keyof typeof RESTORE_MEDIA_PARAMETER_PATTERNS, value: string) =>
    new RegExp(RESTORE_MEDIA_PARAMETER_PATTERNS[name]).test(value);
  if (isSnapshot(chosen)) {
    const { files, bytes } = chosen.manifest;
    if (!matches('manifestFiles', String(files)) || !matches('manifestBytes', String(bytes)))
      throw new MediaRestoreRefused(
        `${chosen.where} (run record ${chosen.recordKey}) has no usable manifest (${JSON.stringify(chosen.manifest)}): it cannot be verified, so it is not restored`,
      );
    if (!matches('snapshot', chosen.where))
      throw new MediaRestoreRefused(
        `${JSON.stringify(chosen.where)} (run record ${chosen.recordKey}) is not a media snapshot location (host:<media path>/snapshots/<app>@<environment>/<ts>_<host id>)`,
      );
    return chosen;
  }
  if (!chosen.sha256 || !matches('sha256', chosen.sha256)) {
    throw new MediaRestoreRefused(
      `${chosen.where} has no sha256 recorded (run record ${chosen.recordKey}): it cannot be verified, so it is not restored`,
    );
  }
  if (!matches('archive', chosen.where) || chosen.where.split('/').includes('..')) {
    throw new MediaRestoreRefused(
      `${JSON.stringify(chosen.where)} (run record ${chosen.recordKey}) is not a media archive location (host:path/<app>+<environment>+media_<ts>_<host id>.tar.gz)`,
    );
  }
  return chosen;
}

/** A snapshot (media mode `snapshot`): its run record gives a manifest and no sha256. */
export function isSnapshot(
  media: RecordedMedia,
): media is RecordedMedia & { manifest: { files: number; bytes: number } } {
  return media.manifest !== undefined && media.sha256 === undefined;
}

/**
 * `--path` of a snapshot restore: a file or folder inside the uploads, relative, as the restore
 * document's pattern accepts it (trailing slashes dropped). Throws naming what is wrong. Pure.
 */
export function checkRestorePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (!new RegExp(RESTORE_MEDIA_PARAMETER_PATTERNS.path).test(trimmed))
    throw new Error(
      `--path ${JSON.stringify(path)} is not a file or folder inside the uploads: a relative path (no leading /), its names letters, digits and _ @ + = , - joined by single dots (no . or .., no hidden names, no blanks)`,
    );
  return trimmed;
}

/** The SendCommand request: the restore document, the schedule's targets, the archive and its sha256 (or the snapshot, its path and manifest). Pure. */
export function mediaRestoreRequest(input: {
  app: string;
  environment: string;
  archive: RecordedMedia;
  path?: string;
  targets: SendCommandCommandInput['Targets'];
}): SendCommandCommandInput {
  const { archive } = input;
  const chosen: Record<string, string[]> = isSnapshot(archive)
    ? {
        snapshot: [archive.where],
        ...(input.path ? { path: [input.path] } : {}),
        manifestFiles: [String(archive.manifest.files)],
        manifestBytes: [String(archive.manifest.bytes)],
      }
    : { archive: [archive.where], sha256: [archive.sha256 as string] };
  return {
    DocumentName: RESTORE_MEDIA_DOCUMENT_NAME,
    Targets: input.targets,
    Parameters: { app: [input.app], environment: [input.environment], ...chosen },
    Comment: `backopper media restore of ${input.app} (${input.environment})${input.path ? `: ${input.path}` : ''}`,
  };
}

/** Runs the media restore; resolves with the exit status. */
export async function runMediaRestore(input: {
  context: CliContext;
  environment: string;
  app: string;
  bucket: string;
  at: number | undefined;
  /** Snapshot mode: one file or folder inside the uploads (checked with {@link checkRestorePath}). */
  path?: string;
  timeoutSeconds: number;
}): Promise<number> {
  const { context, environment, app, bucket } = input;
  const config = loadOversightConfig(await context.settings(['BACKOPPER_ENVIRONMENTS']));
  requireKnownEnvironments(config.environments, [environment], '<environment>');
  const schedule = await readAppSchedule({ config, environment, app, deps: context.deps });
  // No schedule, no known servers: "no such app" (exit 3), as in every command.
  if (!schedule) throw await noScheduleIn({ app, environment, config, deps: context.deps });
  const s3 = context.deps.s3 ?? createS3Client(context.env);
  const records = await readRunRecords({ client: s3, bucket, app, environment, limit: MEDIA_RESTORE_RUNS });
  for (const entry of records.unreadable) context.stderr(`backopper restore: ${describeUnreadable(bucket, entry)}`);
  let archive: RecordedMedia;
  try {
    archive = chooseMediaArchive(recordedMedia(records.records), input.at);
  } catch (error) {
    if (!(error instanceof MediaRestoreRefused)) throw error;
    context.stderr(`backopper restore: ${app} (${environment}): ${error.message}`);
    return 1;
  }
  if (input.path !== undefined && !isSnapshot(archive)) {
    context.stderr(
      `backopper restore: ${app} (${environment}): --path restores one file or folder of a snapshot; ${archive.where} is an archive (restore it whole)`,
    );
    return 1;
  }
  const taken = `taken ${new Date(archive.timestamp * 1000).toISOString()} on ${archive.host}`;
  context.stdout(
    isSnapshot(archive)
      ? `snapshot  ${archive.where}  ${archive.manifest.files} files, ${formatBytes(archive.manifest.bytes)}  ${taken}${input.path ? `  only ${input.path}` : ''}`
      : `archive   ${archive.where}  ${archive.bytes === undefined ? 'size unknown' : formatBytes(archive.bytes)}  ${taken}  sha256 ${(archive.sha256 as string).slice(0, 12)}`,
  );
  const ssm = context.deps.ssm ?? createAwsClient(SSMClient);
  const request = mediaRestoreRequest({
    app,
    environment,
    archive,
    ...(input.path ? { path: input.path } : {}),
    targets: schedule.request.Targets,
  });
  const sent = await ssm.send(new SendCommandCommand(request));
  const commandId = sent.Command?.CommandId as string;
  context.stdout(
    `command   ${commandId} (${RESTORE_MEDIA_DOCUMENT_NAME}) to ${schedule.request.Targets.map((target) => `${target.Key}=${target.Values.join(',')}`).join(' ')}`,
  );
  const clock = context.deps.now ?? (() => new Date());
  const result = await followCommand({
    ssm,
    commandId,
    timeoutMs: input.timeoutSeconds * 1000,
    intervalMs: 5000,
    sleep: context.deps.sleep ?? realSleep,
    now: () => clock().getTime(),
  });
  const { ok, lines } = judgeMediaRestore(result, input.timeoutSeconds);
  for (const line of lines) context.stdout(line);
  return ok ? 0 : 1;
}

/** Each server's outcome and the verdict: ok when the command succeeded and some server restored it. Pure. */
export function judgeMediaRestore(result: FollowResult, timeoutSeconds: number): { ok: boolean; lines: string[] } {
  const lines = result.instances.map((instance) => {
    const report = instance.report;
    const detail = report
      ? `${String(report.status)}${typeof report.path === 'string' ? `: restored into ${report.path}` : ''}${typeof report.error === 'string' ? `: ${report.error}` : ''}`
      : `no report${instance.stderrTail ? ` (stderr: ${instance.stderrTail.split('\n').at(-1)})` : ''}`;
    return `${instance.instanceId}  ${instance.status}  exit ${instance.responseCode}  ${detail}`;
  });
  const restored = result.instances.filter(
    (instance) => instance.status === 'Success' && instance.report?.status === 'succeeded',
  );
  if (result.timedOut)
    return {
      ok: false,
      lines: [
        ...lines,
        `TIMED OUT: still ${result.status} after ${timeoutSeconds}s; the command keeps running (aws ssm list-command-invocations --command-id ${result.commandId} --details)`,
      ],
    };
  if (result.status !== 'Success')
    return { ok: false, lines: [...lines, `FAILED: ${result.status}; nothing was swapped in`] };
  if (restored.length === 0)
    return {
      ok: false,
      lines: [...lines, 'FAILED: no server restored it (the app is on none of the targeted servers?)'],
    };
  return {
    ok: true,
    lines: [
      ...lines,
      `ok: restored beside the live media on ${restored.map((instance) => instance.instanceId).join(', ')}; swapping it in is a separate step (see the README, "Restoring media")`,
    ],
  };
}
