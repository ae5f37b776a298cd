import { createWriteStream } from 'node:fs';
import { access, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DbConnection } from '../config/db-credentials';
import {
  buildDumpCommand,
  DEFAULT_MAX_ALLOWED_PACKET,
  type MysqlDumpOptions,
  MYSQLDUMP_TRAILER,
} from '../process/db-commands';
import { messageOf } from '../errors';
import { FanOut } from '../process/fan-out';
import { flushBehind, flushBehindFd } from '../process/flush-behind';
import { FileFollower } from '../process/follow-file';
import { ParallelGzip, type ParallelGzipOptions } from '../process/parallel-gzip';
import { startCommand } from '../process/run-command';
import { UnqualifySequenceDefaults } from '../process/unqualify-sequences';
import { withSecretFile } from '../process/secret-file';
import { watchWhile } from '../process/progress';
import type { DumpManifest } from '../../common/dump-manifest';
import { listPgDump } from '../manifest/dump-file-manifest';
import { MysqlManifestTap } from '../manifest/mysql-dump-scanner';
import { manifestFromPgList, PgManifestTap } from '../manifest/pg-dump-manifest';

/** A dump that is complete, verified, fsynced and under its final name. */
export interface DumpResult {
  path: string;
  bytes: number;
  sha256: string;
  /** What the dump holds, read from it as it was written (common/dump-manifest.ts). */
  manifest?: DumpManifest;
}

export interface DumpOptions {
  db: DbConnection;
  /** The final path; the dump is written beside it under a hidden `.partial` name first. */
  path: string;
  /** Extra streams that receive the compressed bytes as they are produced (the streamed upload). */
  alsoWriteTo?: Writable[];
  /** One of `alsoWriteTo` that takes no data for this long is dropped; the dump goes on into the file. */
  stallTimeoutMs?: number;
  /** mysqldump's packet size and the schema parts to leave out. */
  mysql?: MysqlDumpOptions;
  /** How the MariaDB dump is gzip-compressed. @default one thread */
  gzip?: ParallelGzipOptions;
  signal?: AbortSignal;
}

const TAIL_BYTES = 1024;

/**
 * Runs mysqldump (gzip-compressed in-process on `gzip.threads` cores) or `pg_dump --format=tar` into `path`: writes
 * under a temporary name while hashing (pg_dump writes that file itself; the agent follows it), then requires the dump's exit status 0, the completeness marker
 * (mysqldump's `-- Dump completed` line, the tar end-of-archive blocks), a clean write and fsync, and
 * only then renames. On any failure the temporary file is removed and nothing is left under `path`.
 */
export async function dumpDatabase({
  db,
  path,
  alsoWriteTo = [],
  stallTimeoutMs,
  mysql,
  gzip = { threads: 1 },
  signal,
}: DumpOptions): Promise<DumpResult> {
  if (signal?.aborted) throw signal.reason;
  if (await exists(path)) throw new Error(`${path} already exists; refusing to overwrite a backup`);
  const partial = partialPathOf(path);
  const child = new AbortController();
  const abortChild = () => child.abort();
  signal?.addEventListener('abort', abortChild, { once: true });
  try {
    if (db.engine === 'postgres')
      return await dumpPostgres({
        db,
        path,
        partial,
        alsoWriteTo,
        stallTimeoutMs,
        signal: child.signal,
        abortDump: abortChild,
      });
    return await withSecretFile(
      'my.cnf',
      (secretPath) => buildDumpCommand(db, secretPath, mysql),
      async (plan) => {
        const running = startCommand(plan.command, { signal: child.signal, secrets: plan.secrets });
        const tail = new TailKeeper(TAIL_BYTES);
        const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
        flushBehind(file);
        const fanOut = new FanOut(file, alsoWriteTo, { stallTimeoutMs, signal: child.signal });
        const manifestTap = new MysqlManifestTap();
        const piping = mysql?.unqualifySequenceDefaults
          ? pipeline(
              running.stdout,
              tail,
              new UnqualifySequenceDefaults(db.database),
              manifestTap,
              new ParallelGzip(gzip),
              fanOut,
            )
          : pipeline(running.stdout, tail, manifestTap, new ParallelGzip(gzip), fanOut);
        const [piped, exited] = await watchWhile(
          'database',
          () => fanOut.bytes,
          Promise.allSettled([
            piping.catch((error: unknown) => {
              child.abort(); // a write that failed (disk full) must not leave the dump running
              throw error;
            }),
            running.done,
          ]),
        );
        if (piped.status === 'rejected')
          throw new Error(`writing ${partial} failed: ${messageOf(piped.reason)}`, { cause: piped.reason });
        if (exited.status === 'rejected')
          throw explainDumpFailure(exited.reason, mysql?.maxAllowedPacket ?? DEFAULT_MAX_ALLOWED_PACKET);
        checkComplete(db.engine, tail.bytes, tail.total);
        return finish(partial, path, fanOut, manifestTap.scanner.result());
      },
    );
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  } finally {
    signal?.removeEventListener('abort', abortChild);
  }
}

/** Where a dump is written before it is verified: a hidden `.partial` name beside `path`. */
export function partialPathOf(path: string): string {
  return join(path, '..', `.${path.slice(path.lastIndexOf('/') + 1)}.partial`);
}

