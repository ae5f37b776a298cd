/**
 * Logging for the sync: one JSON object per line in Lambda (CloudWatch Logs Insights can query the
 * fields), plain text for the CLI. Never pass a secret in a field.
 */

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The three levels the sync uses. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger writing `{"level","message",...fields}` lines to `write` (default: console.log). */
export function createJsonLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  const log = (level: string) => (message: string, fields: LogFields = {}) =>
    write(JSON.stringify({ level, message, ...fields }));
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger writing `warning: message (key=value, ...)` lines to `write`; info is dropped. */
export function createTextLogger(write: (line: string) => void): Logger {
  const log = (prefix: string) => (message: string, fields: LogFields = {}) => {
    const details = Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    write(`${prefix}${message}${details.length ? ` (${details.join(', ')})` : ''}`);
  };
  return { info: () => undefined, warn: log('warning: '), error: log('error: ') };
}
