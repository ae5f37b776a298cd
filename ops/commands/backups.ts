/** `backopper backups <environment> <app>`: the app's dumps in S3, newest first, with time, size and sha256. */
import { formatBytes } from '../../common/format';
import { settleConcurrently } from '../../lambda/shared/concurrency';
import { createS3Client } from '../recovery/s3-client';
import { listStoredBackups, readStoredChecksum } from '../recovery/stored-backups';
import { parseTargetArgs } from './target-args';
import type { CliCommand } from './types';

const USAGE = `usage: backopper backups <environment> <app> [--bucket <name>] [--json]
  Lists the app's database backups in S3 (BACKOPPER_BUCKET or --bucket), newest first.`;

export const backupsCommand: CliCommand = {
  name: 'backups',
  summary: "List an app's backups in S3: time, size, sha256.",
  usage: USAGE,
  async run(args, context) {
    const { environment, app, bucket, values } = parseTargetArgs(args, context.env, { booleans: ['json'] });
    const s3 = createS3Client(context.env);
    const backups = await listStoredBackups(s3, bucket, app, environment);
    const checksums = await settleConcurrently(backups, 8, (backup) => (backup.checksumKey ? readStoredChecksum(s3, bucket, backup.checksumKey) : Promise.resolve('missing')));
    const rows = backups.map((backup, index) => {
      const checksum = checksums[index];
      return { ...backup, time: new Date(backup.timestamp * 1000).toISOString(), sha256: checksum.status === 'fulfilled' ? checksum.value : 'unreadable' };
    });
    if (values.json) {
      context.stdout(JSON.stringify(rows.map(({ key, time, timestamp, size, sha256 }) => ({ key, time, timestamp, size, sha256 }))));
      return 0;
    }
    if (rows.length === 0) {
      context.stdout(`no backups of ${app} (${environment}) in s3://${bucket}`);
      return 0;
    }
    context.stdout(`backups of ${app} (${environment}) in s3://${bucket}, newest first:`);
    context.stdout(`  ${'time (UTC)'.padEnd(20)} ${'size'.padStart(10)}  ${'sha256'.padEnd(12)}  key`);
    for (const row of rows) {
      context.stdout(`  ${row.time.slice(0, 19).replace('T', ' ').padEnd(20)} ${formatBytes(row.size).padStart(10)}  ${row.sha256.slice(0, 12).padEnd(12)}  ${row.key}`);
    }
    return 0;
  },
};
