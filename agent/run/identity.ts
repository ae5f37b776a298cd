/**
 * Which agent ran: the package version (written into the bundle at build, common/version.ts) and the
 * sha256 of the running file (the bundle the document checked before running it), hashed once.
 * Every run report carries both, so `backopper status` can say which build each server ran.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { VERSION } from '../../common/version';

let cached: { agentVersion: string; bundleSha256?: string } | undefined;

/** `{ agentVersion, bundleSha256 }`; the hash is left out when the running file cannot be read. */
export function agentIdentity(file: string | undefined = process.argv[1]): {
  agentVersion: string;
  bundleSha256?: string;
} {
  if (cached) return cached;
  let bundleSha256: string | undefined;
  try {
    if (file) bundleSha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    bundleSha256 = undefined;
  }
  cached = { agentVersion: VERSION, ...(bundleSha256 ? { bundleSha256 } : {}) };
  return cached;
}
