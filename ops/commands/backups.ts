/** `backopper backups <environment> <app>`: the app's dumps in S3 and media archives, newest first, with time, size and sha256. */
import { describeLastProof, readDrillFacts } from '../../control/drill-records';
import { collectBackupListing, formatBackupListing } from '../recovery/backup-listing';
import type { CommandHelp } from '../terminal/help';
import { noBackupsOf } from './known-apps';
import { parseTargetArgs, targetBucket } from './target-args';
import { type CliCommand, UsageError } from './types';

const help: CommandHelp = {
  usage: ['<environment> <app> [--bucket <name>] [--runs <n>] [--json]'],
  description: [
    "Lists the app's database backups in S3 (the stack's bucket, BACKOPPER_BUCKET or --bucket) and its\n" +
      'media archives on the media server (from the newest --runs run records), newest first: time (UTC, in\n' +
      'the form `backopper restore --at` accepts), size, sha256, where. An app that is scheduled but has no\n' +
      'backup yet is said so, with its next run. Then the last proven restore: the newest drill that passed\n' +
      '(when, which backup, restore time).',
  ],
  flags: [
    ['--bucket <name>', "the bucket (default: BACKOPPER_BUCKET, else the stack's)"],
    ['--runs <n>', 'run records read for the media archives (1-1000, default 60)'],
    ['--json', 'print only a JSON array on stdout (a drilled dump has `drill`; a failure: {"error": ...})'],
  ],
  examples: [
    ['backopper backups live shop', "shop's backups in live"],
    ['backopper backups live shop --json | jq -r ".[0].key"', 'the newest key, for a script'],
  ],
  exit: '0 listed, 1 no backups yet or a run record is unreadable (named on stderr), 2 bad invocation,\n3 no such app in that environment',
};

export const backupsCommand: CliCommand = {
  name: 'backups',
  summary: "List an app's backups (dumps in S3, media archives): time, size, sha256, where.",
  help,
  async run(args, context) {
    const { environment, app, bucket: bucketFlag, values } = parseTargetArgs(args, context.env, { strings: ['runs'] });
    const runs = Number(values.runs ?? 60);
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000)
      throw new UsageError(`--runs: expected a whole number from 1 to 1000, got ${JSON.stringify(values.runs)}`);
    const { bucket, s3 } = await targetBucket(bucketFlag, context);
    const { rows, warnings, records } = await collectBackupListing({ s3, bucket, app, environment, runs });
    if (rows.length === 0) {
      for (const warning of warnings) context.stderr(`backopper backups: ${warning}`);
      throw await noBackupsOf({ app, environment, bucket, s3, context });
    }
    const drills = await readDrillFacts({ client: s3, bucket, app, environment });
    for (const entry of drills.unreadable) warnings.push(`drill record ${entry.key} is unreadable: ${entry.error}`);
    for (const warning of warnings) context.stderr(`backopper backups: ${warning}`);
    const proof = drills.lastPassed;
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
    else {
      for (const line of formatBackupListing({ app, environment, bucket, rows, records })) context.stdout(line);
      context.stdout(describeLastProof(drills));
    }
    return warnings.length ? 1 : 0;
  },
};
