/**
 * One freshness check: read the API secret, fetch each environment's app list exactly as the sync does,
 * list each scheduled app's dumps in S3 (bounded concurrency, listings only), read its run records and
 * newest drill records, judge them, build the report. Never throws for an unreachable API or bucket:
 * those become errors in the report.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { parseAppList } from '../../common/app-list';
import type { AppSpec } from '../../common/app-spec';
import { listNewestBackups, type NewestBackups } from '../../control/backup-objects';
import { readRunFacts, type RunFacts } from '../../control/run-facts';
import { describeUnreadable } from '../../control/run-records';
import { type DrillFacts, readDrillFacts } from '../../control/drill-records';
import { assessDrills } from '../../control/freshness/assess-drills';
import { settleConcurrently } from '../../control/concurrency';
import { describeError } from '../../control/errors';
import { appListUrl, fetchAppList } from '../../control/fetch-app-list';
import type { Logger } from '../../control/log';
import { readApiSecret } from '../../control/read-secret';
import { DEFAULT_INVENTORY_MAX_AGE_DAYS } from '../../control/placement';
import { readPlacementSummary } from '../../control/read-inventory';
import { assessBackups, assessMedia, FREQUENCY_SECONDS } from '../../control/freshness/assess';
import type { FreshnessConfig } from '../../control/freshness/config';
import { summarizeRuns } from './app-metrics';
import { type AppFreshness, buildFreshnessReport, type EnvironmentFreshness, type FreshnessReport } from './report';

/** Clients and seams of {@link runFreshnessCheck}. */
export interface FreshnessDependencies {
  s3: S3Client;
  ssm?: SSMClient;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs the check over every configured environment. */
export async function runFreshnessCheck(
  config: FreshnessConfig,
  deps: FreshnessDependencies,
): Promise<FreshnessReport> {
  const now = (deps.now ?? (() => new Date()))();
  const environments: EnvironmentFreshness[] = [];
  const work: { environment: string; app: AppSpec }[] = [];
  let secret: string | undefined;
  let secretError: string | undefined;
  try {
    secret = await readApiSecret({ parameterName: config.apiSecretParameter, client: deps.ssm });
  } catch (error) {
    secretError = describeError(error);
  }
  for (const { name } of config.environments) {
    const entry: EnvironmentFreshness = { environment: name, status: 'ok', apps: 0, disabled: 0, skipped: 0 };
    environments.push(entry);
    if (secret === undefined) {
      Object.assign(entry, { status: 'unknown', error: secretError });
      continue;
    }
    try {
      const raw = await fetchAppList({
        url: appListUrl(config.apiUrl, name),
        headerName: config.apiSecretHeader,
        secret,
        timeoutMs: config.apiTimeoutMs,
        retries: config.apiRetries,
        fetch: deps.fetch,
        sleep: deps.sleep,
      });
      const list = parseAppList(raw);
      Object.assign(entry, { apps: list.apps.length, disabled: list.disabled.length, skipped: list.skipped.length });
      for (const app of list.apps) work.push({ environment: name, app });
      const placement = deps.ssm ? await readPlacementFlags(deps, name, list.apps, now) : undefined;
      if (placement && (placement.onNoServer.length > 0 || placement.onSeveralServers.length > 0))
        entry.placement = placement;
    } catch (error) {
      Object.assign(entry, { status: 'unknown', error: describeError(error) });
      deps.logger.error('app list unavailable: its apps were not checked', { environment: name, error: entry.error });
    }
  }
  const results = await settleConcurrently(work, config.concurrency, async ({ environment, app }) => {
    // Media-only apps have no dump in S3; their media is judged from the run records.
    const none: NewestBackups = { newest: undefined, previous: undefined, count: 0 };
    const [dumps, runs, drills] = await Promise.allSettled([
      app.engine === 'none'
        ? Promise.resolve(none)
        : listNewestBackups({ client: deps.s3, bucket: config.bucket, app: app.name, environment }),
      // An hourly app runs 24 times a day: read a day's records, so the day's run counts are whole.
      readRunFacts({
        client: deps.s3,
        bucket: config.bucket,
        app: app.name,
        environment,
        ...(app.frequency === 'hourly' ? { limit: 26 } : {}),
      }),
      // The newest drills down to the last passed one (a few GetObjects); none when drills are off.
      config.drills && app.engine !== 'none'
        ? readDrillFacts({
            client: deps.s3,
            bucket: config.bucket,
            app: app.name,
            environment,
            kind: 'database',
            untilPassed: true,
            limit: DRILL_READ_LIMIT,
          })
        : Promise.resolve(undefined),
    ]);
    return { dumps, runs, drills };
  });
  const apps = results.map((settled, index): AppFreshness => {
    const { environment, app } = work[index] as (typeof work)[number];
    const base = { environment, app: app.name, frequency: app.frequency, engine: app.engine };
    // settleConcurrently's task never rejects: the reads are settled inside it.
    const { dumps, runs, drills } = (
      settled as PromiseFulfilledResult<{
        dumps: PromiseSettledResult<NewestBackups>;
        runs: PromiseSettledResult<RunFacts>;
        drills: PromiseSettledResult<DrillFacts | undefined>;
      }>
    ).value;
    const recordErrors: string[] = [];
    let media: AppFreshness['media'];
    if (runs.status === 'rejected') {
      recordErrors.push(
        `reading the run records under s3://${config.bucket}/${app.name}/${environment}/runs/ failed: ${describeError(runs.reason)}`,
      );
    } else {
      recordErrors.push(...runs.value.unreadable.map((entry) => describeUnreadable(config.bucket, entry)));
      const verdict = assessMedia({
        engine: app.engine,
        expected: runs.value.mediaExpected,
        intervalSeconds: FREQUENCY_SECONDS[app.frequency],
        media: runs.value.media,
        now,
      });
      media = {
        ...verdict,
        newest: runs.value.media.newest,
        previous: runs.value.media.previous,
        runsRead: runs.value.read,
        problem: runs.value.problem,
      };
    }
    let drillVerdict: AppFreshness['drills'];
    if (drills.status === 'rejected') {
      recordErrors.push(
        `reading the drill records under s3://${config.bucket}/${app.name}/${environment}/drills/ failed: ${describeError(drills.reason)}`,
      );
    } else if (drills.value) {
      recordErrors.push(
        ...drills.value.unreadable.map(
          (entry) => `drill record s3://${config.bucket}/${entry.key} is unreadable (skipped): ${entry.error}`,
        ),
      );
      const verdict = assessDrills({
        enabled: config.drills,
        engine: app.engine,
        drills: drills.value.records,
        complete: drills.value.complete,
        oldestBackup: dumps.status === 'fulfilled' ? dumps.value.oldest : undefined,
        now,
      });
      if (verdict.checked) drillVerdict = verdict;
    }
    const extra = {
      ...(media ? { media } : {}),
      ...(drillVerdict ? { drills: drillVerdict } : {}),
      ...(recordErrors.length ? { recordErrors } : {}),
      ...(runs.status === 'fulfilled' ? { runs: summarizeRuns(runs.value.runs, now) } : {}),
    };
    if (dumps.status === 'rejected') {
      const error = `listing s3://${config.bucket}/${app.name}/${environment}/ failed: ${describeError(dumps.reason)}`;
      return {
        ...base,
        freshness: 'missing',
        shrunk: false,
        ageSeconds: undefined,
        sizeRatio: undefined,
        newest: undefined,
        previous: undefined,
        error,
        ...extra,
      };
    }
    const assessment = assessBackups({
      engine: app.engine,
      intervalSeconds: FREQUENCY_SECONDS[app.frequency],
      backups: dumps.value,
      now,
    });
    return { ...base, ...assessment, newest: dumps.value.newest, previous: dumps.value.previous, ...extra };
  });
  return buildFreshnessReport({ checkedAt: now, bucket: config.bucket, environments, apps });
}

/** Drill records read per app at most: the newest down to the last passed one. */
const DRILL_READ_LIMIT = 10;

// The sync's placement flags, seen from here: advice only, an unreadable inventory is a warning.
async function readPlacementFlags(
  deps: FreshnessDependencies,
  environment: string,
  apps: readonly AppSpec[],
  now: Date,
): Promise<EnvironmentFreshness['placement']> {
  try {
    const summary = await readPlacementSummary({
      client: deps.ssm as SSMClient,
      environment,
      apps: apps.map((app) => app.name),
      now,
      maxAgeDays: DEFAULT_INVENTORY_MAX_AGE_DAYS,
    });
    const flags = {
      onNoServer: summary.onNoServer,
      onSeveralServers: summary.onSeveralServers.map((entry) => entry.app),
      ...(summary.onSeveralServers.length > 0 ? { several: summary.onSeveralServers } : {}),
    };
    if (flags.onNoServer.length > 0)
      deps.logger.warn('apps on no inventoried server', { environment, apps: flags.onNoServer });
    return flags;
  } catch (error) {
    deps.logger.warn("could not read the servers' inventory", { environment, error: describeError(error) });
    return undefined;
  }
}
