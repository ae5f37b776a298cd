/**
 * Logging: in Lambda, Powertools' structured logger (one JSON object per line with level, timestamp,
 * service, request id and cold start; level from POWERTOOLS_LOG_LEVEL or the function's log level);
 * plain text for the CLI. Never pass a secret in a field.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The three levels the sync uses. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The invocation context a Lambda handler receives (what the logger reads request id and cold start from). */
export type InvocationContext = Parameters<PowertoolsLogger['addContext']>[0];

/** A Lambda's logger: Powertools, named after the function's job (`backopper-sync`, ...). */
export interface LambdaLogger extends Logger {
  /** Adds the invocation's request id, function and cold-start flag to every following line. */
  addContext(context: InvocationContext): void;
}

/** Creates the logger of one Lambda; `service` becomes the `service` field of every line. */
export function createLambdaLogger(service: string): LambdaLogger {
  const logger = new PowertoolsLogger({ serviceName: service });
  return {
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
    addContext: (context) => logger.addContext(context),
  };
}

/** A logger writing `warning: message (key=value, ...)` lines to `write`; info is dropped. */
export function createTextLogger(write: (line: string) => void): Logger {
  const log =
    (prefix: string) =>
    (message: string, fields: LogFields = {}) => {
      const details = Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
      write(`${prefix}${message}${details.length ? ` (${details.join(', ')})` : ''}`);
    };
  return { info: () => undefined, warn: log('warning: '), error: log('error: ') };
}
