/** `backopper backups <environment> <app>`: the app's dumps in S3, newest first, with time, size and sha256. */
import { formatBytes } from '../../common/format';
import { settleConcurrently } from '../../lambda/shared/concurrency';
import { listStoredBackups, readStoredChecksum } from '../recovery/stored-backups';
import { parseTargetArgs, requireKnownApp, targetBucket } from './target-args';
import type { CliCommand } from './types';

const USAGE = `usage: backopper backups <environment> <app> [--bucket <name>] [--json]
  Lists the app's database backups in S3 (the stack's bucket, BACKOPPER_BUCKET or --bucket), newest
  first; times are UTC, in the form \`backopper restore --at\` accepts.
  Exit status: 0 listed, 1 the app has no backups in this environment, 2 bad invocation, 3 no such app.`;

export const backupsCommand: CliCommand = {
  name: 'backups',
  summary: "List an app's backups in S3: time, size, sha256.",
  usage: USAGE,
  async run(args, context) {
    const { environment, app, bucket: bucketFlag, values } = parseTargetArgs(args, context.env, {});
    const { bucket, s3 } = await targetBucket(bucketFlag, context);
    const backups = await listStoredBackups(s3, bucket, app, environment);
    const elsewhere = backups.length === 0 ? await requireKnownApp(s3, bucket, app) : [];
    const checksums = await settleConcurrently(backups, 8, (backup) => (backup.checksumKey ? readStoredChecksum(s3, bucket, backup.checksumKey) : Promise.resolve('missing')));
    const rows = backups.map((backup, index) => {
      const checksum = checksums[index];
      return { ...backup, time: new Date(backup.timestamp * 1000).toISOString(), sha256: checksum.status === 'fulfilled' ? checksum.value : 'unreadable' };
    });
    if (values.json) {
      context.stdout(JSON.stringify(rows.map(({ key, time, timestamp, size, sha256 }) => ({ key, time, timestamp, size, sha256 }))));
      if (rows.length === 0) context.stderr(`backopper backups: no backups of ${app} in ${environment} in s3://${bucket}`);
      return rows.length === 0 ? 1 : 0;
    }
    if (rows.length === 0) {
      context.stderr(`backopper backups: no backups of ${app} in ${environment} in s3://${bucket} (it has objects in: ${elsewhere.join(', ')})`);
      return 1;
    }
    context.stdout(`backups of ${app} (${environment}) in s3://${bucket}, newest first:`);
    context.stdout(`  ${'time (UTC)'.padEnd(20)} ${'size'.padStart(10)}  ${'sha256'.padEnd(12)}  key`);
    for (const row of rows) {
      context.stdout(`  ${row.time.slice(0, 19).replace('T', ' ').padEnd(20)} ${formatBytes(row.size).padStart(10)}  ${row.sha256.slice(0, 12).padEnd(12)}  ${row.key}`);
    }
    return 0;
  },
};
