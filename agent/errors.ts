/** Named errors of the agent. Each carries what was expected and what was received. */

/** Bad invocation or configuration: exit 2, nothing touched (the one ConfigError, common/settings). */
export { ConfigError } from '../common/settings/config-error';

/** A child process exited badly. `stderrTail` is redacted of secrets. */
export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    options?: ErrorOptions,
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with status ${exitCode}`;
    super(`${command} ${how}${stderrTail ? `: ${stderrTail}` : ''}`, options);
  }
}

/** Another run for the same app holds the lock. */
export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

/** The message of any thrown value, for reports and logs. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
