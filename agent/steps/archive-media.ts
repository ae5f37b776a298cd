import { createWriteStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FanOut } from '../process/fan-out';
import { ParallelGzip, type ParallelGzipOptions } from '../process/parallel-gzip';
import { type CommandSpec, startCommand } from '../process/run-command';
import { watchWhile } from '../process/progress';
import { TarCounter } from './tar-count';

/** Media folders tried, in order, when BACKOPPER_MEDIA_DIR is not set. */
export const DEFAULT_MEDIA_DIRS: Record<string, string[]> = {
  // ServerPilot serves WordPress from public/; plain installs from the root; Bedrock from web/app.
  wordpress: ['public/wp-content/uploads', 'wp-content/uploads', 'web/app/uploads'],
  laravel: ['storage/app/public', 'storage/app'],
};

/** The candidate media folders for an app: the configured one, or the project type's defaults. */
export function mediaDirCandidates(appRoot: string, projectType: string, configured?: string): string[] {
  if (configured) return [isAbsolute(configured) ? configured : join(appRoot, configured)];
  return (DEFAULT_MEDIA_DIRS[projectType] ?? []).map((dir) => join(appRoot, dir));
}

/** Picks the first candidate that is a directory; throws naming every path tried. */
export async function findMediaDir(candidates: string[]): Promise<string> {
  for (const candidate of candidates) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isDirectory()) return candidate;
  }
  throw new Error(`no media folder: looked for ${candidates.join(', ')}`);
}

/**
 * `tar -cf - -C <parent> <folder>`: the seed's command without `-z`, writing the uncompressed archive to
 * stdout; the agent gzips it on several cores (tar's own `-z` runs one gzip) and hashes it.
 * When the configured folder is reached through a symlink (the folder itself, or the release folder
 * above it, as Deployer, Capistrano and Envoyer lay out shared uploads), `realDir` is where it really is:
 * tar archives that folder's files and a transform names the top entry as configured (`uploads/...`),
 * so the archive restores where the app expects it. Links inside the folder stay links (no `-h`; the
 * `S` flag leaves link targets alone).
 */
export function buildTarCommand(mediaDir: string, realDir = mediaDir): CommandSpec {
  const name = basename(mediaDir);
  const realName = basename(realDir);
  const transform =
    realName === name ? [] : [`--transform=s/^${escapeRegExp(realName)}(\\/|$)/${escapeReplacement(name)}\\1/xS`];
  return { file: 'tar', args: ['-cf', '-', '-C', dirname(realDir), ...transform, '--', realName] };
}

/** A file name as a literal in tar's extended regular expressions (`/` cannot occur in a name). */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** A file name as a literal in a transform's replacement. */
function escapeReplacement(text: string): string {
  return text.replace(/[\\&]/g, '\\$&');
}

/** What the archive is made of: the configured folder, and where it really is when links lead there. */
export async function resolveMediaDir(mediaDir: string): Promise<{ mediaDir: string; realDir: string }> {
  const realDir = await realpath(mediaDir);
  if (realDir === '/') throw new Error(`${mediaDir} resolves to /; refusing to archive the whole file system`);
  return { mediaDir, realDir };
}

/**
 * Archives `mediaDir` (the files of `realDir`, where links lead) into `archivePath` (a `.tar.gz`),
 * compressing with `gzip` and hashing on the way, and counting its entries, files and file bytes from
 * the tar headers as they pass (the media drill checks the archive against them). GNU tar's exit 1 ("file changed as we read it": a site that is being written to) is a warning,
 * returned in `warning` (tar's lines are in the step's warnings); 2 is a failure.
 */
export async function archiveMedia(
  media: { mediaDir: string; realDir: string },
  archivePath: string,
  signal?: AbortSignal,
  gzip: ParallelGzipOptions = { threads: 1 },
) {
  const running = startCommand(buildTarCommand(media.mediaDir, media.realDir), { signal, okExitCodes: [0, 1] });
  const fanOut = new FanOut(createWriteStream(archivePath, { flags: 'wx', mode: 0o600 }));
  const counter = new TarCounter(`tar's output for ${archivePath}`);
  const [piped, exited] = await watchWhile(
    'media',
    () => fanOut.bytes,
    Promise.allSettled([pipeline(running.stdout, counter, new ParallelGzip(gzip), fanOut), running.done]),
  );
  if (piped.status === 'rejected')
    throw new Error(`writing ${archivePath} failed: ${String(piped.reason)}`, { cause: piped.reason });
  if (exited.status === 'rejected') throw exited.reason;
  const warning =
    exited.value.exitCode === 1 ? 'tar exited with status 1: some files changed while being archived' : undefined;
  if (!counter.complete) throw new Error(`tar's output for ${archivePath} ends before its end-of-archive blocks`);
  const { entries, fileBytes } = counter.counts;
  return { path: archivePath, bytes: fanOut.bytes, sha256: fanOut.sha256, entries, fileBytes, warning };
}
