import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { paginateListObjectsV2, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseMediaArchiveName } from '../../common/media-archive';
import { parseRunRecord, RUN_RECORD_PATTERN, runRecordPrefix, type RunRecord } from '../../common/run-record';
import { SNAPSHOT_PATTERN, snapshotFolder } from '../../common/snapshot-names';
import type { DrillConfig, MediaServer } from '../config/config';
import { messageOf } from '../errors';
import { runCommand } from '../process/run-command';
import { createTempFolder } from '../process/temp-folder';
import { buildRestoreRsync } from '../run/restore-snapshot';
import { parseRsyncStats } from '../steps/rsync-command';
import { buildSftpCommand, quote } from '../steps/transfer-media';
import { readArchiveWhole } from './read-archive';
import { type DrillReport, removeDeadDrillFolders } from './run-drill';

/** The newest run (at or before `at`) whose media reached the media server: what its steps recorded. Pure. */
export function chooseMediaRun(records: RunRecord[], at?: number): RunRecord | undefined {
  return records
    .filter((record) => record.steps.transfer?.status === 'succeeded' && record.steps.transfer.path)
    .filter((record) => at === undefined || record.timestamp <= at)
    .sort((a, b) => b.timestamp - a.timestamp)[0];
}

/**
 * What the archive read whole differs in from the counts the media step recorded (entries, file
 * bytes); `recorded: false` for a run made before the counts were recorded. Pure.
 */
export function compareArchiveCounts(
  found: { entries: number; fileBytes: number },
  media: { entries?: number; fileBytes?: number } | undefined,
): { recorded: boolean; differences: string[] } {
  if (media?.entries === undefined || media.fileBytes === undefined) return { recorded: false, differences: [] };
  const differences: string[] = [];
  if (media.entries !== found.entries)
    differences.push(`the archive has ${found.entries} entries, the media step recorded ${media.entries}`);
  if (media.fileBytes !== found.fileBytes)
    differences.push(`the archive's files hold ${found.fileBytes} bytes, the media step recorded ${media.fileBytes}`);
  return { recorded: true, differences };
}

type MediaDrillDeps = { s3: S3Client; log: (line: string) => void; signal: AbortSignal; now?: () => number };

/**
 * A media drill: picks the run from the run records. An archive is fetched from the media server,
 * checked against the sha256 and size the run recorded, and read whole (every byte decompressed, every
 * tar header walked), its entries and file bytes compared with the counts the media step recorded while
 * writing it (a run from before those counts: said so, sha256 and readability only). A snapshot is
 * listed through the key's rsync (read-only, nothing copied) and its files and bytes compared with the
 * run's manifest. Never throws: a failure is `status: failed`.
 */
