import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { paginateListObjectsV2, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseRunRecord, RUN_RECORD_PATTERN, runRecordPrefix, type RunRecord } from '../../common/run-record';
import type { DrillConfig } from '../config/config';
import { messageOf } from '../errors';
import { runCommand } from '../process/run-command';
import { createTempFolder } from '../process/temp-folder';
import { buildSftpCommand, quote } from '../steps/transfer-media';
import { readArchiveWhole } from './read-archive';
import type { DrillReport } from './run-drill';

/** The newest run (at or before `at`) whose media reached the media server: what its steps recorded. Pure. */
export function chooseMediaRun(records: RunRecord[], at?: number): RunRecord | undefined {
  return records
    .filter((record) => record.steps.transfer?.status === 'succeeded' && record.steps.transfer.path)
    .filter((record) => at === undefined || record.timestamp <= at)
    .sort((a, b) => b.timestamp - a.timestamp)[0];
}

/**
 * A media drill: picks the run's archive from the run records, fetches it from the media server,
 * checks its sha256 and size against what the run recorded, and reads it whole (every byte
 * decompressed, every tar header walked; entries and file bytes against the media step's record when
 * it has them). Never throws: a failure is `status: failed`.
 */
export async function runMediaDrill(
  config: DrillConfig,
  deps: { s3: S3Client; log: (line: string) => void; signal: AbortSignal; now?: () => number },
): Promise<DrillReport> {
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
    const run = chooseMediaRun(await readAllRunRecords(deps.s3, config), config.at);
    if (!run)
      throw new Error(`no run of ${config.app} in ${config.environment} recorded a media archive on the media server`);
    const transfer = run.steps.transfer!;
    const remote = transfer.path!.slice(transfer.path!.indexOf(':') + 1);
    report.backup = {
      key: transfer.path!,
      timestamp: run.timestamp,
      ...(transfer.sha256 ? { sha256: transfer.sha256 } : {}),
    };
    workDir = await createTempFolder(config.tmpDir ?? tmpdir(), `drill-${config.app}`);
    const local = join(workDir, posix.basename(remote));
    deps.log(`drill     fetching ${transfer.path}`);
    await runCommand(buildSftpCommand(config.mediaServer!), {
      input: `get ${quote(remote)} ${quote(local)}\n`,
      signal: deps.signal,
    });
    const hash = createHash('sha256');
    await pipeline(createReadStream(local), hash);
    const sha256 = hash.digest('hex');
    const { size } = await stat(local);
    report.bytes = size;
    if (transfer.bytes !== undefined && size !== transfer.bytes)
      report.differences.push(`${transfer.path} is ${size} bytes, the run recorded ${transfer.bytes}`);
    if (transfer.sha256 && sha256 !== transfer.sha256)
      report.differences.push(`${transfer.path} has sha256 ${sha256}, the run recorded ${transfer.sha256}`);
    const readStarted = performance.now();
    try {
      const contents = await readArchiveWhole(local, deps.signal);
      report.restoreSeconds = Math.round((performance.now() - readStarted) / 10) / 100;
      Object.assign(report, { entries: contents.entries, files: contents.files, fileBytes: contents.fileBytes });
      const recorded = run.steps.media as { entries?: number; fileBytes?: number } | undefined;
      if (recorded?.entries !== undefined && recorded.entries !== contents.entries)
        report.differences.push(
          `the archive has ${contents.entries} entries, the media step recorded ${recorded.entries}`,
        );
      if (recorded?.fileBytes !== undefined && recorded.fileBytes !== contents.fileBytes)
        report.differences.push(
          `the archive's files hold ${contents.fileBytes} bytes, the media step recorded ${recorded.fileBytes}`,
        );
    } catch (error) {
      report.differences.push(messageOf(error));
    }
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
