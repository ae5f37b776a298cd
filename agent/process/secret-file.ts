import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `work` with a private folder (0700, in the OS temporary folder) holding one 0600 file for a
 * password; the folder is removed afterwards whatever happens. `build` gets the file's path and returns
 * the file's contents along with whatever `work` needs.
 */
export async function withSecretFile<P extends { secretFile: { path: string; contents: string } }, T>(
  name: string,
  build: (path: string) => P,
  work: (plan: P) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'backopper-secret-'));
  try {
    const plan = build(join(dir, name));
    await writeFile(plan.secretFile.path, plan.secretFile.contents, { mode: 0o600, flag: 'wx' });
    return await work(plan);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
