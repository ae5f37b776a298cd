/**
 * What every command says about a name it cannot find: an unknown environment (exit 2, with the
 * closest one), an app with no schedule and nothing stored in the environment named (exit 3, "no such
 * app", with the closest app names from the schedules and the bucket), and an app that is scheduled but
 * has no backup yet (exit 1, with its next run). Reads only, and only on these error paths.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../../common/settings/config-error';
import { readAppSchedule } from '../run/read-schedule';
import { createListingBackend, type StatusDependencies } from '../status/collect-status';
import { listAppEnvironments } from '../recovery/stored-backups';
import { loadOversightConfig, type OversightConfig } from '../status/config';
import { formatLocal } from '../status/format-status';
import { nextRuns } from '../status/schedule-expression';
import type { ScheduleFacts } from '../status/schedule-facts';
import { didYouMean } from '../terminal/suggest';
import { explainError } from './explain-error';
import { type CliContext, NotFoundError } from './types';

/** Throws ConfigError (exit 2) for a name that is not in BACKOPPER_ENVIRONMENTS, with the closest one. */
export function requireEnvironments(environments: readonly { name: string }[], names: readonly string[], what: string) {
  const known = environments.map((environment) => environment.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new ConfigError(
      `${unknown.join(', ')} is not in BACKOPPER_ENVIRONMENTS (${known.join(', ')})${didYouMean(unknown[0] as string, known)}`,
      { setting: what },
    );
}

/** The apps with a managed schedule, per environment; an environment that cannot be listed has none. */
export async function listScheduledApps(
  config: OversightConfig,
  environments: readonly string[],
  deps: StatusDependencies,
): Promise<Map<string, Set<string>>> {
  const backend = createListingBackend(config, deps);
  const apps = new Map<string, Set<string>>();
  for (const environment of environments) {
    // Only for the suggestion: a listing that fails must not hide the error being reported.
    const listed = await backend.list(environment).catch(() => ({ managed: [] }));
    apps.set(environment, new Set(listed.managed.map((schedule) => schedule.app)));
  }
  return apps;
}

/**
 * The top-level folders of the bucket (one per app); [] when it cannot be listed. One delimited listing
 * (S3 answers it whole); when that finds no folder (an empty bucket, or an emulator such as s3rver that
 * drops common prefixes at the top level), the keys themselves, page by page, each page starting past
 * the last app seen, at most `limit` pages.
 */
export async function listStoredApps(s3: S3Client, bucket: string, limit = 200): Promise<string[]> {
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    const apps = (listed.CommonPrefixes ?? []).flatMap((prefix) => (prefix.Prefix ? [prefix.Prefix.slice(0, -1)] : []));
    if (apps.length > 0) return apps;
    let after: string | undefined;
    for (let page = 0; page < limit && apps.length < limit; page += 1) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: after }));
      const keys = (listed.Contents ?? []).flatMap((object) => (object.Key?.includes('/') ? [object.Key] : []));
      for (const key of keys) {
        const app = key.slice(0, key.indexOf('/'));
        if (apps.at(-1) !== app) apps.push(app);
      }
      if (!listed.IsTruncated || keys.length === 0) break;
      // Past every key of the last app seen: keys are ASCII, so nothing in its folder sorts after U+FFFF.
      after = `${apps.at(-1)}/\uffff`;
    }
    return apps;
  } catch {
    return []; // only for the suggestion (see listScheduledApps)
  }
}

/** The "no such app" line (exit 3). Pure. */
export function describeNoSuchApp(input: {
  app: string;
  environment: string;
  /** What was looked at: `it has no backup schedule there`. */
  looked: string;
  /** Environments where the app does exist, and how to say so: `has backups in`, `is scheduled in`. */
  elsewhere?: { what: string; environments: string[] };
  /** Apps that do exist (for "did you mean"). */
  known: Iterable<string>;
}): string {
  const { app, environment, elsewhere } = input;
  const hint = elsewhere?.environments.length
    ? ` (it ${elsewhere.what}: ${elsewhere.environments.join(', ')})`
    : didYouMean(app, input.known);
  return `no app ${app} in ${environment}${hint}: ${input.looked}; \`backopper status\` lists the apps`;
}

