/**
 * The pure core of the drill check: did an app's newest restore drill fail, and is its last proven
 * restore older than two drill periods? Shared by the freshness monitor and `backopper status`.
 *
 * A `skipped` drill (a dump made before manifests, or a copy in an archive storage class) proves nothing
 * and accuses nothing: it is passed over, so the outcome before it stands and the age of the last pass
 * keeps growing. Only database drills count: they are what the weekly schedule runs (media-only apps
 * have no scheduled drill and are not checked; a media drill is run by hand).
 */
import type { DbEngine } from '../../common/app-spec';
import { DRILL_OVERDUE_AFTER_PERIODS, DRILL_PERIOD_SECONDS, type DrillRecord } from '../../common/drill-record';
import { drillOrder, drillTime } from '../drill-records';

export { DRILL_OVERDUE_AFTER_PERIODS, DRILL_PERIOD_SECONDS };

/** A drill as read: the record and, when known, when S3 stored it. */
export type AssessedDrill = DrillRecord & { writtenAt?: number };

/** The verdict on one app's drills. */
export interface DrillAssessment {
  /** False when drills are off or the app has no database (then nothing else is set). */
  checked: boolean;
  /** The newest database drill that passed or failed (skipped ones passed over), when it failed. */
  failed: AssessedDrill | undefined;
  /** The last passed database drill among those read. */
  lastPassed: AssessedDrill | undefined;
  /** Seconds since {@link lastPassed} (undefined without one). */
  ageSeconds: number | undefined;
  /** The newest database drill, whatever its outcome. */
  newest: AssessedDrill | undefined;
  /** No drill passed in the last two drill periods, while the app had backups to drill for longer. */
  overdue: boolean;
  /** Without a known pass: no drill has passed since this time (unix seconds), as far as the records go. */
  noPassSince: number | undefined;
}

const NOT_CHECKED: DrillAssessment = {
  checked: false,
  failed: undefined,
  lastPassed: undefined,
  ageSeconds: undefined,
  newest: undefined,
  overdue: false,
  noPassSince: undefined,
};

/**
 * Judges one app's drills at `now`. `drills` are the records read (any order, every kind); `complete`
 * says whether they are all the app has (else an older pass may exist, but is older than every record
 * read). An app that never passed a drill is overdue only once its oldest backup is older than two
 * drill periods: a new app is not an alarm.
 */
export function assessDrills(input: {
  enabled: boolean;
  engine: DbEngine;
  drills: readonly AssessedDrill[];
  complete: boolean;
  /** Unix seconds of the oldest dump in S3 (undefined: none, or not listed). */
  oldestBackup: number | undefined;
  now: Date;
}): DrillAssessment {
  if (!input.enabled || input.engine === 'none') return NOT_CHECKED;
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  const limit = DRILL_PERIOD_SECONDS * DRILL_OVERDUE_AFTER_PERIODS;
  const database = input.drills
    .filter((drill) => (drill.kind ?? 'database') === 'database')
    .sort((a, b) => drillOrder(b) - drillOrder(a) || b.timestamp - a.timestamp);
  const decisive = database.find((drill) => drill.status !== 'skipped');
  const lastPassed = database.find((drill) => drill.status === 'passed');
  const base = {
    checked: true,
    failed: decisive?.status === 'failed' ? decisive : undefined,
    lastPassed,
    newest: database[0],
  };
  if (lastPassed) {
    const ageSeconds = Math.max(0, nowSeconds - drillTime(lastPassed));
    return { ...base, ageSeconds, overdue: ageSeconds > limit, noPassSince: undefined };
  }
  // No pass among the records read: the last one, if any, is older than every record read; when all
  // were read there is none, and the app has needed one since its oldest backup (or drill).
  const times = input.drills.map(drillTime);
  const oldestRead = times.length ? Math.min(...times) : undefined;
  const since = input.complete
    ? [input.oldestBackup, oldestRead].reduce<number | undefined>(
        (min, time) => (time === undefined ? min : min === undefined ? time : Math.min(min, time)),
        undefined,
      )
    : oldestRead;
  return {
    ...base,
    ageSeconds: undefined,
    overdue: since !== undefined && nowSeconds - since > limit,
    noPassSince: since,
  };
}
