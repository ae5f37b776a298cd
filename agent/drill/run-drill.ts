import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { compareManifests, manifestForDump, manifestOf } from '../../common/dump-manifest';
import type { DrillRecord } from '../../common/drill-record';
import { RETENTION_TIERS, type RetentionTier } from '../../common/run-record';
import type { DrillConfig } from '../config/config';
import { messageOf } from '../errors';
import { readDatabaseManifest } from '../manifest/database-manifest';
import { importDump } from '../process/db-client';
import { listPgDump } from '../manifest/dump-file-manifest';
import { checkProcess, hostId } from '../process/process-identity';
import { createTempFolder, removeDeadTempFolders } from '../process/temp-folder';
import {
  chooseDump,
  downloadObject,
  listDumps,
  readChecksum,
  readRunRecordsAt,
  readRunRecordsBefore,
  rotationPick,
} from './drill-s3';
import {
  createExtensions,
  createScratchDatabase,
  drillAdminConnection,
  dropDeadScratchDatabases,
  dropScratchDatabase,
  scratchDatabaseName,
} from './scratch-database';

/** Storage classes a drill cannot read without a restore request: reported, not thawed. */
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** A drill's report: the record written to S3, plus where it went. */
export interface DrillReport extends DrillRecord {
  command: 'drill';
  scratchDatabase?: string;
  tables?: number;
  rows?: number;
  durationMs: number;
  /** Media drill: the archive's members and its files' bytes as read (a snapshot: its files and bytes as listed). */
  entries?: number;
  files?: number;
  fileBytes?: number;
  /** What drills killed with SIGKILL left that this one removed: scratch databases, temporary folders. */
  cleaned?: string[];
  drillRecord?: { bucket: string; key?: string; error?: string };
}

/** Removes the agent's temporary folders (downloads, secret files) whose process is gone, in `tmpDir` and the OS tmp. */
export async function removeDeadDrillFolders(tmpDir: string | undefined): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of new Set([tmpDir ?? tmpdir(), tmpdir()])) removed.push(...(await removeDeadTempFolders(dir)));
  return removed;
}

/**
 * A database drill: picks the dump in S3, checks its sha256, restores it into a scratch database made
 * with the local admin connection (never the app's), compares it with the manifest the dump was
 * recorded with (every object present, every table's rows), and drops the scratch database whatever
 * happened. `restoreSeconds` times the restore alone. Never throws: a failure is `status: failed`.
 */
