import { describe, expect, it } from 'vitest';
import { appMetricLines, summarizeRuns } from '../../../lambda/freshness/app-metrics';
import { buildFreshnessReport } from '../../../lambda/freshness/report';

const NOW = new Date('2026-12-07T06:00:00Z');
const at = (hoursAgo: number) => Math.floor(NOW.getTime() / 1000 - hoursAgo * 3600);

describe('summarizeRuns', () => {
  it("counts the last day's runs and finds the newest good one; skipped servers wrote no run", () => {
    expect(
      summarizeRuns(
        [
          { timestamp: at(1), status: 'failed', seconds: 3 },
          { timestamp: at(2), status: 'succeeded', seconds: 120 },
          { timestamp: at(25), status: 'succeeded', seconds: 100 },
        ],
        NOW,
      ),
    ).toEqual({ succeeded24h: 1, failed24h: 1, newestGood: { timestamp: at(2), seconds: 120 } });
  });
});

describe('appMetricLines', () => {
  const report = buildFreshnessReport({
    checkedAt: NOW,
    bucket: 'b',
    environments: [],
    apps: [
      {
        environment: 'live',
        app: 'shop',
        frequency: 'daily',
        engine: 'mysql',
        freshness: 'fresh',
        shrunk: false,
        ageSeconds: 7200,
        sizeRatio: 1,
        newest: { key: 'shop/live/backup_1.sql.gz', timestamp: at(2), size: 5000 },
        previous: undefined,
        runs: { succeeded24h: 1, failed24h: 0, newestGood: { timestamp: at(2), seconds: 120 } },
      },
      {
        environment: 'live',
        app: 'new',
        frequency: 'daily',
        engine: 'mysql',
        freshness: 'missing',
        shrunk: false,
        ageSeconds: undefined,
        sizeRatio: undefined,
        newest: undefined,
        previous: undefined,
      },
    ],
  });

  it('emits one EMF line per app with a number, dimensions Environment and App, and never a made-up 0', () => {
    const lines = appMetricLines(report).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      Environment: 'live',
      App: 'shop',
      BackupAgeHours: 2,
      DumpBytes: 5000,
      RunSeconds: 120,
      _aws: { CloudWatchMetrics: [{ Namespace: 'Backopper', Dimensions: [['Environment', 'App']] }] },
    });
    expect(lines[0]).not.toHaveProperty('MediaAgeHours');
    expect(report.counts).toMatchObject({ runsSucceeded: 1, runsFailed: 0 });
  });
});
