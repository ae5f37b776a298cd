import { PassThrough } from 'node:stream';
import type { MediaServer } from '../config/config';
import { CommandFailedError } from '../errors';
import { type RunOptions, runCommand, startCommand } from '../process/run-command';
import { sshOptions } from './transfer-media';

/** What the media server's forced command (scripts/media-server/backopper-media-gate) accepts besides rsync. */
export type GateVerb = 'list' | 'space' | 'commit' | 'remove' | 'session';

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
  const words = gateWords(request);
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

/** The request as words the gate accepts; throws on a word a remote shell could read differently. */
function gateWords(request: { verb: GateVerb; folder: string; names?: string[] }): string[] {
  const words = ['backopper-snapshot', request.verb, request.folder, ...(request.names ?? [])];
  for (const word of words)
    if (!/^[A-Za-z0-9._/@-]+$/.test(word))
      throw new Error(`${JSON.stringify(word)} cannot be sent to the media server (letters, digits, . _ / @ - only)`);
  return words;
}

/** The run's open connection to the gate: the folder's listing as the session began, and how to end it. */
export interface GateSession {
  /** What `list` prints: `# folder <anchored>`, then the folder's entries. */
  lines: string[];
  /**
   * Sends the run's last request, `commit <partial> <final> [expired...]`, on the session and ends it:
   * the gate's lines as {@link runGate} returns them for `commit` (status 3 accepted, its words added).
   */
  commit(names: string[], signal?: AbortSignal): Promise<string[]>;
  /** Ends the session without a request (idempotent, never throws); killed if it has not ended after 10 s. */
  close(): Promise<void>;
}

/** How long a session may take to end once its stdin is closed before it is killed. */
const SESSION_CLOSE_MS = 10_000;

/**
 * Opens the run's one ssh connection to the media server: `backopper-snapshot session <folder>` with
 * `ControlMaster=yes` on `server.controlPath` (a socket in the run's private folder) and no
 * ControlPersist. The gate prints the folder's listing, then waits on its stdin for the run's commit
 * (one line, checked as the `commit` verb is) or end of file; rsync joins the connection meanwhile
 * (`ControlMaster=no`, sshOptions). The master is a child of the agent, not a daemon: when the agent
 * sends the commit or closes its stdin (the end of the run, a failure, SIGTERM) or dies (SIGKILL closes
 * the pipe), the gate exits, and the master exits once the last joined connection has.
 */
export async function openGateSession(server: MediaServer, folder: string, signal?: AbortSignal): Promise<GateSession> {
  if (!server.controlPath) throw new Error('a gate session needs the run’s control socket (server.controlPath)');
  const words = gateWords({ verb: 'session', folder });
  const destination = server.user ? `${server.user}@${server.host}` : server.host;
  const stdin = new PassThrough();
  const stop = new AbortController();
  const running = startCommand(
    {
      file: 'ssh',
      // ssh takes the first value of an option: the master settings come before sshOptions' ControlMaster=no.
      args: [
        '-p',
        String(server.port),
        '-o',
        'ControlMaster=yes',
        '-o',
        'ControlPersist=no',
        ...sshOptions(server),
        '--',
        destination,
        ...words,
      ],
    },
    { input: stdin, signal: stop.signal, okExitCodes: [0, 3] },
  );
  let stdout = '';
  running.stdout.setEncoding('utf8');
  const listed = new Promise<number>((resolve) => {
    running.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n# end\n');
      if (end >= 0) resolve(end);
    });
  });
  // Closing waits at most SESSION_CLOSE_MS; a commit (which may prune large trees) as long as it takes,
  // unless the run is stopped.
  const ended = async (limit: { ms: number } | { signal?: AbortSignal }): Promise<Awaited<typeof running.done>> => {
    stdin.end();
    const timer = 'ms' in limit ? setTimeout(() => stop.abort(), limit.ms) : undefined;
    const onAbort = () => stop.abort();
    if ('signal' in limit) limit.signal?.addEventListener('abort', onAbort, { once: true });
    if ('signal' in limit && limit.signal?.aborted) onAbort();
    try {
      return await running.done;
    } finally {
      clearTimeout(timer);
      if ('signal' in limit) limit.signal?.removeEventListener('abort', onAbort);
    }
  };
  const close = () =>
    ended({ ms: SESSION_CLOSE_MS }).then(
      () => undefined,
      () => undefined,
    );
  // Stopping the run while the session opens (a slow handshake) stops the opening.
  const stopOpening = () => stop.abort();
  signal?.addEventListener('abort', stopOpening, { once: true });
  if (signal?.aborted) stopOpening();
  const first = await Promise.race([
    listed,
    running.done.then(
      () => undefined,
      (error: unknown) => ({ error }),
    ),
  ]);
  signal?.removeEventListener('abort', stopOpening);
  if (typeof first !== 'number') {
    await close();
    if (first?.error) throw explainGateFailure(first.error, server, 'session');
    throw new Error(
      `media server ${server.host}:${server.port}: the snapshot gate ended the session without listing ${folder} (got ${JSON.stringify(stdout.slice(0, 200))}); is its backopper-media-gate older than the agent? (docs/snapshots.md)`,
    );
  }
  const lines = nonEmptyLines(stdout.slice(0, first));
  const commit = async (names: string[], signal?: AbortSignal): Promise<string[]> => {
    const request = gateWords({ verb: 'commit', folder, names }).slice(3);
    stdin.write(`commit ${request.join(' ')}\n`);
    let result: Awaited<typeof running.done>;
    try {
      result = await ended({ signal });
    } catch (error) {
      throw explainGateFailure(error, server, 'commit');
    }
    const answer = nonEmptyLines(stdout.slice(first + '\n# end\n'.length));
    return result.exitCode === 0 ? answer : [...answer, `! ${result.stderrTail.split('\n').at(-1) ?? ''}`];
  };
  return { lines, commit, close };
}

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
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
