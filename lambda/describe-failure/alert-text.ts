/**
 * The words of an alert, pure: a subject and first line that say what failed, where and why
 * (`Backopper: backup of shop (live) failed on web-1: mysqldump: Access denied`), and one message per
 * environment for a burst. SNS subjects must be ASCII, without line breaks or control characters, and
 * shorter than 100 characters: {@link safeSubject} folds, flattens and cuts them to fit.
 */
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

/** `backup of shop (live) failed on web-1: mysqldump: Access denied`, the words of one failure. */
export function failureHeadline(failure: BackupFailure): string {
  const run = `${failure.task} of ${failure.app} (${failure.environment})`;
  const status = failure.status.split(' ')[0] ?? failure.status;
  const verb = VERBS[status] ?? `ended ${status}`;
  if (failure.host === NO_SERVER) return `${run} ${verb} before any server ran it`;
  return `${run} ${verb} ${status === 'Undeliverable' ? 'to' : 'on'} ${failure.host}: ${failure.reason}`;
}

const VERBS: Record<string, string> = {
  Failed: 'failed',
  TimedOut: 'timed out',
  Cancelled: 'was cancelled',
  Undeliverable: 'could not be delivered',
};

function failureBlock(failure: BackupFailure): string[] {
  return [
    `- ${failureHeadline(failure)}`,
    `  status ${failure.status}, instance ${failure.instance}, requested ${failure.requestedAt}, command ${failure.commandId}`,
    `  details: ${failure.summary}`,
    `  output: ${failure.consoleUrl}`,
  ];
}

/** One message per environment, environments and failures in a stable order. */
export function alertMessages(failures: readonly BackupFailure[]): AlertMessage[] {
  const byEnvironment = new Map<string, BackupFailure[]>();
  for (const failure of failures)
    byEnvironment.set(failure.environment, [...(byEnvironment.get(failure.environment) ?? []), failure]);
  return [...byEnvironment.keys()].sort().map((environment) => {
    const list = [...(byEnvironment.get(environment) ?? [])].sort(
      (a, b) => a.app.localeCompare(b.app) || a.instance.localeCompare(b.instance),
    );
    const [first] = list;
    if (list.length === 1 && first) {
      const line = `Backopper: ${failureHeadline(first)}`;
      return { environment, subject: safeSubject(line), text: [line, '', ...failureBlock(first)].join('\n') };
    }
    const hosts = [...new Set(list.map((failure) => failure.host))].sort();
    const apps = [...new Set(list.map((failure) => failure.app))].sort();
    const where = hosts.length === 1 ? `on ${hosts[0]}` : `on ${hosts.length} servers`;
    // One shared reason (a dead database server) says more than the first app names.
    const reasons = new Set(list.map((failure) => failure.reason));
    const why =
      reasons.size === 1 ? list[0]?.reason : `${apps.slice(0, 3).join(', ')}${apps.length > 3 ? ', ...' : ''}`;
    const line = `Backopper: ${list.length} runs of ${apps.length} apps (${environment}) failed ${where}: ${why}`;
    return { environment, subject: safeSubject(line), text: [line, '', ...list.flatMap(failureBlock)].join('\n') };
  });
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
      description: message.text.split('\n').slice(2).join('\n').slice(0, 3500),
    },
  });
}
