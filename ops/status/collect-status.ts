/**
 * The I/O shell of `backopper status`: list the managed schedules (the backend the sync uses), list
 * each app's dumps in S3, read the backup document's command history, build the rows. Every AWS call
 * runs with bounded concurrency and the SDK's retry of throttled calls; nothing is downloaded.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { type Command, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsClient } from '../../control/aws-clients';
import { createRulesBackend } from '../../control/sync/backends/rules';
import { createSchedulerBackend } from '../../control/sync/backends/scheduler';
import type { ScheduleBackend } from '../../control/sync/backends/types';
import { listNewestBackups, type NewestBackups } from '../../control/backup-objects';
import { describeError } from '../../control/errors';
import { settleConcurrently } from '../../control/concurrency';
import { readRunFacts, type RunFacts } from '../../control/run-facts';
import { describeUnreadable } from '../../control/run-records';
import { DEFAULT_INVENTORY_MAX_AGE_DAYS } from '../../control/placement';
import { readPlacementSummary } from '../../control/read-inventory';
import { buildStatusRows } from './build-status';
import { addDrillProof } from './drill-proof';
import { appKey, type CommandRun, findLatestCommands, readInstanceRuns, toCommandRun } from './command-history';
import type { OversightConfig } from './config';
import type { StatusReport } from './format-status';
import { readScheduleFacts, type ScheduleFacts } from './schedule-facts';

/** Clients and seams; each defaults to the real thing. */
export interface StatusDependencies {
  scheduler?: SchedulerClient;
  eventBridge?: EventBridgeClient;
  ssm?: SSMClient;
  s3?: S3Client;
  now?: () => Date;
}

/** The schedule backend of `config`, for listing only (listing never passes a role). */
export function createListingBackend(config: OversightConfig, deps: StatusDependencies): ScheduleBackend {
  if (config.backend === 'rules') {
    return createRulesBackend({
      client: deps.eventBridge ?? createAwsClient(EventBridgeClient),
      eventBusName: config.eventBusName,
      documentArn: '',
      roleArn: '',
      deadLetterArn: undefined,
      now: deps.now,
      concurrency: config.concurrency,
    });
  }
  return createSchedulerBackend({
    client: deps.scheduler ?? createAwsClient(SchedulerClient),
    groupName: config.scheduleGroup,
    roleArn: '',
    deadLetterArn: undefined,
    concurrency: config.concurrency,
  });
}

/** Collects the status of every managed backup schedule of the chosen environments. */
export async function collectStatus(input: {
  config: OversightConfig;
  only: readonly string[];
  /** Only these apps (every app when empty). */
  apps?: readonly string[];
  historyDays: number;
  deps: StatusDependencies;
}): Promise<StatusReport> {
  const { config, deps } = input;
  const now = (deps.now ?? (() => new Date()))();
  const ssm = deps.ssm ?? createAwsClient(SSMClient);
  const s3 = deps.s3 ?? createAwsClient(S3Client);
  const backend = createListingBackend(config, deps);
  const errors: string[] = [];
  const schedules: ScheduleFacts[] = [];
  for (const environment of config.environments.filter(
    (env) => input.only.length === 0 || input.only.includes(env.name),
  )) {
    try {
      for (const actual of (await backend.list(environment.name)).managed) {
        const facts = readScheduleFacts({
          kind: backend.kind,
          name: actual.name,
          environment: environment.name,
          app: actual.app,
          definition: actual.definition,
        });
        // Other documents (the weekly restore check) have their own schedules under the same prefix.
        const wantedApp = !input.apps?.length || input.apps.includes(facts.app);
        if (facts.request.DocumentName === config.documentName && wantedApp) schedules.push(facts);
      }
    } catch (error) {
      errors.push(`${environment.name}: schedules could not be listed: ${describeError(error)}`);
    }
  }
  const keys = schedules.map((schedule) => appKey(schedule.environment, schedule.app));
  const listed = await settleConcurrently(schedules, config.concurrency, (schedule) =>
    listNewestBackups({
      client: s3,
      bucket: config.bucket as string,
      app: schedule.app,
      environment: schedule.environment,
    }),
  );
  const backups = new Map<string, NewestBackups | Error>(
    listed.map((result, index) => [
      keys[index] as string,
      result.status === 'fulfilled' ? result.value : new Error(describeError(result.reason)),
    ]),
  );
  const facts = await settleConcurrently(schedules, config.concurrency, (schedule) =>
    readRunFacts({ client: s3, bucket: config.bucket as string, app: schedule.app, environment: schedule.environment }),
  );
  const runs = new Map<string, RunFacts | Error>(
    facts.map((result, index) => [
      keys[index] as string,
      result.status === 'fulfilled' ? result.value : new Error(describeError(result.reason)),
    ]),
  );
  const since = new Date(now.getTime() - input.historyDays * 86_400_000);
  const wanted = new Set(keys);
  const commands = await readLatestRuns({
    ssm,
    documentName: config.documentName,
    wanted,
    since,
    concurrency: config.concurrency,
    errors,
  });
  // The weekly restore check (when the stack has it on): its own document's newest command per app.
  const checks = config.verifyDocumentName
    ? await readLatestRuns({
        ssm,
        documentName: config.verifyDocumentName,
        wanted,
        since,
        concurrency: config.concurrency,
        errors,
      })
    : undefined;
  const placement = await readPlacementLines({ ssm, schedules, now, errors });
  for (const [key, found] of backups)
    if (found instanceof Error)
      errors.push(
        `${key}: s3://${config.bucket}/${key.split('/').reverse().join('/')}/ could not be listed: ${found.message}`,
      );
  for (const [key, found] of runs) {
    if (found instanceof Error)
      errors.push(
        `${key}: run records under s3://${config.bucket}/${key.split('/').reverse().join('/')}/runs/ could not be read: ${found.message}`,
      );
    else
      for (const entry of found.unreadable)
        errors.push(`${key}: ${describeUnreadable(config.bucket as string, entry)}`);
  }
  const rows = buildStatusRows({ schedules, backups, commands, runs, checks, now });
  // The last proven restore of each app, from its drill records.
  await addDrillProof({
    rows,
    s3,
    bucket: config.bucket as string,
    concurrency: config.concurrency,
    backups,
    drillsOn: config.verifyDocumentName !== undefined,
    now,
    errors,
  });
  return {
    generatedAt: now.toISOString(),
    backend: config.backend,
    bucket: config.bucket as string,
    rows,
    errors,
    historyDays: input.historyDays,
    placement,
  };
}

