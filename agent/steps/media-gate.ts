import type { MediaServer } from '../config/config';
import { CommandFailedError } from '../errors';
import { type RunOptions, runCommand } from '../process/run-command';
import { sshOptions } from './transfer-media';

/** What the media server's forced command (scripts/media-server/backopper-media-gate) accepts besides rsync. */
export type GateVerb = 'list' | 'space' | 'commit' | 'remove';

/**
 * One `backopper-snapshot <verb> <folder> [names]` request to the media server. In snapshot mode the
 * web server's key is bound to the gate (authorized_keys `command=`), which checks every word against a
 * strict pattern; the words are plain (the folder and the names are checked here too), so nothing a
 * remote shell could read differently is ever sent. Returns the lines the gate printed.
 */
export async function runGate(
  server: MediaServer,
  request: { verb: GateVerb; folder: string; names?: string[] },
  options: Pick<RunOptions, 'signal' | 'okExitCodes'> = {},
): Promise<string[]> {
  const words = ['backopper-snapshot', request.verb, request.folder, ...(request.names ?? [])];
  for (const word of words)
    if (!/^[A-Za-z0-9._/@-]+$/.test(word))
      throw new Error(`${JSON.stringify(word)} cannot be sent to the media server (letters, digits, . _ / @ - only)`);
  const destination = server.user ? `${server.user}@${server.host}` : server.host;
  try {
    const { stdout, exitCode, stderrTail } = await runCommand(
      { file: 'ssh', args: ['-p', String(server.port), ...sshOptions(server), '--', destination, ...words] },
      options,
    );
    const lines = stdout.split('\n').filter((line) => line !== '');
    // A status the caller accepts besides 0 (commit's 3: committed, pruning failed) carries the gate's words.
    return exitCode === 0 ? lines : [...lines, `! ${stderrTail.split('\n').at(-1) ?? ''}`];
  } catch (error) {
    throw explainGateFailure(error, server, request.verb);
  }
}

/** One line saying what failed and where, in the gate's or ssh's own words. */
export function explainGateFailure(error: unknown, server: MediaServer, verb: GateVerb): unknown {
  if (!(error instanceof CommandFailedError) || error.signal !== null) return error;
  const where = `${server.host}:${server.port}`;
  if (error.exitCode === 127 && !/backopper-media-gate/.test(error.stderrTail))
    return new Error(
      `the media server ${where} has no snapshot gate: install scripts/media-server/backopper-media-gate and bind the key to it (docs/snapshots.md) (${error.stderrTail})`,
      { cause: error },
    );
  return new Error(`media server ${where}: snapshot ${verb} failed: ${error.stderrTail || error.message}`, {
    cause: error,
  });
}