/** fsyncs the verified partial file, renames it to its final name and fsyncs the folder. */
async function finish(partial: string, path: string, fanOut: FanOut, manifest: DumpManifest): Promise<DumpResult> {
  await fsyncPath(partial);
  await rename(partial, path).catch((error: unknown) => {
    throw new Error(`renaming ${partial} to ${path} failed: ${messageOf(error)}`, { cause: error });
  });
  await fsyncPath(join(path, '..'));
  return { path, bytes: fanOut.bytes, sha256: fanOut.sha256, manifest };
}

interface PostgresDump {
  db: DbConnection;
  path: string;
  partial: string;
  alsoWriteTo: Writable[];
  stallTimeoutMs?: number;
  signal: AbortSignal;
  abortDump: () => void;
}

/**
 * `pg_dump --format=tar --file <partial>`: pg_dump writes the file itself (no pipe, no copy through
 * Node), and the agent follows the growing file in 1 MiB reads for the sha256 and the streamed upload,
 * until pg_dump has exited and the file's end is reached. The partial is created here first (`wx`,
 * 0600), so an existing file is never taken over and pg_dump only truncates the empty file it opens.
 * The completeness check reads the tar end-of-archive blocks from the file; the size followed must be
 * the file's size.
 */
async function dumpPostgres({
  db,
  path,
  partial,
  alsoWriteTo,
  stallTimeoutMs,
  signal,
  abortDump,
}: PostgresDump): Promise<DumpResult> {
  const handle = await open(partial, 'wx+', 0o600).catch((error: unknown) => {
    throw new Error(`writing ${partial} failed: ${messageOf(error)}`, { cause: error });
  });
  try {
    return await withSecretFile(
      'pgpass',
      (secretPath) => buildDumpCommand(db, secretPath, {}, partial),
      async (plan) => {
        const running = startCommand(plan.command, { signal, secrets: plan.secrets });
        const follower = new FileFollower(handle, running.done);
        const stopFlushing = flushBehindFd(handle.fd, () => follower.position);
        const fanOut = new FanOut(null, alsoWriteTo, { stallTimeoutMs, signal });
        const manifestTap = new PgManifestTap();
        const [piped, exited] = await watchWhile(
          'database',
          () => fanOut.bytes,
          Promise.allSettled([
            pipeline(follower, manifestTap, fanOut).catch((error: unknown) => {
              abortDump(); // a file that cannot be read must not leave the dump running
              throw error;
            }),
            running.done,
          ]),
        );
        await stopFlushing();
        if (exited.status === 'rejected') throw exited.reason;
        if (piped.status === 'rejected')
          throw new Error(`reading ${partial} failed: ${messageOf(piped.reason)}`, { cause: piped.reason });
        const { size } = await handle.stat();
        if (size !== fanOut.bytes)
          throw new Error(
            `${partial} is ${size} bytes but ${fanOut.bytes} were read from it: the file changed under the dump`,
          );
        const tail = Buffer.alloc(Math.min(TAIL_BYTES, size));
        await handle.read(tail, 0, tail.length, size - tail.length);
        checkComplete('postgres', tail, size);
        const manifest = manifestFromPgList(await listPgDump(partial, signal), manifestTap.counter.rowsById);
        return finish(partial, path, fanOut, manifest);
      },
    );
  } finally {
    await handle.close();
  }
}

/**
 * mysqldump reports a row larger than its packet limit as a lost connection; say what it most likely
 * is and which setting raises the limit.
 */
function explainDumpFailure(error: unknown, packet: string): unknown {
  const table = /Lost connection to (?:MySQL |MariaDB )?server during query when dumping table `([^`]+)`/.exec(
    messageOf(error),
  )?.[1];
  if (!table) return error;
  return new Error(
    `${messageOf(error)}; a row of ${table} may be larger than the packet limit ${packet}: raise BACKOPPER_MYSQL_MAX_ALLOWED_PACKET (at most 1G)`,
    { cause: error },
  );
}

/** Throws unless the uncompressed dump ends the way only a complete dump does. */
export function checkComplete(engine: DbConnection['engine'], tail: Buffer, total: number): void {
  if (total === 0) throw new Error('the dump produced no output');
  if (engine === 'mysql') {
    if (!tail.toString('utf8').includes(MYSQLDUMP_TRAILER)) {
      throw new Error(`the dump is truncated: it does not end with "${MYSQLDUMP_TRAILER}"`);
    }
    return;
  }
  // A tar archive ends with two 512-byte blocks of zeros and is a whole number of blocks.
  if (total % 512 !== 0 || tail.length < 1024 || tail.subarray(tail.length - 1024).some((byte) => byte !== 0)) {
    throw new Error('the dump is truncated: it does not end with the tar end-of-archive blocks');
  }
}

/** Passes bytes through unchanged, remembering the last `size` of them and the total. */
class TailKeeper extends Transform {
  bytes: Buffer = Buffer.alloc(0);
  total = 0;
  constructor(private readonly size: number) {
    super();
  }
  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.total += chunk.length;
    this.bytes =
      chunk.length >= this.size
        ? chunk.subarray(chunk.length - this.size)
        : Buffer.concat([this.bytes, chunk]).subarray(-this.size);
    callback(null, chunk);
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    throw new Error(`flushing ${path} to disk failed: ${messageOf(error)}`, { cause: error });
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
