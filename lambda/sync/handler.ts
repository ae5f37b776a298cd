/**
 * The sync Lambda: invoked every few minutes, it turns each environment's app list into one schedule
 * per app. Configuration comes from `BACKOPPER_*` variables (docs/sync.md). The handler returns the
 * summary when every environment synced, and throws {@link SyncFailedError} (after logging the summary)
 * when one did not, so the function's Errors metric can raise an alarm.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createAwsClient } from '../../control/aws-clients';
import { type Environment, loadConfig } from '../../control/config';
import { describeError, SyncFailedError } from '../../control/errors';
import { createLambdaLogger, type InvocationContext, type LambdaLogger, type Logger } from '../../control/log';
import { runSync, type SyncDependencies, type SyncSummary } from '../../control/sync/run-sync';

/** Optional fields of the invocation event; a scheduled event has neither. */
export interface SyncEvent {
  /** Plan only, write nothing. */
  dryRun?: boolean;
  /** Sync only these environments. */
  environments?: string[];
}

/** Dependencies of the handler: the sync's, plus the variables to read. */
export interface SyncHandlerDependencies extends SyncDependencies {
  /** @default process.env */
  env?: Environment;
}

/** Builds a handler; clients are created once per container and reused across invocations. */
export function createSyncHandler(
  deps: SyncHandlerDependencies = {},
): (event?: unknown, context?: InvocationContext) => Promise<SyncSummary> {
  const lambdaLogger: LambdaLogger | undefined = deps.logger ? undefined : createLambdaLogger('backopper-sync');
  const clients: SyncDependencies = {
    ...deps,
    scheduler: deps.scheduler ?? createAwsClient(SchedulerClient),
    eventBridge: deps.eventBridge ?? createAwsClient(EventBridgeClient),
    ssm: deps.ssm ?? createAwsClient(SSMClient),
    logger: deps.logger ?? lambdaLogger,
  };
  const logger = clients.logger as Logger;
  return async (event?: unknown, context?: InvocationContext): Promise<SyncSummary> => {
    if (context) lambdaLogger?.addContext(context);
    let config;
    try {
      config = loadConfig(deps.env ?? process.env);
    } catch (error) {
      logger.error('invalid configuration: nothing was read or changed', { error: describeError(error) });
      throw error;
    }
    const { dryRun, environments } = readEvent(event);
    const { summary } = await runSync({ config, dryRun, only: environments }, clients);
    const failed = summary.environments.filter((environment) => environment.status !== 'ok');
    logger.info('sync finished', {
      ok: summary.ok,
      dryRun: summary.dryRun,
      backend: summary.backend,
      failed: failed.length,
    });
    if (!summary.ok)
      throw new SyncFailedError(
        failed.map((environment) => environment.environment),
        summary,
      );
    return summary;
  };
}

function readEvent(event: unknown): SyncEvent {
  if (typeof event !== 'object' || event === null) return {};
  const fields = event as Record<string, unknown>;
  const environments = Array.isArray(fields.environments)
    ? fields.environments.filter((name): name is string => typeof name === 'string')
    : undefined;
  return { dryRun: fields.dryRun === true, environments };
}

/** The Lambda entry point (`lambda/sync/handler.ts`, handler `handler`). */
export const handler = createSyncHandler();
