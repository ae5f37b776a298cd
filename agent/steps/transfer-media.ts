import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MediaServer } from '../config/config';
import { CommandFailedError, messageOf } from '../errors';
import { type CommandSpec, runCommand } from '../process/run-command';
import { isTransientSshFailure } from '../process/ssh-failure';
import { watchWhile } from '../process/progress';

/** Connections tried per transfer, and the pause before each retry (with up to 50% jitter). */
export const SSH_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [1000, 4000];

/** What sftp says on stderr for the batch's expected misses: a folder that exists, a stale part that is gone. */
const EXPECTED_STDERR =
  /^(remote mkdir ".*": Failure|Couldn't create directory: Failure|Can't ls: ".*" not found|remote delete .*: No such file or directory|Couldn't delete file: No such file or directory)$/;

/** Where the agent records the `.part` files it is copying, in the app's backup folder (see {@link transferMedia}). */
const PENDING_PARTS = '.backopper-pending-parts';

/** The OpenSSH options every connection to the media server uses: no prompts, known hosts only. */
export function sshOptions(server: MediaServer): string[] {
  const options = [
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ConnectTimeout=15',
    '-o',
    'ServerAliveInterval=15',
  ];
  if (server.knownHosts) options.push('-o', `UserKnownHostsFile=${server.knownHosts}`);
  if (server.identity) options.push('-o', 'IdentitiesOnly=yes', '-i', server.identity);
  // The run's one connection (snapshot mode): its gate session is the master (media-gate.ts); every other
  // connection only joins it, or connects on its own if it is gone. None ever becomes a master itself.
  if (server.controlPath) options.push('-o', 'ControlMaster=no', '-o', `ControlPath=${server.controlPath}`);
  return options;
}

/** `sftp -b -` against the media server; the batch comes on stdin, so no remote shell ever parses a path. */
export function buildSftpCommand(server: MediaServer): CommandSpec {
  const destination = server.user ? `${server.user}@${server.host}` : server.host;
  return { file: 'sftp', args: ['-b', '-', '-P', String(server.port), ...sshOptions(server), '--', destination] };
}

/**
 * The sftp batch: create the remote folder (each level; `-` ignores "exists"), list and remove the
 * `.part` files that killed runs left (`staleParts`), upload to a hidden `.part` name, and rename it
 * into place with `rename -l`: the protocol's own rename, which fails when the final name exists
 * (posix-rename@openssh.com, sftp's default, would replace it), so no copy ever replaces another.
 */
export function buildUploadBatch(
  localPath: string,
  remoteDir: string,
  remoteName: string,
  staleParts: string[] = [],
): { batch: string; remotePath: string; partPath: string } {
  const remotePath = posix.join(remoteDir, remoteName);
  const partPath = posix.join(remoteDir, `.${remoteName}.part`);
  const lines = folderChain(remoteDir).map((dir) => `-mkdir ${quote(dir)}`);
  for (const stale of staleParts) lines.push(`-ls -1 ${quote(stale)}`, `-rm ${quote(stale)}`);
  lines.push(`put ${quote(localPath)} ${quote(partPath)}`, `rename -l ${quote(partPath)} ${quote(remotePath)}`);
  return { batch: `${lines.join('\n')}\n`, remotePath, partPath };
}

/** A copy to the media server: the archive, its remote name, and the app's backup folder (for the record of pending parts). */
export interface TransferInput {
  server: MediaServer;
  localPath: string;
  remoteName: string;
  stateDir: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Told the number of each connection attempt. */
  onAttempt?: (attempt: number) => void;
}

/**
 * Copies the archive to `<path>/<remoteName>` on the media server; returns the remote path and the
 * stale `.part` files (as `host:path`) it removed. Before copying, the `.part` name is recorded in the
 * backup folder; a run killed mid-copy leaves the record, and the next run (holding the app lock, so
 * no copy of this app from this server is under way) removes that part. Transient SSH failures are
 * retried (see {@link isTransientSshFailure}); host key and authentication failures are not.
 */
export async function transferMedia(input: TransferInput): Promise<{ remotePath: string; cleaned: string[] }> {
  const { server } = input;
  const recordPath = join(input.stateDir, PENDING_PARTS);
  const here = serverKey(server);
  const pending = await readPending(recordPath);
  const stale = pending.filter((entry) => entry.server === here).map((entry) => entry.path);
  const others = pending.filter((entry) => entry.server !== here);
  const { batch, remotePath, partPath } = buildUploadBatch(input.localPath, server.path, input.remoteName, stale);
  await writePending(recordPath, [...pending, { server: here, path: partPath }]);
  let stdout: string;
  try {
    stdout = await watchWhile('transfer', () => undefined, runSftp(server, batch, input)); // sftp does not say how far it is
  } catch (error) {
    // Best effort, one connection: remove the half-copied part (it is not under the final name either way).
    const removed = await runCommand(buildSftpCommand(server), {
      input: `-rm ${quote(partPath)}\n`,
      ignoreStderr: EXPECTED_STDERR,
    }).then(
      () => true,
      () => false,
    );
    if (removed) await writePending(recordPath, pending);
    throw explainFailure(error, remotePath);
  }
  await writePending(recordPath, others);
  // `-ls -1` printed the stale parts that were there (sftp echoes its commands as `sftp> ...`).
  const listed = new Set(
    stdout
      .split('\n')
      .filter((line) => !line.startsWith('sftp>'))
      .map((line) => posix.basename(line.trim())),
  );
  return {
    remotePath,
    cleaned: stale.filter((path) => listed.has(posix.basename(path))).map((path) => `${server.host}:${path}`),
  };
}

/** Runs the batch, retrying transient SSH failures with backoff; returns sftp's stdout. */
async function runSftp(server: MediaServer, batch: string, input: TransferInput): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    input.onAttempt?.(attempt);
    try {
      return (
        await runCommand(buildSftpCommand(server), {
          input: batch,
          signal: input.signal,
          ignoreStderr: EXPECTED_STDERR,
        })
      ).stdout;
    } catch (error) {
      if (attempt >= SSH_ATTEMPTS || input.signal?.aborted || !isTransientSshFailure(error)) throw error;
      const delay = RETRY_DELAYS_MS[attempt - 1]! * (1 + Math.random() / 2);
      input.log?.(
        `transfer  attempt ${attempt} of ${SSH_ATTEMPTS} failed (${messageOf(error)}); retrying in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay, undefined, input.signal ? { signal: input.signal } : {}).catch(() => undefined);
      input.signal?.throwIfAborted();
    }
  }
}

/** The legacy rename fails with a bare "Failure" when the final name exists: say so. */
function explainFailure(error: unknown, remotePath: string): unknown {
  if (error instanceof CommandFailedError && /remote rename .*: Failure|Couldn't rename file/.test(error.stderrTail)) {
    return new Error(`${remotePath} already exists on the media server; not replacing it (${error.message})`, {
      cause: error,
    });
  }
  return error;
}

interface PendingPart {
  /** `user@host:port` of the media server. */
  server: string;
  path: string;
}

function serverKey(server: MediaServer): string {
  return `${server.user ?? ''}@${server.host}:${server.port}`;
}

async function readPending(path: string): Promise<PendingPart[]> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return Array.isArray(parsed)
      ? parsed.filter(
          (entry): entry is PendingPart => typeof entry?.server === 'string' && typeof entry?.path === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

/**
 * Best effort: a record that cannot be written (a full disk) only costs the cleanup after a SIGKILL,
 * never the copy. An empty record is removed, so the backup folder holds it only while a copy is pending.
 */
async function writePending(path: string, parts: PendingPart[]): Promise<void> {
  const written =
    parts.length === 0 ? rm(path, { force: true }) : writeFile(path, `${JSON.stringify(parts)}\n`, { mode: 0o600 });
  await written.catch(() => undefined);
}

/** `a/b/c` → `a`, `a/b`, `a/b/c` (absolute paths keep their leading slash). */
function folderChain(dir: string): string[] {
  const parts = posix.normalize(dir).split('/').filter(Boolean);
  const prefix = dir.startsWith('/') ? '/' : '';
  return parts.map((_, index) => prefix + parts.slice(0, index + 1).join('/'));
}

/** sftp batch quoting: double quotes, with `\` and `"` escaped (sftp then takes glob characters literally). */
export function quote(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