/** For run and logs: the NotFoundError of an app with no schedule in `environment`. */
export async function noScheduleIn(input: {
  app: string;
  environment: string;
  config: OversightConfig;
  deps: StatusDependencies;
}): Promise<NotFoundError> {
  const { app, environment, config } = input;
  const names = config.environments.map((candidate) => candidate.name);
  const scheduled = await listScheduledApps(config, names, input.deps);
  const elsewhere = names.filter((name) => name !== environment && scheduled.get(name)?.has(app));
  return new NotFoundError(
    describeNoSuchApp({
      app,
      environment,
      looked: 'it has no backup schedule there (`backopper plan` says why an app in the app list has none)',
      elsewhere: { what: 'is scheduled in', environments: elsewhere },
      known: scheduled.get(environment) ?? [],
    }),
  );
}

/** For `status --app`: the NotFoundError of apps with no schedule in the environments shown. */
export async function noScheduleFor(input: {
  apps: string[];
  config: OversightConfig;
  only: readonly string[];
  deps: StatusDependencies;
}): Promise<NotFoundError> {
  const environments = input.only.length
    ? input.only
    : input.config.environments.map((environment) => environment.name);
  const scheduled = await listScheduledApps(input.config, environments, input.deps);
  const known = [...scheduled.values()].flatMap((apps) => [...apps]);
  const named = input.apps.map((app) => `${app}${didYouMean(app, known)}`);
  return new NotFoundError(
    `no backup schedule for ${named.join(', ')} in ${environments.join(', ')} (not in the app list, or no frequency: \`backopper plan\` says why); \`backopper status\` lists the apps`,
  );
}

/**
 * For backups and restore, when `environment` holds no backup of `app`: the error to throw. A scheduled
 * app: "no backup yet" and its next run (exit 1). Otherwise "no such app" (exit 3), naming where the app
 * does have objects, or the closest names. The schedule is read only when the settings allow it.
 */
export async function noBackupsOf(input: {
  app: string;
  environment: string;
  bucket: string;
  s3: S3Client;
  context: CliContext;
}): Promise<Error> {
  const { app, environment, bucket, s3, context } = input;
  let config: OversightConfig | undefined;
  let schedule: ScheduleFacts | undefined;
  const note = (error: unknown): undefined => {
    context.stderr(
      `backopper: note: the schedule of ${app} in ${environment} could not be read: ${explainError(error, context.env)}`,
    );
  };
  try {
    config = loadOversightConfig(await context.settings(['BACKOPPER_ENVIRONMENTS']));
  } catch (error) {
    // Without settings (only --bucket) there is no schedule to read: the bucket alone answers.
    if (!(error instanceof ConfigError)) note(error);
  }
  // A mistyped environment is a bad invocation (exit 2, with the closest name), not a missing app.
  if (config) requireEnvironments(config.environments, [environment], '<environment>');
  if (config) schedule = await readAppSchedule({ config, environment, app, deps: context.deps }).catch(note);
  if (schedule) return new Error(describeNoBackupYet(schedule, bucket, (context.deps.now ?? (() => new Date()))()));
  const stored = await listAppEnvironments(s3, bucket, app);
  const known = [
    ...(await listStoredApps(s3, bucket)),
    ...(config ? [...((await listScheduledApps(config, [environment], context.deps)).get(environment) ?? [])] : []),
  ];
  return new NotFoundError(
    describeNoSuchApp({
      app,
      environment,
      looked: `${config ? 'no backup schedule and ' : ''}nothing stored under s3://${bucket}/${app}/${environment}/`,
      elsewhere: { what: 'has backups in', environments: stored.filter((name) => name !== environment) },
      known,
    }),
  );
}

/** `shop is scheduled in live (cron(...) Europe/Amsterdam) but has no backup in ... yet: its next run is ...`. Pure. */
export function describeNoBackupYet(schedule: ScheduleFacts, bucket: string, now: Date): string {
  const { app, environment } = schedule;
  let next: Date | undefined;
  try {
    next =
      schedule.state === 'ENABLED'
        ? nextRuns({
            expression: schedule.expression,
            timeZone: schedule.timeZone,
            after: now,
            anchor: schedule.startDate,
          })[0]
        : undefined;
  } catch {
    next = undefined; // an expression status cannot read either: say so below
  }
  const when =
    schedule.state !== 'ENABLED'
      ? 'its schedule is disabled'
      : next
        ? `its next run is ${formatLocal(next, schedule.timeZone)} (${next.toISOString().replace('.000Z', 'Z')})`
        : 'its next run cannot be computed';
  return `${app} is scheduled in ${environment} (${schedule.expression} ${schedule.timeZone}) but has no backup in s3://${bucket}/${app}/${environment}/ yet: ${when}; if it has run already, \`backopper logs ${environment} ${app}\` shows why it made none`;
}
