/**
 * What one failed command says, pure: the app, environment, server, status and reason, from the
 * status event and whatever the lookups found.
 */
import { commandReport } from '../../common/run-report';

/** The fields of an `EC2 Command Invocation Status-change Notification` this uses. */
export interface InvocationStatusEvent {
  region: string;
  'detail-type'?: string;
  /** Absent in an `EC2 Command Status-change Notification` (the command as a whole). */
  detail: {
    'command-id': string;
    'document-name'?: string;
    'instance-id'?: string;
    status: string;
    'requested-date-time'?: string;
  };
}

/** The detail type of a command-level status event. */
export const COMMAND_STATUS_DETAIL_TYPE = 'EC2 Command Status-change Notification';
/** Shown as the server of a command no server received. */
export const NO_SERVER = 'no server';

/** What the alert says. */
export interface BackupFailure {
  /** `backup`, or `restore check` for the verify document. */
  task: string;
  app: string;
  environment: string;
  instance: string;
  /** The server's name from the run report, else the instance id, else {@link NO_SERVER}. */
  host: string;
  status: string;
  commandId: string;
  requestedAt: string;
  summary: string;
  /** The first reason, short: the first failed step's error, the report's error or the last stderr line. */
  reason: string;
  consoleUrl: string;
  /** The server's computer name from SSM (DescribeInstanceInformation), when the report named none. */
  computerName?: string;
  /** The app's newest good backup, from its run records in S3 (absent: not looked up). */
  newestGood?: NewestGood;
  /** The last lines the run printed (its progress), when it left no run report (killed, timed out). */
  lastOutput?: string[];
  /** SSM's copy of the output is cut at 24,000 characters: the run printed more than `lastOutput` shows. */
  outputCut?: boolean;
  /** For a run stopped at its time limit: the limit and the setting that raises it. */
  timeLimit?: { seconds: number | undefined; setting: string };
}

/** The newest run record whose status is `succeeded`, or why it is not known. */
export type NewestGood =
  | { kind: 'found'; at: string; ageSeconds: number }
  | { kind: 'none'; runsRead: number }
  | { kind: 'unknown'; error: string };

/** cdk.json settings of the run step's time limit, per document (`backopper.<path>` in the context). */
export const TIME_LIMIT_SETTINGS = {
  backup: 'backopper.schedule.executionTimeoutSeconds',
  'restore check': 'backopper.verify.executionTimeoutSeconds',
} as const;

/** GetCommandInvocation keeps the first this many characters of stdout. */
export const SSM_STDOUT_LIMIT = 24_000;

/** How many of the last output lines a report-less failure shows. */
export const LAST_OUTPUT_LINES = 5;

/** What the lookups found (any part may be missing). */
export interface CommandFacts {
  parameters?: Record<string, string[]>;
  stdout?: string;
  stderr?: string;
  statusDetails?: string;
  lookupError?: string;
  /** The instance's computer name (DescribeInstanceInformation). */
  computerName?: string;
  /** The app's newest good backup (run records). */
  newestGood?: NewestGood;
}

const SUMMARY_LIMIT = 1500;

