/**
 * The shape of an ops CLI command. `run-cli.ts` dispatches by name; each command lives in its own file.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Environment } from '../../control/config';
import type { SyncDependencies } from '../../control/sync/run-sync';

/** The sync's clients and seams, plus the S3 client `status` lists backups with and the logs client of `logs` and `run --follow`. */
export interface CliDependencies extends SyncDependencies {
  s3?: S3Client;
  logs?: CloudWatchLogsClient;
}

/** What a command gets besides its arguments. */
export interface CliContext {
  /** The variables to read configuration from. */
  env: Environment;
  /** Writes one line to standard output. */
  stdout: (line: string) => void;
  /** Writes one line to standard error (warnings, errors). */
  stderr: (line: string) => void;
  /** AWS clients and seams, real by default. */
  deps: CliDependencies;
  /**
   * The variables to read the configuration from: `env`, with the deployed stack's published settings
   * under it (read only when a `required` variable is unset or a stack was named; see ops/settings).
   */
  settings(required: readonly string[]): Promise<Environment>;
}

/** A subcommand: `backopper <name> [args]`. */
export interface CliCommand {
  name: string;
  /** One line for `backopper --help`. */
  summary: string;
  /** Usage text for `backopper <name> --help`. */
  usage: string;
  /** Runs the command and resolves with the exit status (0 ok, 1 failed, 2 bad invocation). */
  run(args: string[], context: CliContext): Promise<number>;
}

/** Exit statuses of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3 } as const;

/** Thrown when what was named does not exist (an app with nothing in the bucket). Exit status 3. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** Thrown for a bad invocation: unknown option, missing value. Exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `parseArgs`, with what it rejects (unknown option, missing value) thrown as a {@link UsageError}. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
