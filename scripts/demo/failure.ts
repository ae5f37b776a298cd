/**
 * The demo's failure, as an operator meets it: the alert the describe-failure Lambda would send for a
 * failed command (its pure core, fed the real run's output) and the commands recorded in a Run Command
 * fake, so `backopper status` reads them as it reads SSM's history.
 */
import type { AlertMessage } from '../../lambda/describe-failure/alert-text';
import { alertMessages } from '../../lambda/describe-failure/digest';
import { describeFailure } from '../../lambda/describe-failure/failure';
import { DOCUMENT_PARAMETER_PATTERNS } from '../../infra/constructs/backup-document';
import { BACKUP_DOCUMENT_NAME } from '../../common/names';
import { FakeRunCommand } from '../../test/fakes/fake-run-command';
import type { DocumentRun } from '../../test/infra/document-runner';

/** The demo server's instance id. */
export const DEMO_INSTANCE = 'i-0demo0000000000a';
const REGION = 'eu-west-1';

/** A Run Command history the demo fills with what its document runs really printed. */
export function createRunHistory(): FakeRunCommand {
  return new FakeRunCommand({
    documents: { [BACKUP_DOCUMENT_NAME]: DOCUMENT_PARAMETER_PATTERNS },
    now: () => new Date(),
  }).addInstance(DEMO_INSTANCE, { 'backopper:environment': 'live' });
}

/** Records one document run, as SSM would have it after the schedule's SendCommand; returns its command id. */
export function recordRun(
  history: FakeRunCommand,
  input: { request: Record<string, unknown>; run: DocumentRun; at: Date },
): string {
  const { run } = input;
  return history.seedCommand({
    request: input.request as unknown as Parameters<FakeRunCommand['seedCommand']>[0]['request'],
    requestedAt: input.at,
    outcomes: {
      [DEMO_INSTANCE]: {
        status: run.exitCode === 0 ? 'Success' : 'Failed',
        responseCode: run.exitCode ?? -1,
        stdout: run.stdout,
        stderr: run.stderr,
      },
    },
  }).commandId;
}

/** The alert the describe-failure Lambda builds for a failed run of the backup document. */
export function alertFor(input: {
  commandId: string;
  parameters: Record<string, string>;
  run: DocumentRun;
  at: Date;
}): AlertMessage {
  const failure = describeFailure(
    {
      region: REGION,
      'detail-type': 'EC2 Command Invocation Status-change Notification',
      detail: {
        'command-id': input.commandId,
        'document-name': BACKUP_DOCUMENT_NAME,
        'instance-id': DEMO_INSTANCE,
        status: 'Failed',
        'requested-date-time': input.at.toISOString(),
      },
    },
    {
      parameters: Object.fromEntries(Object.entries(input.parameters).map(([key, value]) => [key, [value]])),
      stdout: input.run.stdout,
      stderr: input.run.stderr,
      statusDetails: 'Failed',
    },
  );
  const [message] = alertMessages([failure]);
  if (!message) throw new Error('the describer built no alert for a failed run');
  return message;
}
