/**
 * The drill part of the freshness alert: apps whose newest restore drill failed, and apps whose last
 * proven restore is older than two drill periods. Pure.
 */
import { DRILL_FREQUENCY } from '../../common/drill-record';
import { formatAge } from '../../control/freshness/assess';
import {
  type AssessedDrill,
  DRILL_OVERDUE_AFTER_PERIODS,
  DRILL_PERIOD_SECONDS,
  type DrillAssessment,
} from '../../control/freshness/assess-drills';
import { drillTime } from '../../control/drill-records';

/** What an app's drill lines need. */
export interface DrilledApp {
  app: string;
  environment: string;
  drills?: DrillAssessment;
}

/** A drill's error or differences, cut to one readable line. */
const WHAT_DIFFERED_LIMIT = 300;

/** `1 failed, 2 overdue drill(s)`, or '' when no drill problem. */
export function summarizeDrillProblems(counts: { drillsFailed: number; drillsOverdue: number }): string {
  const parts = [
    counts.drillsFailed && `${counts.drillsFailed} failed`,
    counts.drillsOverdue && `${counts.drillsOverdue} overdue`,
  ].filter(Boolean);
  return parts.length ? `${parts.join(', ')} drill(s)` : '';
}

/** The DRILL FAILED and DRILL OVERDUE sections' titles and lines (empty sections left out by the caller). */
export function drillSections(
  bucket: string,
  apps: readonly DrilledApp[],
  checkedAt: Date,
): { title: string; lines: string[] }[] {
  const now = Math.floor(checkedAt.getTime() / 1000);
  const at = (app: DrilledApp) => `${app.app} (${app.environment})`;
  const limit = DRILL_PERIOD_SECONDS * DRILL_OVERDUE_AFTER_PERIODS;
  return [
    {
      title: 'DRILL FAILED: the newest restore drill of the S3 copy failed (this backup may not restore):',
      lines: apps
        .filter((app) => app.drills?.failed)
        .map((app) => `${at(app)}: ${describeFailedDrill(bucket, app.drills?.failed as AssessedDrill)}`),
    },
    {
      title: `DRILL OVERDUE: no restore drill passed in the last ${DRILL_OVERDUE_AFTER_PERIODS} drill periods (${DRILL_FREQUENCY}: overdue after ${formatAge(limit)}; is the Backopper-Verify schedule running?):`,
      lines: apps
        .filter((app) => app.drills?.overdue)
        .map((app) => `${at(app)}: ${describeOverdue(bucket, app.drills as DrillAssessment, now)}`),
    },
  ];
}

function describeFailedDrill(bucket: string, drill: AssessedDrill): string {
  const what = drill.error ?? (drill.differences.length ? drill.differences.join('; ') : 'no reason recorded');
  const cut = what.length > WHAT_DIFFERED_LIMIT ? `${what.slice(0, WHAT_DIFFERED_LIMIT)}...` : what;
  const backup = drill.backup
    ? `s3://${bucket}/${drill.backup.key}${drill.backup.tier ? ` (${drill.backup.tier} copy)` : ''}`
    : 'no backup picked';
  return `drill of ${backup} at ${when(drillTime(drill))} on ${drill.host} failed: ${cut}`;
}

function describeOverdue(bucket: string, drills: DrillAssessment, now: number): string {
  const passed = drills.lastPassed;
  const since = drills.noPassSince;
  const ago = (seconds: number) => `${formatAge(Math.max(0, now - seconds))} ago`;
  const text = passed
    ? `last passed drill ${formatAge(drills.ageSeconds ?? 0)} ago (${when(drillTime(passed))}${passed.backup ? `, s3://${bucket}/${passed.backup.key}` : ''})`
    : drills.newest
      ? `no drill has passed since ${since === undefined ? '?' : `${when(since)} (${ago(since)})`}`
      : `never drilled, though it has had backups since ${since === undefined ? '?' : `${when(since)} (${ago(since)})`}`;
  const newest = drills.newest;
  const skipped =
    newest?.status === 'skipped' ? `; the newest drill was skipped: ${newest.reason ?? 'no reason recorded'}` : '';
  return `${text}${skipped}`;
}

function when(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
