/**
 * One alert per environment for any burst, within a size budget, pure. SNS refuses a message over
 * 256 KB (262,144 UTF-8 bytes); the published Message is JSON holding the e-mail text and the Chatbot
 * notification, so the text gets a budget well under half of that (JSON escaping at most doubles the
 * sanitized text). The first {@link FULL_BLOCKS} failures are shown in full, the next ones one line
 * each, the rest by app name and count; the digest always says how many it shows and how many there are,
 * and the handler logs every failure whole. Nothing is dropped silently.
 */
import { type AlertMessage, failureBlock, failureHeadline, safeSubject } from './alert-text';
import { errorCrux } from './crux';
import type { BackupFailure } from './failure';

/** SNS's limit on a published message, in UTF-8 bytes. */
export const SNS_MESSAGE_LIMIT = 262_144;
/** The e-mail text's budget in UTF-8 bytes. */
export const TEXT_BUDGET = 100_000;
/** Failures shown in full, per message. */
export const FULL_BLOCKS = 20;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

// Control characters (but the newline) would grow six-fold as JSON escapes: they become spaces.
function sanitize(text: string): string {
  return [...text].map((char) => (isControl(char) ? ' ' : char)).join('');
}

function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return char !== '\n' && (code < 0x20 || code === 0x7f);
}

/** One message per environment, environments and failures in a stable order, each within `budget` bytes. */
export function alertMessages(failures: readonly BackupFailure[], budget = TEXT_BUDGET): AlertMessage[] {
  const byEnvironment = new Map<string, BackupFailure[]>();
  for (const failure of failures)
    byEnvironment.set(failure.environment, [...(byEnvironment.get(failure.environment) ?? []), failure]);
  return [...byEnvironment.keys()].sort().map((environment) => {
    const list = [...(byEnvironment.get(environment) ?? [])].sort(
      (a, b) => a.app.localeCompare(b.app) || a.instance.localeCompare(b.instance),
    );
    const [first] = list;
    const line =
      list.length === 1 && first
        ? `Backopper: ${failureHeadline(first, { crux: true })}`
        : burstLine(environment, list);
    return { environment, subject: safeSubject(line), text: sanitize(digestText(line, list, budget)) };
  });
}

function burstLine(environment: string, list: readonly BackupFailure[]): string {
  const hosts = [...new Set(list.map((failure) => failure.host))].sort();
  const apps = [...new Set(list.map((failure) => failure.app))].sort();
  const where = hosts.length === 1 ? `on ${hosts[0]}` : `on ${hosts.length} servers`;
  // One shared reason (a dead database server) says more than the first app names.
  const reasons = new Set(list.map((failure) => errorCrux(failure.reason)));
  const why = reasons.size === 1 ? [...reasons][0] : `${apps.slice(0, 3).join(', ')}${apps.length > 3 ? ', ...' : ''}`;
  return `Backopper: ${list.length} runs of ${apps.length} apps (${environment}) failed ${where}: ${why}`;
}

// Full blocks, then one line each, then names only, each part while the budget lasts.
function digestText(firstLine: string, list: readonly BackupFailure[], budget: number): string {
  const lines = [firstLine, ''];
  // Room kept for the closing lines, which name every app not shown above them.
  const names = [...new Set(list.map((failure) => failure.app))].sort();
  const reserve = Math.min(budget / 2, 400 + bytes(names.join(', ')));
  let used = bytes(lines.join('\n'));
  let index = 0;
  for (; index < list.length && index < FULL_BLOCKS; index += 1) {
    const block = failureBlock(list[index] as BackupFailure).join('\n');
    if (used + bytes(block) + 1 > budget - reserve) break;
    lines.push(block);
    used += bytes(block) + 1;
  }
  const full = index;
  if (index < list.length) {
    const header = `MORE FAILURES (${list.length - full}), one line each (\`backopper status\` and the logs have the rest):`;
    lines.push('', header);
    used += bytes(header) + 2;
    for (; index < list.length; index += 1) {
      const failure = list[index] as BackupFailure;
      const short = errorCrux(failure.reason);
      const entry = `- ${failure.app} on ${failure.host}: ${failure.status}: ${short.length > 160 ? `${short.slice(0, 157)}...` : short}`;
      if (used + bytes(entry) + 1 > budget - reserve) break;
      lines.push(entry);
      used += bytes(entry) + 1;
    }
  }
  if (index < list.length) {
    const rest = list.slice(index);
    const restApps = [...new Set(rest.map((failure) => failure.app))].sort();
    let named = `NOT SHOWN ABOVE: ${rest.length} more failed run(s) of ${restApps.length} app(s): ${restApps.join(', ')}`;
    // Past even the names' room (thousands of apps): the count stays, the names are in the function's log.
    if (bytes(named) > budget - used - 200) named = `${named.slice(0, Math.max(0, budget - used - 400))}...`;
    lines.push('', named);
  }
  lines.push(
    '',
    `${list.length} failure(s) in this alert, ${full} in full. Every failure is logged whole by the describe-failure function.`,
  );
  return lines.join('\n');
}

/**
 * The SNS Message (MessageStructure json): the e-mail text and the Chatbot notification, within SNS's
 * limit. Throws when it cannot fit, which the budget above makes impossible short of a bug: the queue
 * then keeps the events, and the dead-letter alarm fires, instead of a silent drop.
 */
export function snsMessage(message: AlertMessage, https: string): string {
  const body = JSON.stringify({ default: message.text, https });
  const size = bytes(body) + bytes(message.subject);
  if (size > SNS_MESSAGE_LIMIT)
    throw new Error(`alert for ${message.environment} is ${size} bytes, over SNS's ${SNS_MESSAGE_LIMIT}`);
  return body;
}
