import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { localDumpName } from '../../common/app-spec';
import { formatMediaArchiveName } from '../../common/media-archive';
import { buildTarCommand, findMediaDir, mediaDirCandidates } from '../steps/archive-media';
import type { BackupConfig } from '../config/config';
import { dumpTarget } from '../steps/database-steps';
import { readDbConnection } from '../config/read-db-connection';
import { buildDumpCommand } from '../process/db-commands';
import { partialPathOf } from '../steps/dump-database';
import { messageOf } from '../errors';
import { describeCommand, runCommand } from '../process/run-command';
import { SECRET_FD_PATH } from '../process/secret-file';
import { hostId } from '../process/process-identity';
import { buildSftpCommand, buildUploadBatch } from '../steps/transfer-media';
import { checkDumpAccess } from '../steps/dump-access';

/** One step of the plan: what it would do, or why it would be skipped, or the error the real run would meet. */
export type PlannedStep = Record<string, unknown> & { skip?: string; error?: string };

/** What `backup --dry-run` found: the plan per step, and `status` `dry-run` or `failed` (a step would fail). */
export interface DryRunReport {
  app: string;
  environment: string;
  status: 'dry-run' | 'failed';
  timestamp: number;
  plan: Record<string, PlannedStep>;
  /** The errors the real run would meet, `<step>: <message>`. */
  error?: string;
}

/**
 * What a backup run would do, with secrets redacted: commands, paths, keys. Reads the `.env`, connects
 * as the app's database user to check what the dump needs, and looks for the media folder; creates,
 * locks and deletes nothing. A step the real run would fail on (a wrong password, a missing grant, no
 * `.env`, no media folder) makes the status `failed`, as the real run's would be.
 */
export async function planBackup(config: BackupConfig, timestamp: number): Promise<DryRunReport> {
  const plan: Record<string, PlannedStep> = {};
  const appDir = join(config.appsDir, config.app);
  if (
    config.skipAbsent &&
    !(await stat(appDir).then(
      (found) => found.isDirectory(),
      () => false,
    ))
  ) {
    // As the run: an app that is not on this server is skipped, exit 0.
    plan.app = { skip: `${appDir} does not exist on this server (--skip-absent)` };
    return { app: config.app, environment: config.environment, status: 'dry-run', timestamp, plan };
  }
  plan.folder = await planFolder(join(config.backupsDir, config.app));
  if (config.engine === 'none') {
    plan.database = { skip: 'engine is none (media only)' };
  } else {
    plan.database = await planDatabase(config, timestamp);
    const target = dumpTarget(config, timestamp);
    plan.upload = target
      ? { url: `s3://${target.bucket}/${target.key}`, checksum: `s3://${target.bucket}/${target.key}.sha256` }
      : { skip: 'BACKOPPER_BUCKET is not set' };
  }
  Object.assign(plan, await planMedia(config, timestamp));
  const errors = Object.entries(plan).flatMap(([step, detail]) => (detail.error ? [`${step}: ${detail.error}`] : []));
  return {
    app: config.app,
    environment: config.environment,
    status: errors.length ? 'failed' : 'dry-run',
    timestamp,
    plan,
    ...(errors.length ? { error: errors.join('; ') } : {}),
  };
}

async function planDatabase(config: BackupConfig, timestamp: number): Promise<PlannedStep> {
  try {
    const db = await readDbConnection(config);
    const path = join(config.backupsDir, config.app, localDumpName(db.engine, timestamp));
    const dump = buildDumpCommand(
      { ...db, password: '***' },
      SECRET_FD_PATH,
      { maxAllowedPacket: config.mysqlMaxAllowedPacket },
      partialPathOf(path),
    );
    const planned: PlannedStep = {
      command: describeCommand(dump.command),
      secretFile: dump.secretFile.contents.trim(),
      path,
      keepLocal: config.keepLocal,
    };
    try {
      // The dump's own client must be here, as the database must let the app's user read everything.
      const dumper = dump.command.file;
      await runCommand({ file: dumper, args: ['--version'] }).catch((error: unknown) => {
        throw new Error(`${dumper} cannot be run: ${messageOf(error)}`);
      });
      return { ...planned, access: await checkDumpAccess(db) };
    } catch (error) {
      return { ...planned, error: `connecting as ${db.user} to ${db.database}: ${messageOf(error)}` };
    }
  } catch (error) {
    return { error: messageOf(error) };
  }
}

