import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { DumpManifest } from '../../common/dump-manifest';
import { runCommand } from '../process/run-command';
import { MysqlManifestTap } from './mysql-dump-scanner';
import { manifestFromPgList, PgManifestTap } from './pg-dump-manifest';

/** The TOC of a `pg_dump --format=tar` file, as `pg_restore --list` prints it. */
export async function listPgDump(path: string, signal?: AbortSignal): Promise<string> {
  return (await runCommand({ file: 'pg_restore', args: ['--list', path] }, { signal })).stdout;
}

/**
 * The manifest of a dump file on disk (`.sql.gz`: one gunzip pass through the SQL scanner; `.tar`:
 * `pg_restore --list` plus one pass counting rows). Used where no recorded manifest is at hand.
 */
export async function readDumpFileManifest(path: string, signal?: AbortSignal): Promise<DumpManifest> {
  const sink = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });
  if (path.endsWith('.tar')) {
    const tap = new PgManifestTap();
    await pipeline(createReadStream(path), tap, sink(), { signal });
    return manifestFromPgList(await listPgDump(path, signal), tap.counter.rowsById);
  }
  const tap = new MysqlManifestTap();
  await pipeline(createReadStream(path), createGunzip(), tap, sink(), { signal });
  return tap.scanner.result();
}
