import { CommandFailedError } from '../errors';

/** Failures that another attempt cannot fix: trust and credentials, configuration. Checked first. */
const PERMANENT = [
  /Host key verification failed/i,
  /REMOTE HOST IDENTIFICATION HAS CHANGED/i,
  /Permission denied/i,
  /Too many authentication failures/i,
  /no matching (host key type|key exchange method|cipher|MAC) found/i,
  /Could not resolve hostname/i,
  /Bad configuration option|Bad owner or permissions|Load key .*: (invalid format|bad permissions)/i,
];

/** The network or a busy server: sshd's MaxStartups drop, a restart, a reset, a timeout. */
const TRANSIENT = [
  /kex_exchange_identification|ssh_exchange_identification/i,
  /Connection (refused|reset|closed|timed out)/i,
  /Broken pipe|client_loop: send disconnect|packet_write_wait/i,
  /Timeout, server .* not responding/i,
  /No route to host|Network is unreachable|Operation timed out/i,
];

/**
 * Whether an ssh/sftp failure is worth another attempt. ssh exits 255 for its own (connection) errors;
 * those are transient unless they name a host key or authentication problem. Other statuses (a remote
 * command of the batch failed) are transient only when the connection itself broke. A child killed by
 * a signal (the run was stopped) is never retried.
 */
export function isTransientSshFailure(error: unknown): boolean {
  if (!(error instanceof CommandFailedError) || error.signal !== null) return false;
  const text = error.stderrTail;
  if (PERMANENT.some((pattern) => pattern.test(text))) return false;
  return error.exitCode === 255 || TRANSIENT.some((pattern) => pattern.test(text));
}