/** The newest command of `documentName` per wanted app, with each server's run; problems go to `errors`. */
async function readLatestRuns(input: {
  ssm: SSMClient;
  documentName: string;
  wanted: ReadonlySet<string>;
  since: Date;
  concurrency: number;
  errors: string[];
}): Promise<Map<string, CommandRun>> {
  const commands = new Map<string, CommandRun>();
  if (input.wanted.size === 0) return commands;
  try {
    const { latest } = await findLatestCommands({
      ssm: input.ssm,
      documentName: input.documentName,
      wanted: input.wanted,
      since: input.since,
    });
    const entries = [...latest.entries()];
    const runs = await settleConcurrently(entries, input.concurrency, ([, command]: [string, Command]) =>
      readInstanceRuns({ ssm: input.ssm, commandId: command.CommandId as string }),
    );
    runs.forEach((result, index) => {
      const [key, command] = entries[index] as [string, Command];
      if (result.status === 'fulfilled') commands.set(key, toCommandRun(command, result.value));
      else
        input.errors.push(
          `${key}: invocations of command ${command.CommandId} could not be read: ${describeError(result.reason)}`,
        );
    });
  } catch (error) {
    input.errors.push(`command history of ${input.documentName} could not be read: ${describeError(error)}`);
  }
  return commands;
}

// Apps on no server, or on several, per the servers' inventory (what the sync aims the schedules by).
async function readPlacementLines(input: {
  ssm: SSMClient;
  schedules: ScheduleFacts[];
  now: Date;
  errors: string[];
}): Promise<string[]> {
  const lines: string[] = [];
  for (const environment of [...new Set(input.schedules.map((schedule) => schedule.environment))]) {
    const apps = input.schedules
      .filter((schedule) => schedule.environment === environment)
      .map((schedule) => schedule.app);
    try {
      const summary = await readPlacementSummary({
        client: input.ssm,
        environment,
        apps,
        now: input.now,
        maxAgeDays: DEFAULT_INVENTORY_MAX_AGE_DAYS,
      });
      for (const app of summary.onNoServer)
        lines.push(`${environment}/${app}: on no server (its command goes to every ${environment} server)`);
      for (const several of summary.onSeveralServers)
        lines.push(
          `${environment}/${several.app}: on ${several.holders.join(', ')} (backed up on ${several.instanceId} only)`,
        );
    } catch (error) {
      input.errors.push(`${environment}: the servers' inventory could not be read: ${describeError(error)}`);
    }
  }
  return lines;
}