/** The app's backup folder: it exists, or the nearest folder above it does and may be written to. */
async function planFolder(folder: string): Promise<PlannedStep> {
  let existing = folder;
  while (
    !(await stat(existing).then(
      () => true,
      () => false,
    )) &&
    dirname(existing) !== existing
  )
    existing = dirname(existing);
  try {
    if (!(await stat(existing)).isDirectory()) throw new Error(`${existing} is not a folder`);
    await access(existing, constants.W_OK | constants.X_OK);
    return existing === folder ? { path: folder } : { path: folder, create: `below ${existing}` };
  } catch (error) {
    return { path: folder, error: `the backup folder cannot be made: ${messageOf(error)}` };
  }
}

async function planMedia(config: BackupConfig, timestamp: number): Promise<Record<string, PlannedStep>> {
  if (!config.media) return { media: { skip: 'BACKOPPER_MEDIA_HOST is not set' } };
  const candidates = mediaDirCandidates(join(config.appsDir, config.app), config.projectType, config.mediaDir);
  if (candidates.length === 0)
    return { media: { skip: `no default media folder for project type ${config.projectType}` } };
  const remoteName = formatMediaArchiveName({
    app: config.app,
    environment: config.environment,
    timestamp,
    hostId: hostId(),
  });
  const archive = join(config.tmpDir ?? '<tmp>', remoteName);
  const folder = await findMediaDir(candidates).then(
    (found) => ({ folder: found }),
    (error: unknown) => ({ error: messageOf(error) }),
  );
  return {
    media: {
      ...folder,
      command: `${describeCommand(buildTarCommand('folder' in folder ? folder.folder : candidates[0]!))} | gzip (${config.compressThreads} thread(s), in the agent) > ${archive}`,
    },
    transfer: {
      command: describeCommand(buildSftpCommand(config.media)),
      batch: buildUploadBatch(archive, config.media.path, remoteName).batch.trim().split('\n'),
    },
  };
}

/** The plan as lines for a person: one per step, details indented below it. Pure. */
export function formatDryRun(report: DryRunReport): string[] {
  const lines = [`dry run of ${report.app} (${report.environment}): nothing is written`];
  for (const [step, detail] of Object.entries(report.plan)) {
    const facts = Object.entries(detail).flatMap(([key, value]) => describeFact(key, value));
    lines.push(`${step.padEnd(9)} ${facts[0] ?? ''}`, ...facts.slice(1).map((fact) => `${' '.repeat(10)}${fact}`));
  }
  lines.push(
    report.status === 'failed' ? `FAILED: the backup would fail: ${report.error}` : 'ok: the backup would run',
  );
  return lines;
}

function describeFact(key: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (key === 'access' && value && typeof value === 'object') {
    const access = value as { account: string; tables: number; views: number; notIncluded: string[] };
    return [
      `access: ${access.account} may read all ${access.tables} table(s) and ${access.views} view(s)`,
      ...access.notIncluded.map((part) => `not included: ${part}`),
    ];
  }
  if (Array.isArray(value)) return value.map((item, i) => `${i === 0 ? `${key}: ` : '  '}${String(item)}`);
  if (typeof value === 'string' && value.includes('\n'))
    return value.split('\n').map((line, i) => `${i === 0 ? `${key}: ` : '  '}${line}`);
  return [`${key}: ${String(value)}`];
}
