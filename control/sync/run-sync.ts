/**
 * One sync run over every configured environment, shared by the Lambda handler and the CLI: read the
 * secret once, build the backend, sync each environment, summarize.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createAwsClient } from '../aws-clients';
import { createRulesBackend } from './backends/rules';
import { createSchedulerBackend } from './backends/scheduler';
import type { ScheduleBackend } from './backends/types';
import { type BackendKind, type SyncConfig, requireKnownEnvironments } from '../config';
import { describeError } from '../errors';
import { createTextLogger, type Logger } from '../log';
import { readApiSecret } from '../read-secret';
import { emptySummary, type EnvironmentResult, type EnvironmentSummary, syncEnvironment } from './sync-environment';

/** What a run returns (and the handler logs): one entry per environment. */
export interface SyncSummary {
  /** False when any environment is unknown or failed. */
  ok: boolean;
  /** True for `backopper plan`: the counts are what would be done. */
  dryRun: boolean;
  backend: BackendKind;
  environments: EnvironmentSummary[];
}

/** Clients and seams; each defaults to the real thing. */
export interface SyncDependencies {
  scheduler?: SchedulerClient;
  eventBridge?: EventBridgeClient;
  ssm?: SSMClient;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Clock for converting local slots to UTC (rules backend). */
  now?: () => Date;
  /** Used by the app-list backoff. */
  sleep?: (ms: number) => Promise<void>;
}

/** Options of {@link runSync}. */
export interface RunSyncOptions {
  config: SyncConfig;
  /** Plan only: list and compare, write nothing. */
  dryRun?: boolean;
  /** Restrict the run to these environments (all when empty). */
  only?: readonly string[];
}

/** The backend `config.backend` names. */
export function createBackend(config: SyncConfig, deps: SyncDependencies = {}): ScheduleBackend {
  if (config.backend === 'rules') {
    return createRulesBackend({
      client: deps.eventBridge,
      eventBusName: config.eventBusName,
      documentArn: config.documentArn as string,
      roleArn: config.scheduleRoleArn,
      deadLetterArn: config.deadLetterArn,
      now: deps.now,
      concurrency: config.concurrency,
    });
  }
  return createSchedulerBackend({
    client: deps.scheduler,
    groupName: config.scheduleGroup,
    roleArn: config.scheduleRoleArn,
    deadLetterArn: config.deadLetterArn,
    concurrency: config.concurrency,
  });
}

/** Runs the sync; resolves with the summary and per-environment details, whatever failed. */
export async function runSync(
  options: RunSyncOptions,
  deps: SyncDependencies = {},
): Promise<{ summary: SyncSummary; results: EnvironmentResult[] }> {
  const { config } = options;
  const logger = deps.logger ?? createTextLogger((line) => console.error(line));
  const dryRun = options.dryRun ?? false;
  const environments = selectEnvironments(config, options.only ?? []);
  const backend = createBackend(config, deps);
  // One client for the secret and the servers' inventory.
  const ssm = deps.ssm ?? createAwsClient(SSMClient);
  let secret: string;
  try {
    secret = await readApiSecret({ parameterName: config.apiSecretParameter, client: ssm });
  } catch (error) {
    logger.error('no API secret: every environment left exactly as it is', { error: describeError(error) });
    const results = environments.map((environment) => unknownResult(environment.name, describeError(error)));
    return { summary: summarize(config, dryRun, results), results };
  }
  const results: EnvironmentResult[] = [];
  for (const environment of environments) {
    const result = await syncEnvironment({
      environment,
      config,
      backend,
      secret,
      logger,
      dryRun,
      fetch: deps.fetch,
      sleep: deps.sleep,
      ssm,
      now: deps.now,
    });
    logger.info(dryRun ? 'environment planned' : 'environment synced', { ...result.summary });
    results.push(result);
  }
  return { summary: summarize(config, dryRun, results), results };
}

function selectEnvironments(config: SyncConfig, only: readonly string[]) {
  requireKnownEnvironments(config.environments, only, '--environment');
  return config.environments.filter((environment) => only.length === 0 || only.includes(environment.name));
}

function unknownResult(environment: string, error: string): EnvironmentResult {
  return {
    summary: { ...emptySummary(environment), status: 'unknown', errors: [error] },
    plan: undefined,
    blocked: [],
  };
}

function summarize(config: SyncConfig, dryRun: boolean, results: EnvironmentResult[]): SyncSummary {
  const environments = results.map((result) => result.summary);
  return {
    ok: environments.every((summary) => summary.status === 'ok'),
    dryRun,
    backend: config.backend,
    environments,
  };
}
