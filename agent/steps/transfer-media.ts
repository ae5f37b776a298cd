import { posix } from 'node:path';
import type { MediaServer } from '../config/config';
import { type CommandSpec, runCommand } from '../process/run-command';

/** The OpenSSH options every connection to the media server uses: no prompts, known hosts only. */
export function sshOptions(server: MediaServer): string[] {
  const options = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=15', '-o', 'ServerAliveInterval=15'];
  if (server.knownHosts) options.push('-o', `UserKnownHostsFile=${server.knownHosts}`);
  if (server.identity) options.push('-o', 'IdentitiesOnly=yes', '-i', server.identity);
  return options;
}

/** `sftp -b -` against the media server; the batch comes on stdin, so no remote shell ever parses a path. */
export function buildSftpCommand(server: MediaServer): CommandSpec {
  const destination = server.user ? `${server.user}@${server.host}` : server.host;
  return { file: 'sftp', args: ['-b', '-', '-P', String(server.port), ...sshOptions(server), '--', destination] };
}

/**
 * The sftp batch that creates the remote folder (each level; `-` ignores "exists"), uploads to a
 * hidden `.part` name and renames it into place, so an interrupted copy never sits under the final name.
 */
export function buildUploadBatch(localPath: string, remoteDir: string, remoteName: string): { batch: string; remotePath: string; partPath: string } {
  const remotePath = posix.join(remoteDir, remoteName);
  const partPath = posix.join(remoteDir, `.${remoteName}.part`);
  const lines = folderChain(remoteDir).map((dir) => `-mkdir ${quote(dir)}`);
  lines.push(`put ${quote(localPath)} ${quote(partPath)}`, `rename ${quote(partPath)} ${quote(remotePath)}`);
  return { batch: `${lines.join('\n')}\n`, remotePath, partPath };
}

/** Copies `localPath` to the media server as `<path>/<remoteName>`; returns the remote path. */
export async function transferMedia(server: MediaServer, localPath: string, remoteName: string, signal?: AbortSignal): Promise<string> {
  const { batch, remotePath, partPath } = buildUploadBatch(localPath, server.path, remoteName);
  try {
    await runCommand(buildSftpCommand(server), { input: batch, signal });
  } catch (error) {
    // Best effort: remove a half-copied part (it is not under the final name either way).
    await runCommand(buildSftpCommand(server), { input: `-rm ${quote(partPath)}\n` }).catch(() => undefined);
    throw error;
  }
  return remotePath;
}

/** `a/b/c` → `a`, `a/b`, `a/b/c` (absolute paths keep their leading slash). */
function folderChain(dir: string): string[] {
  const parts = posix.normalize(dir).split('/').filter(Boolean);
  const prefix = dir.startsWith('/') ? '/' : '';
  return parts.map((_, index) => prefix + parts.slice(0, index + 1).join('/'));
}

/** sftp batch quoting: double quotes, with `\` and `"` escaped. */
function quote(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
