/**
 * The shape of an ops CLI command. `run-cli.ts` dispatches by name; each command lives in its own file.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Environment } from '../../control/config';
import type { SyncDependencies } from '../../control/sync/run-sync';
import type { Palette } from '../terminal/colour';
import type { CommandHelp } from '../terminal/help';
import { type OptionShapes, translateParseError } from './parse-error';

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
  /** The two streams as terminals: colours, and a line redrawn in place on a TTY. Plain when absent. */
  terminal?: { stdout: TerminalStream; stderr: TerminalStream };
}

/** One output stream as the CLI sees it. */
export interface TerminalStream {
  /** The stream is a terminal (a progress line may be redrawn with `\r`). */
  isTTY: boolean;
  /** Its colours (plain off a terminal, with NO_COLOR or --no-color). */
  palette: Palette;
  /** Writes text as it is (no newline added). */
  write(text: string): void;
  /** Its width in characters, when it is a terminal that knows it. */
  columns?: number;
}

/** A subcommand: `backopper <name> [args]`. */
export interface CliCommand {
  name: string;
  /** One line for `backopper --help`. */
  summary: string;
  /** What `backopper <name> --help` prints (the dispatcher renders it, one layout for all). */
  help: CommandHelp;
  /** Runs the command and resolves with the exit status (see {@link EXIT}). */
  run(args: string[], context: CliContext): Promise<number>;
}

/**
 * Exit statuses of every command (docs/operator-cli.md#exit-status): 0 ok; 1 failed, flagged, or nothing
 * to act on; 2 bad invocation or configuration; 3 no such app (in that environment).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3 } as const;

/** Thrown when the app named does not exist in the environment named (no schedule, nothing stored). Exit status 3. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** Thrown for a bad invocation: unknown option, missing value. Exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `parseArgs`, with what it rejects thrown as a {@link UsageError} in our words: an unknown flag with
 * the closest known one, a missing value naming the flag (see parse-error.ts).
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(translateParseError(error, (config.options ?? {}) as OptionShapes));
  }
}