export async function runDatabaseDrill(
  config: DrillConfig,
  deps: { s3: S3Client; log: (line: string) => void; signal: AbortSignal; now?: () => number },
): Promise<DrillReport> {
  const started = performance.now();
  const timestamp = Math.floor((deps.now ?? Date.now)() / 1000);
  const report: DrillReport = {
    command: 'drill',
    kind: 'database',
    app: config.app,
    environment: config.environment,
    host: hostname(),
    timestamp,
    status: 'failed',
    differences: [],
    durationMs: 0,
  };
  const where = `s3://${config.bucket}/${config.app}/${config.environment}/`;
  let workDir: string | undefined;
  const cleaned: string[] = [];
  try {
    // What drills killed with SIGKILL left (their downloads, secret files), never a live one's.
    cleaned.push(...(await removeDeadDrillFolders(config.tmpDir)));
    const dumps = await listDumps(deps.s3, config.bucket, config.app, config.environment);
    const dump = config.rotate
      ? (rotationPick(dumps, timestamp) ?? chooseDump(dumps, {}, where))
      : chooseDump(dumps, config, where);
    report.backup = {
      key: dump.key,
      timestamp: dump.timestamp,
      ...(dump.storageClass ? { storageClass: dump.storageClass } : {}),
    };
    // As soon as the engine is known, before anything can fail this drill: the scratch databases (full
    // copies of the app's data) that killed drills of this server left.
    const admin = drillAdminConnection(dump.engine, config.adminUrls[dump.engine]);
    const owner = { hostId: hostId(), pid: process.pid };
    cleaned.push(
      ...(await dropDeadScratchDatabases(admin, {
        hostId: owner.hostId,
        isRunning: (pid, sinceMs) => checkProcess({ pid }, sinceMs).running,
      }).catch((error: unknown) => {
        report.differences.push(
          `leftover scratch databases of killed drills could not be dropped: ${messageOf(error)}`,
        );
        return [];
      })),
    );
    if (cleaned.length) deps.log(`drill     removed what killed drills left: ${cleaned.join(', ')}`);
    if (dump.storageClass && ARCHIVED.has(dump.storageClass)) {
      report.status = 'skipped';
      report.reason = `s3://${config.bucket}/${dump.key} is in ${dump.storageClass}: not thawed by a drill (\`backopper restore --thaw\` makes a readable copy)`;
      deps.log(`drill     skipped: ${report.reason}`);
      if (report.differences.length) {
        report.status = 'failed';
        report.error = report.differences.join('; ');
      }
      return report;
    }
    const expected = await readChecksum(deps.s3, config.bucket, dump.key, deps.signal);
    report.backup.sha256 = expected;
    const records = await readRunRecordsAt(deps.s3, { ...config, timestamp: dump.timestamp });
    const manifest = manifestForDump(records, { key: dump.key, timestamp: dump.timestamp, sha256: expected });
    if (!manifest) {
      // "A dump made before manifests" only when the runs before it did not record one either: else its
      // run record is missing or lost its manifest, and a restore that cannot be compared proves nothing.
      const earlier = (await readRunRecordsBefore(deps.s3, { ...config, timestamp: dump.timestamp, limit: 5 })).find(
        (record) => manifestOf(record),
      );
      if (earlier)
        throw new Error(
          `no manifest was recorded with ${dump.key} (its run record is missing or holds none), though the run of ${new Date(earlier.timestamp * 1000).toISOString()} before it recorded one: the dump cannot be shown whole`,
        );
    }
    const tier = tierOfDump(records, dump);
    if (tier) report.backup.tier = tier;

    workDir = await createTempFolder(config.tmpDir ?? tmpdir(), `drill-${config.app}`);
    const path = join(workDir, dump.key.slice(dump.key.lastIndexOf('/') + 1));
    deps.log(`drill     downloading s3://${config.bucket}/${dump.key}`);
    const download = await downloadObject(deps.s3, { bucket: config.bucket, key: dump.key, path, signal: deps.signal });
    report.bytes = download.bytes;
    if (download.sha256 !== expected)
      throw new Error(
        `s3://${config.bucket}/${dump.key} has sha256 ${download.sha256}, its .sha256 says ${expected}: the copy in S3 is not the dump that was made`,
      );

    const name = scratchDatabaseName(config.app, timestamp, owner);
    const { restoreRole, ...scratch } = await createScratchDatabase(admin, name);
    report.scratchDatabase = name;
    try {
      deps.log(`drill     restoring into scratch database ${name}`);
      const restoreStarted = performance.now();
      // PostgreSQL as a superuser: restored as the scratch database's own role, its extensions made first.
      if (restoreRole) await createExtensions(scratch, await listPgDump(path, deps.signal));
      await importDump(scratch, path, { signal: deps.signal, ...(restoreRole ? { role: restoreRole } : {}) });
      report.restoreSeconds = Math.round((performance.now() - restoreStarted) / 10) / 100;
      const restored = await readDatabaseManifest(scratch, deps.signal);
      report.tables = restored.objects.tables.length;
      report.rows = Object.values(restored.rows).reduce((sum, rows) => sum + rows, 0);
      // A dump made before manifests were recorded still restores (or fails) here, but cannot be compared.
      if (manifest) report.differences.push(...compareManifests(manifest, restored));
    } finally {
      await dropScratchDatabase(admin, name).catch((error: unknown) => {
        report.differences.push(`the scratch database ${name} could not be dropped: ${messageOf(error)}`);
      });
    }
    report.status = report.differences.length === 0 ? 'passed' : 'failed';
    if (report.status === 'failed') report.error = report.differences.join('; ');
    else if (!manifest) {
      // Not a proof (status and backups show only passed drills), and not a false alarm either.
      report.status = 'skipped';
      report.reason = `${dump.key} restored into a scratch database (${report.tables} tables, ${report.rows} rows), but no manifest was recorded with it (a dump made before manifests): not compared`;
    }
  } catch (error) {
    report.status = 'failed';
    report.error = messageOf(error);
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    if (cleaned.length) report.cleaned = cleaned;
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

/** The retention tier the run that made `dump` recorded (so a record says "monthly copy"), if any. Pure. */
export function tierOfDump(
  records: readonly unknown[],
  dump: { key: string; timestamp: number },
): RetentionTier | undefined {
  for (const record of records) {
    const run = record as { timestamp?: number; tier?: unknown; steps?: { upload?: { key?: string } } };
    const tier = RETENTION_TIERS.find((name) => name === run.tier);
    if (run.timestamp === dump.timestamp && run.steps?.upload?.key === dump.key && tier) return tier;
  }
  return undefined;
}
