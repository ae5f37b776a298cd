/**
 * The per-app numbers the dashboard graphs, as CloudWatch Embedded Metric Format lines (one per app,
 * dimensions Environment and App), from what the freshness check read: the newest dump's age and size,
 * the newest good run's duration, the newest media archive's age, the last passed drill's age and restore
 * time and whether the newest drill failed. Pure.
 */
import { APP_METRICS, FRESHNESS_NAMESPACE } from '../../common/names';
import { DRILL_APP_METRICS } from '../../common/drill-record';
import type { FreshnessReport, RunSummary } from './report';

const DAY_SECONDS = 86_400;

/** The last day's runs and the newest good one, from run facts' `runs` (newest first). */
export function summarizeRuns(
  runs: readonly { timestamp: number; status: string; seconds: number }[],
  now: Date,
): RunSummary {
  const since = now.getTime() / 1000 - DAY_SECONDS;
  const recent = runs.filter((run) => run.timestamp > since);
  const good = runs.find((run) => run.status === 'succeeded');
  return {
    succeeded24h: recent.filter((run) => run.status === 'succeeded').length,
    failed24h: recent.filter((run) => run.status === 'failed' || run.status === 'invalid').length,
    ...(good ? { newestGood: { timestamp: good.timestamp, seconds: good.seconds } } : {}),
  };
}

/** One EMF line per app with at least one number; a number not known is left out, never sent as 0. */
export function appMetricLines(report: FreshnessReport): string[] {
  const at = Date.parse(report.checkedAt);
  const lines: string[] = [];
  for (const app of report.apps) {
    const hours = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds / 36) / 100);
    const goodAge = app.runs?.newestGood ? at / 1000 - app.runs.newestGood.timestamp : undefined;
    const values: Record<string, number | undefined> = {
      // Media-only apps have no dump: their newest good run is their newest backup.
      [APP_METRICS.backupAgeHours]: hours(app.engine === 'none' ? goodAge : app.newest ? app.ageSeconds : undefined),
      [APP_METRICS.dumpBytes]: app.newest?.size,
      [APP_METRICS.runSeconds]: app.runs?.newestGood?.seconds,
      [APP_METRICS.mediaAgeHours]: app.media?.newest ? hours(app.media.ageSeconds) : undefined,
      ...drillValues(app.drills, hours),
    };
    const present = Object.entries(values).filter((entry): entry is [string, number] => entry[1] !== undefined);
    if (present.length === 0) continue;
    lines.push(
      JSON.stringify({
        _aws: {
          Timestamp: at,
          CloudWatchMetrics: [
            {
              Namespace: FRESHNESS_NAMESPACE,
              Dimensions: [['Environment', 'App']],
              Metrics: present.map(([name]) => ({ Name: name, Unit: UNITS[name] ?? 'None' })),
            },
          ],
        },
        Environment: app.environment,
        App: app.app,
        ...Object.fromEntries(present),
      }),
    );
  }
  return lines;
}

const UNITS: Record<string, string> = {
  [APP_METRICS.dumpBytes]: 'Bytes',
  [APP_METRICS.runSeconds]: 'Seconds',
  [DRILL_APP_METRICS.restoreSeconds]: 'Seconds',
};

// Age and restore time of the last passed drill; failed 1/0 once a drill passed or failed (skipped ones prove nothing).
function drillValues(
  drills: FreshnessReport['apps'][number]['drills'],
  hours: (seconds: number | undefined) => number | undefined,
): Record<string, number | undefined> {
  if (!drills) return {};
  const decided = drills.failed !== undefined || drills.lastPassed !== undefined;
  return {
    [DRILL_APP_METRICS.ageHours]: hours(drills.ageSeconds),
    [DRILL_APP_METRICS.failed]: decided ? (drills.failed ? 1 : 0) : undefined,
    [DRILL_APP_METRICS.restoreSeconds]: drills.lastPassed?.restoreSeconds,
  };
}
