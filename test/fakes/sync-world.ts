/**
 * A complete world for sync tests and benchmarks: the loopback app-list API, the stateful fakes of
 * Scheduler, EventBridge and SSM installed at the SDK's deserialize step (the handler's own clients, with
 * their retry, reach them), the BACKOPPER_* variables that point at them, and backend-neutral helpers to
 * inspect or hand-edit the schedules.
 */
import type { BackendKind } from '../../control/config';
import { SyncFailedError } from '../../control/errors';
import type { Logger } from '../../control/log';
import type { SyncSummary } from '../../control/sync/run-sync';
import { createSyncHandler, type SyncHandlerDependencies } from '../../lambda/sync/handler';
import { startAppListApi } from './app-list-api';
import { FakeEventBridge } from './fake-eventbridge';
import { FakeScheduler } from './fake-scheduler';
import { backopperAppsItem } from './fake-inventory';
import { FakeSsm } from './fake-ssm';

/** Options of {@link createSyncWorld}. */
export interface SyncWorldOptions {
  backend: BackendKind;
  /** @default ['staging', 'live'] */
  environments?: string[];
  /** Page size of the fakes' list calls. @default 7 */
  pageSize?: number;
  /** Throttle every n-th AWS call. @default 0 */
  throttleEvery?: number;
  /** Rules per event bus in the EventBridge fake. @default 10000 */
  ruleLimit?: number;
  /** Extra or overriding variables. */
  env?: Record<string, string>;
}

/** A log line the handler wrote. */
export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** The outcome of one handler invocation. */
export interface SyncOutcome {
  /** True when the handler resolved; false when it threw SyncFailedError. */
  ok: boolean;
  summary: SyncSummary;
  error: unknown;
}

/** The clock of every world: a winter day, Amsterdam is UTC+1. */
export const WORLD_NOW = new Date('2025-01-15T12:00:00Z');

