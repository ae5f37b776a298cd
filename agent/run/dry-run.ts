import { join } from 'node:path';
import { localDumpName } from '../../common/app-spec';
import { formatMediaArchiveName } from '../../common/media-archive';
import { buildTarCommand, mediaDirCandidates } from '../steps/archive-media';
import type { BackupConfig } from '../config/config';
import { dumpTarget } from '../steps/database-steps';
import { readDbConnection } from '../config/read-db-connection';
import { buildDumpCommand } from '../process/db-commands';
import { partialPathOf } from '../steps/dump-database';
import { messageOf } from '../errors';
import { describeCommand } from '../process/run-command';
import { SECRET_FD_PATH } from '../process/secret-file';
import { hostId } from '../process/process-identity';
import { buildSftpCommand, buildUploadBatch } from '../steps/transfer-media';

/**
 * What a backup run would do, with secrets redacted: commands, paths, keys. Reads the `.env` (to show
 * the dump command) and nothing else; creates, locks and deletes nothing.
 */
export async function planBackup(config: BackupConfig, timestamp: number): Promise<Record<string, unknown>> {
  const backupDir = join(config.backupsDir, config.app);
  const plan: Record<string, unknown> = {};
  if (config.engine === 'none') {
    plan.database = { skip: 'engine is none (media only)' };
  } else {
    try {
      const db = await readDbConnection(config);
      const path = join(backupDir, localDumpName(db.engine, timestamp));
      const dump = buildDumpCommand(
        { ...db, password: '***' },
        SECRET_FD_PATH,
        { maxAllowedPacket: config.mysqlMaxAllowedPacket },
        partialPathOf(path),
      );
      plan.database = {
        command: describeCommand(dump.command),
        secretFile: dump.secretFile.contents.trim(),
        path,
        keepLocal: config.keepLocal,
      };
    } catch (error) {
      plan.database = { error: messageOf(error) };
    }
    const target = dumpTarget(config, timestamp);
    plan.upload = target
      ? { url: `s3://${target.bucket}/${target.key}`, checksum: `s3://${target.bucket}/${target.key}.sha256` }
      : { skip: 'BACKOPPER_BUCKET is not set' };
  }
  if (!config.media) {
    plan.media = { skip: 'BACKOPPER_MEDIA_HOST is not set' };
  } else {
    const candidates = mediaDirCandidates(join(config.appsDir, config.app), config.projectType, config.mediaDir);
    const remoteName = formatMediaArchiveName({
      app: config.app,
      environment: config.environment,
      timestamp,
      hostId: hostId(),
    });
    const archive = join(config.tmpDir ?? '<tmp>', remoteName);
    plan.media = {
      candidates,
      command: candidates[0]
        ? `${describeCommand(buildTarCommand(candidates[0]))} | gzip (${config.compressThreads} thread(s), in the agent) > ${archive}`
        : undefined,
    };
    plan.transfer = {
      command: describeCommand(buildSftpCommand(config.media)),
      batch: buildUploadBatch(archive, config.media.path, remoteName).batch.trim().split('\n'),
    };
  }
  return plan;
}