export async function runMediaDrill(config: DrillConfig, deps: MediaDrillDeps): Promise<DrillReport> {
  const started = performance.now();
  const report: DrillReport = {
    command: 'drill',
    kind: 'media',
    app: config.app,
    environment: config.environment,
    host: hostname(),
    timestamp: Math.floor((deps.now ?? Date.now)() / 1000),
    status: 'failed',
    differences: [],
    durationMs: 0,
  };
  let workDir: string | undefined;
  try {
    const tmp = config.tmpDir ?? tmpdir();
    // What drills killed with SIGKILL left (their fetched archives), never a live one's.
    const cleaned = await removeDeadDrillFolders(config.tmpDir);
    if (cleaned.length) report.cleaned = cleaned;
    const run = chooseMediaRun(await readAllRunRecords(deps.s3, config), config.at);
    const none = `no run of ${config.app} in ${config.environment} recorded its media on the media server`;
    if (!run && config.rotate) {
      // The weekly drill of an app without media (none configured, or no media folder): nothing to prove,
      // not a failure (the freshness monitor watches media that should be there and is not).
      report.status = 'skipped';
      report.reason = none;
      return report;
    }
    if (!run) throw new Error(none);
    const transfer = run.steps.transfer!;
    report.backup = {
      key: transfer.path!,
      timestamp: run.timestamp,
      ...(transfer.sha256 ? { sha256: transfer.sha256 } : {}),
    };
    workDir = await createTempFolder(tmp, `drill-${config.app}`);
    if (transfer.manifest && !transfer.sha256)
      await drillSnapshot({ config, run, workDir, report, signal: deps.signal, log: deps.log });
    else await drillArchive({ config, run, workDir, report, signal: deps.signal, log: deps.log });
    report.status = report.differences.length === 0 ? 'passed' : 'failed';
    if (report.status === 'failed') report.error = report.differences.join('; ');
  } catch (error) {
    report.error = messageOf(error);
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

interface DrillInput {
  config: DrillConfig;
  run: RunRecord;
  workDir: string;
  report: DrillReport;
  signal: AbortSignal;
  log: (line: string) => void;
}

async function drillArchive({ config, run, workDir, report, signal, log }: DrillInput): Promise<void> {
  const transfer = run.steps.transfer!;
  const remote = transfer.path!.slice(transfer.path!.indexOf(':') + 1);
  // Only this app's archive: its name says whose it is (a name of an earlier version, which does not, must
  // be in this app's media folder). A run record naming another app's archive (with its sha256 and
  // counts) must not prove this app's media.
  const folder = posix.normalize(config.mediaServer!.path).replace(/(.)\/+$/, '$1');
  const named = parseMediaArchiveName(posix.basename(remote));
  const ours =
    named !== undefined &&
    (named.app !== undefined
      ? named.app === config.app && named.environment === config.environment
      : posix.dirname(posix.normalize(remote)) === folder);
  if (!ours)
    throw new Error(
      `${transfer.path} (run ${run.timestamp}) is not an archive of ${config.app} (${config.environment})${named?.app === undefined ? ` in its media folder ${folder}` : ''}`,
    );
  const local = join(workDir, posix.basename(remote));
  log(`drill     fetching ${transfer.path}`);
  await runCommand(buildSftpCommand(config.mediaServer!), { input: `get ${quote(remote)} ${quote(local)}\n`, signal });
  const hash = createHash('sha256');
  await pipeline(createReadStream(local), hash);
  const sha256 = hash.digest('hex');
  const { size } = await stat(local);
  report.bytes = size;
  if (transfer.bytes !== undefined && size !== transfer.bytes)
    report.differences.push(`${transfer.path} is ${size} bytes, the run recorded ${transfer.bytes}`);
  const expected = transfer.sha256 ?? run.steps.media?.sha256;
  if (!expected) report.differences.push(`${transfer.path}: the run recorded no sha256 to check it against`);
  else if (sha256 !== expected)
    report.differences.push(`${transfer.path} has sha256 ${sha256}, the run recorded ${expected}`);
  const readStarted = performance.now();
  let contents;
  try {
    contents = await readArchiveWhole(local, signal);
  } catch (error) {
    report.differences.push(messageOf(error));
    return;
  }
  report.restoreSeconds = Math.round((performance.now() - readStarted) / 10) / 100;
  Object.assign(report, { entries: contents.entries, files: contents.files, fileBytes: contents.fileBytes });
  const counts = compareArchiveCounts(contents, run.steps.media);
  report.differences.push(...counts.differences);
  report.reason = counts.recorded
    ? `${transfer.path} read whole: ${contents.entries} entries, ${contents.fileBytes} bytes of files, as the media step recorded`
    : `${transfer.path} read whole (${contents.entries} entries, ${contents.fileBytes} bytes of files); counts not recorded by that run (made before they were): sha256 and readability checked only`;
}

async function drillSnapshot({ config, run, workDir, report, signal, log }: DrillInput): Promise<void> {
  const transfer = run.steps.transfer!;
  const manifest = transfer.manifest!;
  const media: MediaServer = config.mediaServer!;
  const recorded = transfer.path!.slice(transfer.path!.indexOf(':') + 1).replace(/\/+$/, '');
  const name = posix.basename(recorded);
  const folder = snapshotFolder(media.path, config.app, config.environment);
  if (!SNAPSHOT_PATTERN.test(name) || posix.dirname(recorded) !== folder)
    throw new Error(`${transfer.path} (run ${run.timestamp}) is not a snapshot in this app's folder ${folder}`);
  log(`drill     listing snapshot ${transfer.path}`);
  const empty = join(workDir, 'listing');
  await mkdir(empty);
  const listStarted = performance.now();
  // --dry-run into an empty folder: rsync's sender counts every file of the snapshot, nothing is copied.
  const listing = await runCommand(
    buildRestoreRsync({
      config: { media, app: config.app, environment: config.environment },
      target: { name },
      staging: empty,
      dryRun: true,
    }),
    { signal },
  ).catch((error: unknown) => {
    throw new Error(`listing ${transfer.path} failed: ${messageOf(error)}`, { cause: error });
  });
  report.restoreSeconds = Math.round((performance.now() - listStarted) / 10) / 100;
  const stats = parseRsyncStats(listing.stdout);
  Object.assign(report, { files: stats.files, fileBytes: stats.bytes });
  report.bytes = stats.bytes;
  if (stats.files !== manifest.files)
    report.differences.push(`${transfer.path} holds ${stats.files} files, its manifest says ${manifest.files}`);
  if (stats.bytes !== manifest.bytes)
    report.differences.push(`${transfer.path} holds ${stats.bytes} bytes, its manifest says ${manifest.bytes}`);
  report.reason = `${transfer.path} listed: ${stats.files} files, ${stats.bytes} bytes, as its manifest says`;
}

async function readAllRunRecords(s3: S3Client, config: DrillConfig): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const pages = paginateListObjectsV2(
    { client: s3 },
    { Bucket: config.bucket, Prefix: runRecordPrefix(config.app, config.environment) },
  );
  for await (const page of pages) {
    for (const item of page.Contents ?? []) {
      if (!item.Key || !RUN_RECORD_PATTERN.test(item.Key)) continue;
      const result = await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: item.Key }));
      try {
        records.push(parseRunRecord((await result.Body?.transformToString()) ?? ''));
      } catch {
        // an unreadable record names no archive; the drill picks among the readable ones
      }
    }
  }
  return records;
}
