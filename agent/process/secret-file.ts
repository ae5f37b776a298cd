import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandSpec } from './run-command';
import { tempFolderPrefix } from './temp-folder';

/**
 * Where a child reads its password file: its inherited descriptor 3. mysql, mysqldump (as
 * `--defaults-extra-file=/dev/fd/3`), psql, pg_dump and pg_restore (as `PGPASSFILE=/dev/fd/3`) open it
 * like any file; libpq requires a plain file, so the descriptor is an unnamed file, not a pipe.
 */
export const SECRET_FD_PATH = '/dev/fd/3';

// Linux's O_TMPFILE (__O_TMPFILE | O_DIRECTORY): a file with no name in any folder.
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/**
 * Runs `work` with the password file as an unnamed 0600 file (`O_TMPFILE`) that the child inherits as
 * descriptor 3: no name ever exists on disk, so nothing is left even when the whole process group is
 * SIGKILLed (the kernel frees the file with its last descriptor). `build` gets {@link SECRET_FD_PATH}
 * and returns the file's contents along with the command; the command `work` gets carries the
 * descriptor. `name` names the fallback file where O_TMPFILE is unsupported.
 */
export async function withSecretFile<
  P extends { command: CommandSpec; secretFile: { path: string; contents: string } },
  T,
>(name: string, build: (path: string) => P, work: (plan: P) => Promise<T>): Promise<T> {
  const plan = build(SECRET_FD_PATH);
  const fd = openUnnamedFile(name);
  try {
    // pwrite at 0: the shared offset stays at the start for a child that reads fd 3 directly.
    writeSync(fd, plan.secretFile.contents, 0, 'utf8');
    return await work({ ...plan, command: { ...plan.command, secretFd: fd } });
  } finally {
    closeSync(fd);
  }
}

/** An open, unnamed, 0600 file in the OS temporary folder. */
function openUnnamedFile(name: string): number {
  try {
    return openSync(tmpdir(), O_TMPFILE | constants.O_RDWR, 0o600);
  } catch {
    // Kernels or file systems without O_TMPFILE: create, open and remove the name at once; the name
    // exists for a few system calls only, in a folder that names this pid (see temp-folder.ts).
    const dir = mkdtempSync(join(tmpdir(), tempFolderPrefix('secret')));
    try {
      return openSync(join(dir, name), constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
