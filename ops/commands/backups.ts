/** `backopper backups <environment> <app>`: the app's dumps in S3 and media archives, newest first, with time, size and sha256. */
import { createS3Client } from '../recovery/s3-client';
import { collectBackupListing, formatBackupListing } from '../recovery/backup-listing';
import { parseTargetArgs } from './target-args';
import { type CliCommand, UsageError } from './types';

const USAGE = `usage: backopper backups <environment> <app> [--bucket <name>] [--runs <n>] [--json]
  Lists the app's database backups in S3 (BACKOPPER_BUCKET or --bucket) and its media archives on the
  media server (from the newest --runs run records, default 60), newest first: time (UTC), size, sha256,
  where. --json prints only a JSON array on stdout. Exit 1 when a run record is unreadable (named on stderr).`;

export const backupsCommand: CliCommand = {
  name: 'backups',
  summary: "List an app's backups (dumps in S3, media archives): time, size, sha256, where.",
  usage: USAGE,
  async run(args, context) {
    const { environment, app, bucket, values } = parseTargetArgs(args, context.env, { booleans: ['json'], strings: ['runs'] });
    const runs = Number(values.runs ?? 60);
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new UsageError(`--runs: expected a whole number from 1 to 1000, got ${JSON.stringify(values.runs)}`);
    const s3 = context.deps.s3 ?? createS3Client(context.env);
    const { rows, warnings, records } = await collectBackupListing({ s3, bucket, app, environment, runs });
    if (values.json) context.stdout(JSON.stringify(rows));
    else for (const line of formatBackupListing({ app, environment, bucket, rows, records })) context.stdout(line);
    for (const warning of warnings) context.stderr(`backopper backups: ${warning}`);
    return warnings.length ? 1 : 0;
  },
};
