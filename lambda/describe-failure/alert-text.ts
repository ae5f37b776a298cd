/**
 * The words of an alert, pure: a subject and first line that say what failed, where and why
 * (`Backopper: backup of shop (live) failed on web-1: mysqldump: Access denied`), and one message per
 * environment for a burst (digest.ts). SNS subjects must be ASCII, without line breaks or control
 * characters, and shorter than 100 characters: {@link safeSubject} folds, flattens and cuts them to fit.
 */
import { formatAge } from '../../control/freshness/assess';
import { errorCrux } from './crux';
import { type BackupFailure, NO_SERVER } from './failure';

/** SNS: a subject must be less than 100 characters. */
export const MAX_SUBJECT_LENGTH = 99;

/** One alert, ready to publish. */
export interface AlertMessage {
  environment: string;
  subject: string;
  /** Plain text: the first line repeats the subject in full (not cut), then one block per failure. */
  text: string;
}

/** ASCII printable, one line, at most `max` characters (cut at a word with "..." when longer). */
export function safeSubject(text: string, max = MAX_SUBJECT_LENGTH): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (ascii.length <= max) return ascii;
  const cut = ascii.slice(0, max - 3);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}...`;
}

/**
 * `backup of shop (live) failed on web-1: Access denied for user 'shop'`, the words of one failure. With
 * `crux` (subjects) the reason loses its tool prefixes first, so the part a person acts on survives the cut.
 */
export function failureHeadline(failure: BackupFailure, options: { crux?: boolean } = {}): string {
  const run = `${failure.task} of ${failure.app} (${failure.environment})`;
  const status = failure.status.split(' ')[0] ?? failure.status;
  const verb = VERBS[status] ?? `ended ${status}`;
  if (failure.host === NO_SERVER) return `${run} ${verb} before any server ran it`;
  const reason = options.crux ? errorCrux(failure.reason) : failure.reason;
  return `${run} ${verb} ${status === 'Undeliverable' ? 'to' : 'on'} ${failure.host}: ${reason}`;
}

const VERBS: Record<string, string> = {
  Failed: 'failed',
  TimedOut: 'timed out',
  Cancelled: 'was cancelled',
  Undeliverable: 'could not be delivered',
};

/** The block of one failure in an alert: what, where, the newest good backup, what to run next, details. */
export function failureBlock(failure: BackupFailure): string[] {
  const server =
    failure.host === failure.instance || failure.instance === NO_SERVER
      ? failure.instance
      : `${failure.host} (${failure.instance})`;
  const commands = `backopper logs ${failure.environment} ${failure.app}   then   backopper run ${failure.environment} ${failure.app}`;
  return [
    `- ${failureHeadline(failure)}`,
    `  server ${server}, status ${failure.status}, requested ${failure.requestedAt}, command ${failure.commandId}`,
    ...(failure.newestGood ? [`  newest good backup: ${describeNewestGood(failure.newestGood)}`] : []),
    ...timeLimitLines(failure),
    `  details: ${failure.summary}`,
    `  next: ${commands}`,
    `  output: ${failure.consoleUrl}`,
  ];
}

/** `2026-11-27T01:10:00Z (1d 0h ago)`, `none in the newest 20 run records`, or why it is unknown. */
export function describeNewestGood(newest: NonNullable<BackupFailure['newestGood']>): string {
  if (newest.kind === 'found') return `${newest.at} (${formatAge(newest.ageSeconds)} ago)`;
  if (newest.kind === 'none')
    return newest.runsRead === 0 ? 'none (no run record yet)' : `none in the newest ${newest.runsRead} run record(s)`;
  return `unknown (${newest.error})`;
}

function timeLimitLines(failure: BackupFailure): string[] {
  const lines: string[] = [];
  if (failure.timeLimit) {
    const limit = failure.timeLimit.seconds ? `${failure.timeLimit.seconds} s` : 'its time limit';
    lines.push(
      `  stopped by SSM at ${limit}: if the run was just slow, raise ${failure.timeLimit.setting} in cdk.json and deploy`,
    );
  }
  if (failure.lastOutput?.length)
    lines.push(
      failure.outputCut
        ? `  last output SSM kept (its first 24,000 characters; the rest: backopper logs ${failure.environment} ${failure.app}):`
        : '  last output:',
      ...failure.lastOutput.map((line) => `    ${line}`),
    );
  return lines;
}

/**
 * The same alert as an AWS Chatbot custom notification (Chatbot ignores plain-text SNS messages):
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html.
 */
export function chatbotNotification(message: AlertMessage): string {
  return JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: message.subject,
      description: chatbotDescription(message.text),
    },
  });
}

// The blocks after the first line, kept short for a chat message; a cut one keeps its closing count line.
function chatbotDescription(text: string): string {
  const body = text.split('\n').slice(2).join('\n');
  if (body.length <= CHATBOT_DESCRIPTION_LIMIT) return body;
  const last = body.split('\n').at(-1) ?? '';
  return `${body.slice(0, CHATBOT_DESCRIPTION_LIMIT - last.length - 40)}\n... (cut: the e-mail has the rest)\n${last}`;
}

/** Characters of the Chatbot description (a chat message, not a report). */
export const CHATBOT_DESCRIPTION_LIMIT = 3500;
