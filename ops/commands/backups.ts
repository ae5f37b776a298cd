/** `backopper backups <environment> <app>`: the app's dumps in S3 and media archives, newest first, with time, size and sha256. */
import { describeLastProof, readDrillFacts } from '../../control/drill-records';
import { collectBackupListing, formatBackupListing } from '../recovery/backup-listing';
import { parseTargetArgs, requireKnownApp, targetBucket } from './target-args';
import { type CliCommand, UsageError } from './types';

const USAGE = `usage: backopper backups <environment> <app> [--bucket <name>] [--runs <n>] [--json]
  Lists the app's database backups in S3 (the stack's bucket, BACKOPPER_BUCKET or --bucket) and its
  media archives on the media server (from the newest --runs run records, default 60), newest first:
  time (UTC, in the form \`backopper restore --at\` accepts), size, sha256, where; then the app's last
  proven restore (the newest drill that passed: when, which backup, restore time). --json prints only a
  JSON array on stdout (a dump that a drill proved has \`drill\`: status, time, restoreSeconds).
  Exit status: 0 listed, 1 the app has no backups in this environment or a run record is unreadable
  (named on stderr), 2 bad invocation, 3 no such app.`;

export const backupsCommand: CliCommand = {
  name: 'backups',
  summary: "List an app's backups (dumps in S3, media archives): time, size, sha256, where.",
  usage: USAGE,
  async run(args, context) {
    const { environment, app, bucket: bucketFlag, values } = parseTargetArgs(args, context.env, { strings: ['runs'] });
    const runs = Number(values.runs ?? 60);
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000)
      throw new UsageError(`--runs: expected a whole number from 1 to 1000, got ${JSON.stringify(values.runs)}`);
    const { bucket, s3 } = await targetBucket(bucketFlag, context);
    const { rows, warnings, records } = await collectBackupListing({ s3, bucket, app, environment, runs });
    const elsewhere = rows.length === 0 ? await requireKnownApp(s3, bucket, app) : [];
    const drills = rows.length > 0 ? await readDrillFacts({ client: s3, bucket, app, environment }) : undefined;
    for (const entry of drills?.unreadable ?? [])
      warnings.push(`drill record ${entry.key} is unreadable: ${entry.error}`);
    const proof = drills?.lastPassed;
    if (values.json)
      context.stdout(
        JSON.stringify(
          rows.map((row) =>
            proof && (row as { key?: string }).key === proof.backup?.key
              ? {
                  ...row,
                  drill: {
                    status: proof.status,
                    time: new Date(proof.timestamp * 1000).toISOString(),
                    restoreSeconds: proof.restoreSeconds,
                  },
                }
              : row,
          ),
        ),
      );
    else if (rows.length > 0) {
      for (const line of formatBackupListing({ app, environment, bucket, rows, records })) context.stdout(line);
      if (drills) context.stdout(describeLastProof(drills));
    }
    for (const warning of warnings) context.stderr(`backopper backups: ${warning}`);
    if (rows.length === 0) {
      context.stderr(
        `backopper backups: no backups of ${app} in ${environment} in s3://${bucket} (it has objects in: ${elsewhere.join(', ')})`,
      );
      return 1;
    }
    return warnings.length ? 1 : 0;
  },
};