/** Builds the world; call `close()` when done. */
export async function createSyncWorld(options: SyncWorldOptions) {
  const secret = 'not-a-real-secret-0123456789';
  const environments = options.environments ?? ['staging', 'live'];
  const api = await startAppListApi({ secret });
  const scheduler = new FakeScheduler({ pageSize: options.pageSize, throttleEvery: options.throttleEvery }).install();
  const eventBridge = new FakeEventBridge({
    pageSize: options.pageSize,
    throttleEvery: options.throttleEvery,
    ruleLimit: options.ruleLimit,
  }).install();
  const ssm = new FakeSsm().put('/backopper/api-secret', secret).install();
  const logs: LogRecord[] = [];
  const logger: Logger = {
    info: (message, fields = {}) => logs.push({ level: 'info', message, fields }),
    warn: (message, fields = {}) => logs.push({ level: 'warn', message, fields }),
    error: (message, fields = {}) => logs.push({ level: 'error', message, fields }),
  };
  const env: Record<string, string> = {
    AWS_REGION: 'eu-west-1',
    BACKOPPER_API_URL: api.urlTemplate,
    BACKOPPER_API_SECRET_PARAMETER: '/backopper/api-secret',
    BACKOPPER_API_TIMEOUT_MS: '300',
    BACKOPPER_API_RETRIES: '1',
    BACKOPPER_ENVIRONMENTS: JSON.stringify(environments.map((name) => ({ name }))),
    BACKOPPER_SCHEDULE_BACKEND: options.backend,
    BACKOPPER_SCHEDULE_ROLE_ARN: 'arn:aws:iam::123456789012:role/backopper-schedules',
    BACKOPPER_TIMEZONE: 'Europe/Amsterdam',
    BACKOPPER_BACKUP_WINDOW: '01:00-05:00',
    BACKOPPER_EXECUTION_TIMEOUT: '3600',
    BACKOPPER_DEAD_LETTER_ARN: 'arn:aws:sqs:eu-west-1:123456789012:backopper-dead-letters',
    BACKOPPER_COMMAND_LOG_GROUP: '/backopper/commands',
    ...options.env,
  };
  const calls = () => (options.backend === 'scheduler' ? scheduler.calls : eventBridge.calls);
  const deps = (extra: Record<string, string> = {}, now = WORLD_NOW): SyncHandlerDependencies => ({
    env: { ...env, ...extra },
    logger,
    now: () => now,
    sleep: async () => undefined,
  });

  return {
    backend: options.backend,
    api,
    scheduler,
    eventBridge,
    ssm,
    env,
    logs,
    secret,
    /** Dependencies for createSyncHandler / runCli pointing at this world. */
    deps,
    /** Invokes the Lambda handler once, as a scheduled event would. */
    async sync(input: { event?: unknown; env?: Record<string, string>; now?: Date } = {}): Promise<SyncOutcome> {
      const handler = createSyncHandler(deps(input.env, input.now));
      try {
        const summary = await handler(input.event ?? { source: 'aws.events', 'detail-type': 'Scheduled Event' });
        return { ok: true, summary, error: undefined };
      } catch (error) {
        if (error instanceof SyncFailedError) return { ok: false, summary: error.summary as SyncSummary, error };
        throw error;
      }
    },
    /** Write calls (create/update/delete, PutRule/PutTargets/...) to the chosen backend since the last reset. */
    writes: () => calls().writes(),
    reads: () => calls().reads(),
    throttled: () => calls().throttled,
    acceptedWrites: () => calls().acceptedWrites(),
    counts: () => calls().snapshot(),
    resetCounts() {
      scheduler.calls.reset();
      eventBridge.calls.reset();
      ssm.calls.reset();
    },
    /** Names of every schedule (or rule) in the backend's store, foreign ones included. */
    names: (): string[] => (options.backend === 'scheduler' ? scheduler.names() : eventBridge.names()),
    /** The cron expression stored for `name`, or undefined when it does not exist. */
    expressionOf(name: string): string | undefined {
      if (options.backend === 'scheduler') return scheduler.schedule(name)?.ScheduleExpression;
      return eventBridge.rule(name)?.rule.ScheduleExpression;
    },
    /** The document parameters stored for `name`, as `{ app: 'x', ... }`. */
    parametersOf(name: string): Record<string, string> | undefined {
      const input =
        options.backend === 'scheduler'
          ? (
              JSON.parse(scheduler.schedule(name)?.Target?.Input ?? 'null') as {
                Parameters?: Record<string, string[]>;
              } | null
            )?.Parameters
          : (JSON.parse(eventBridge.rule(name)?.targets[0]?.Input ?? 'null') as Record<string, string[]> | null);
      return input
        ? Object.fromEntries(Object.entries(input).map(([key, [value]]) => [key, value as string]))
        : undefined;
    },
    /** The SendCommand targets stored for `name` (`[{ Key, Values }]`), either backend. */
    targetsOf(name: string): { Key?: string; Values?: string[] }[] | undefined {
      if (options.backend === 'scheduler') {
        const input = JSON.parse(scheduler.schedule(name)?.Target?.Input ?? 'null') as {
          Targets?: { Key: string; Values: string[] }[];
        } | null;
        return input?.Targets;
      }
      return eventBridge.rule(name)?.targets[0]?.RunCommandParameters?.RunCommandTargets;
    },
    /** The stored SendCommand request of a Scheduler schedule (what the universal target sends). */
    sendCommandOf(name: string): Record<string, unknown> | undefined {
      return JSON.parse(scheduler.schedule(name)?.Target?.Input ?? 'null') ?? undefined;
    },
    /** Records a server's `Custom:BackopperApps` inventory: it holds `apps` of `environment`, reported at `at`. */
    reportApps(instanceId: string, environment: string, apps: readonly string[], at: Date = WORLD_NOW): void {
      ssm.inventory.put(instanceId, backopperAppsItem(apps, environment, at));
      // A server that reports inventory runs the SSM agent: a managed instance, Online unless a test says otherwise.
      if (!ssm.managed.has(instanceId)) ssm.manage(instanceId);
    },
    /** Changes a schedule's time by hand, as in the console. */
    editExpressionByHand(name: string, expression: string): void {
      if (options.backend === 'scheduler')
        scheduler.edit(name, (schedule) => void (schedule.ScheduleExpression = expression));
      else eventBridge.edit(name, (stored) => void (stored.rule.ScheduleExpression = expression));
    },
    /** Disables a schedule by hand. */
    disableByHand(name: string): void {
      if (options.backend === 'scheduler') scheduler.edit(name, (schedule) => void (schedule.State = 'DISABLED'));
      else eventBridge.edit(name, (stored) => void (stored.rule.State = 'DISABLED'));
    },
    /** Whether a schedule is enabled. */
    isEnabled(name: string): boolean {
      const state =
        options.backend === 'scheduler' ? scheduler.schedule(name)?.State : eventBridge.rule(name)?.rule.State;
      return state === 'ENABLED';
    },
    /** Changes the app parameter of a schedule's target by hand. */
    editTargetByHand(name: string, app: string): void {
      if (options.backend === 'scheduler') {
        scheduler.edit(name, (schedule) => {
          const input = JSON.parse(schedule.Target?.Input ?? '{}') as { Parameters: Record<string, string[]> };
          input.Parameters.app = [app];
          if (schedule.Target) schedule.Target.Input = JSON.stringify(input);
        });
      } else {
        eventBridge.edit(name, (stored) => {
          const target = [...stored.targets.values()][0];
          if (target) target.Input = JSON.stringify({ ...JSON.parse(target.Input ?? '{}'), app: [app] });
        });
      }
    },
    /** Deletes a schedule by hand, bypassing the counts. */
    deleteByHand(name: string): void {
      if (options.backend === 'scheduler') scheduler.groups.get('backopper')?.delete(name);
      else eventBridge.buses.get('default')?.delete(name);
    },
    /** Adds a schedule that is not Backopper's (no marker) under `name`, in `group` (Scheduler only). */
    seedForeign(name: string, group = 'backopper', description = 'made by hand'): void {
      if (options.backend === 'scheduler') {
        scheduler.seed({
          Name: name,
          GroupName: group,
          Description: description,
          ScheduleExpression: 'cron(0 3 * * ? *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: 'arn:aws:sqs:eu-west-1:123456789012:other',
            RoleArn: 'arn:aws:iam::123456789012:role/other',
            Input: '{}',
          },
        });
      } else {
        eventBridge.seed({ Name: name, ScheduleExpression: 'cron(0 3 * * ? *)', Description: description }, [
          { Id: 'other', Arn: 'arn:aws:sqs:eu-west-1:123456789012:other', Input: '{}' },
        ]);
      }
    },
    async close() {
      scheduler.restore();
      eventBridge.restore();
      ssm.restore();
      await api.close();
    },
  };
}

/** A world, as {@link createSyncWorld} returns it. */
export type SyncWorld = Awaited<ReturnType<typeof createSyncWorld>>;
