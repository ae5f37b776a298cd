/**
 * The LAST PROVEN RESTORE of `backopper status`: each app's drill records (control/drill-records.ts),
 * judged as the freshness monitor judges them (control/freshness/assess-drills.ts), so status flags
 * `drill-failed` and `drill-overdue` exactly when the monitor alerts.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { NewestBackups } from '../../control/backup-objects';
import { settleConcurrently } from '../../control/concurrency';
import { drillTime, readDrillFacts } from '../../control/drill-records';
import { describeError } from '../../control/errors';
import { assessDrills } from '../../control/freshness/assess-drills';
import type { StatusRow } from './build-status';
import { appKey } from './command-history';

/** Drill records read per app at most: the newest down to the last passed one. */
const DRILL_READ_LIMIT = 10;

/** Reads each database app's newest drills and sets its `proof` and drill flags; problems go to `errors`. */
export async function addDrillProof(input: {
  rows: StatusRow[];
  s3: S3Client;
  bucket: string;
  concurrency: number;
  /** The dump listings by {@link appKey}: how long each app has had backups. */
  backups: ReadonlyMap<string, NewestBackups | Error>;
  /** The stack runs weekly drills (the restore-check document is configured): flag failed and overdue drills. */
  drillsOn: boolean;
  now: Date;
  errors: string[];
}): Promise<void> {
  // Media-only apps have no scheduled drill.
  const rows = input.rows.filter((row) => row.engine !== 'none');
  const results = await settleConcurrently(rows, input.concurrency, (row) =>
    readDrillFacts({
      client: input.s3,
      bucket: input.bucket,
      app: row.app,
      environment: row.environment,
      kind: 'database',
      untilPassed: true,
      limit: DRILL_READ_LIMIT,
    }),
  );
  results.forEach((result, index) => {
    const row = rows[index] as StatusRow;
    const at = `${row.environment}/${row.app}`;
    if (result.status === 'rejected') {
      input.errors.push(`${at}: drill records could not be read: ${describeError(result.reason)}`);
      return;
    }
    for (const entry of result.value.unreadable)
      input.errors.push(
        `${at}: drill record s3://${input.bucket}/${entry.key} is unreadable (skipped): ${entry.error}`,
      );
    const found = input.backups.get(appKey(row.environment, row.app));
    const verdict = assessDrills({
      enabled: true,
      engine: row.engine,
      drills: result.value.records,
      complete: result.value.complete,
      oldestBackup: found instanceof Error ? undefined : found?.oldest,
      now: input.now,
    });
    const time = (seconds: number) => new Date(seconds * 1000).toISOString();
    const { lastPassed, newest, failed } = verdict;
    row.proof = {
      ...(lastPassed
        ? {
            lastPassed: {
              time: time(drillTime(lastPassed)),
              key: lastPassed.backup?.key,
              restoreSeconds: lastPassed.restoreSeconds,
            },
          }
        : {}),
      ...(newest
        ? { newest: { time: time(drillTime(newest)), status: newest.status, error: newest.error ?? newest.reason } }
        : {}),
      ...(failed ? { failed: { time: time(drillTime(failed)), key: failed.backup?.key, error: failed.error } } : {}),
    };
    if (input.drillsOn && failed) row.flags.push('drill-failed');
    if (input.drillsOn && verdict.overdue) row.flags.push('drill-overdue');
  });
}