/** Builds the alert from the event and whatever the lookups found. Pure. */
export function describeFailure(event: InvocationStatusEvent, facts: CommandFacts): BackupFailure {
  const { detail } = event;
  const parameter = (name: string) => facts.parameters?.[name]?.[0] ?? 'unknown';
  const instance = detail['instance-id'] ?? NO_SERVER;
  const report = commandReport(facts.stdout ?? '');
  const host = report?.host;
  const task = /verify/i.test(detail['document-name'] ?? '') ? 'restore check' : 'backup';
  const lastOutput = report ? [] : lastLines(facts.stdout ?? '');
  const timeout = Number(facts.parameters?.executionTimeout?.[0]);
  return {
    task,
    app: parameter('app'),
    environment: parameter('environment'),
    instance,
    host: typeof host === 'string' && host ? host : (facts.computerName ?? instance),
    status:
      facts.statusDetails && facts.statusDetails !== detail.status
        ? `${detail.status} (${facts.statusDetails})`
        : detail.status,
    commandId: detail['command-id'],
    requestedAt: detail['requested-date-time'] ?? 'unknown',
    summary: summarize(facts),
    reason: firstReason(detail.status, facts),
    consoleUrl: `https://${event.region}.console.aws.amazon.com/systems-manager/run-command/${detail['command-id']}${detail['instance-id'] ? `/${detail['instance-id']}` : ''}?region=${event.region}`,
    ...(facts.computerName ? { computerName: facts.computerName } : {}),
    ...(facts.newestGood ? { newestGood: facts.newestGood } : {}),
    ...(lastOutput.length > 0 ? { lastOutput } : {}),
    ...(lastOutput.length > 0 && (facts.stdout ?? '').length >= SSM_STDOUT_LIMIT ? { outputCut: true } : {}),
    ...(detail.status === 'TimedOut' && facts.statusDetails !== 'DeliveryTimedOut'
      ? {
          timeLimit: {
            seconds: Number.isInteger(timeout) && timeout > 0 ? timeout : undefined,
            setting: TIME_LIMIT_SETTINGS[task],
          },
        }
      : {}),
  };
}

/** The last non-empty lines of an output (progress lines), SSM's note lines left out. Pure. */
export function lastLines(stdout: string, count = LAST_OUTPUT_LINES): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !/^Step (?:was found|exited with code)/.test(line))
    .slice(-count)
    .map((line) => (line.length > 300 ? `${line.slice(0, 297)}...` : line));
}

/** The one reason the subject line gives. */
export function firstReason(status: string, facts: CommandFacts): string {
  const report = commandReport(facts.stdout ?? '');
  const steps = report?.steps;
  if (steps && typeof steps === 'object') {
    const failed = Object.values(steps as Record<string, { status?: string; error?: string }>).find(
      (step) => step?.status === 'failed',
    );
    if (failed) return oneLine(failed.error ?? 'a step failed');
  }
  if (typeof report?.error === 'string') return oneLine(report.error);
  const lastLine = (facts.stderr ?? '').trim().split('\n').at(-1)?.trim();
  if (lastLine) return oneLine(lastLine.replace(/^backopper: /, ''));
  if (status === 'Undeliverable' || facts.statusDetails === 'DeliveryTimedOut')
    return 'the server did not receive the command (offline, or no SSM agent)';
  const progress = lastLines(facts.stdout ?? '', 1)[0];
  if (status === 'TimedOut')
    return progress ? oneLine(progress.replace(/^backopper: /, '')) : 'it ran past its time limit';
  if (status === 'Cancelled') return 'the command was cancelled before it finished';
  return 'no output was recorded';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The failed steps from the run report (the last JSON line of stdout), else the end of stderr. */
export function summarize(facts: CommandFacts): string {
  const report = commandReport(facts.stdout ?? '');
  const steps = report?.steps;
  if (steps && typeof steps === 'object') {
    const failed = Object.entries(steps as Record<string, { status?: string; error?: string }>)
      .filter(([, step]) => step?.status === 'failed')
      .map(([name, step]) => `${name} failed: ${step.error ?? 'no details'}`);
    if (failed.length > 0) return clip(failed.join('\n'));
  }
  if (typeof report?.error === 'string') return clip(report.error);
  const stderr = (facts.stderr ?? '').trim();
  if (stderr) return clip(stderr.split('\n').slice(-10).join('\n'), true);
  const stdout = lastLines(facts.stdout ?? '');
  if (stdout.length > 0) return clip(`It printed no run report; its last output: ${stdout.join('\n')}`, true);
  if (facts.lookupError) return `The command's details could not be read: ${facts.lookupError}`;
  return 'No output was recorded: the server may be offline, or the SSM agent did not start the command.';
}

// The summary goes into a one-line message: newlines become " / ".
function clip(multiline: string, keepEnd = false): string {
  const text = multiline.replace(/\s*\n\s*/g, ' / ');
  if (text.length <= SUMMARY_LIMIT) return text;
  return keepEnd ? `...${text.slice(-SUMMARY_LIMIT)}` : `${text.slice(0, SUMMARY_LIMIT)}...`;
}
