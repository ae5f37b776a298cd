/**
 * `backopper restore <environment> <app> --media [--at <time>]`: picks a media archive from the run
 * records (the newest, or the newest at or before `--at`), then has the app's server put it back:
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
 * Picks the archive (newest first in `archives`): the newest, or with `at` the newest taken at or before
 * it; refuses one without a recorded sha256 (it could not be verified) or a location that is not an
 * archive path. Pure.
 */
export function chooseMediaArchive(archives: readonly RecordedMedia[], at?: number): RecordedMedia {
  if (archives.length === 0)
    throw new MediaRestoreRefused(
      'no media archive is recorded in the run records (is media configured, and has a transfer succeeded?)',
    );
  const chosen = at === undefined ? archives[0] : archives.find((archive) => archive.timestamp <= at);
  if (!chosen) {
    const oldest = archives[archives.length - 1] as RecordedMedia;
    throw new MediaRestoreRefused(
      `no media archive at or before ${new Date((at as number) * 1000).toISOString()}; the oldest recorded is ${new Date(oldest.timestamp * 1000).toISOString()} (${oldest.where})`,
    );
  }
  if (!chosen.sha256 || !new RegExp(RESTORE_MEDIA_PARAMETER_PATTERNS.sha256).test(chosen.sha256)) {
    throw new MediaRestoreRefused(
      `${chosen.where} has no sha256 recorded (run record ${chosen.recordKey}): it cannot be verified, so it is not restored`,
    );
  }
  if (
    !new RegExp(RESTORE_MEDIA_PARAMETER_PATTERNS.archive).test(chosen.where) ||
    chosen.where.split('/').includes('..')
  ) {
    throw new MediaRestoreRefused(
      `${JSON.stringify(chosen.where)} (run record ${chosen.recordKey}) is not a media archive location (host:path/<app>+<environment>+media_<ts>_<host id>.tar.gz)`,
    );
  }
  return chosen;
}

/** The SendCommand request: the restore document, the schedule's targets, the archive and its sha256. Pure. */
export function mediaRestoreRequest(input: {
  app: string;
  environment: string;
  archive: RecordedMedia;
  targets: SendCommandCommandInput['Targets'];
}): SendCommandCommandInput {
  return {
    DocumentName: RESTORE_MEDIA_DOCUMENT_NAME,
    Targets: input.targets,
    Parameters: {
      app: [input.app],
      environment: [input.environment],
      archive: [input.archive.where],
      sha256: [input.archive.sha256 as string],
    },
    Comment: `backopper media restore of ${input.app} (${input.environment})`,
  };
}

/** Runs the media restore; resolves with the exit status. */
export async function runMediaRestore(input: {
  context: CliContext;
  environment: string;
  app: string;
  bucket: string;
  at: number | undefined;
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
  context.stdout(
    `archive   ${archive.where}  ${archive.bytes === undefined ? 'size unknown' : formatBytes(archive.bytes)}  taken ${new Date(archive.timestamp * 1000).toISOString()} on ${archive.host}  sha256 ${(archive.sha256 as string).slice(0, 12)}`,
  );
  const ssm = context.deps.ssm ?? createAwsClient(SSMClient);
  const request = mediaRestoreRequest({ app, environment, archive, targets: schedule.request.Targets });
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
      ? `${String(report.status)}${typeof report.path === 'string' ? `: extracted into ${report.path}` : ''}${typeof report.error === 'string' ? `: ${report.error}` : ''}`
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
      lines: [...lines, 'FAILED: no server restored the archive (the app is on none of the targeted servers?)'],
    };
  return {
    ok: true,
    lines: [
      ...lines,
      `ok: restored beside the live media on ${restored.map((instance) => instance.instanceId).join(', ')}; swapping it in is a separate step (see the README, "Restoring media")`,
    ],
  };
}
