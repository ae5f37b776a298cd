/**
 * The schedules the app list asks for, one per (environment, app): backend-neutral, pure and
 * deterministic. The backends turn each {@link ScheduleSpec} into their own definition.
 */
import type { AppSpec } from '../../common/app-spec';
import { DRILL_FREQUENCY } from '../../common/drill-record';
import type { BackupWindow, EnvironmentConfig, Weekday } from '../../common/settings/rules';
import { managedMarker, scheduleName, verifyMarker, verifyScheduleName } from '../../common/schedule-name';
import { type AppPlacement, type PlacementMap, UNKNOWN_PLACEMENT } from '../placement';
import { type ScheduleTiming, scheduleTimeZone, slotFor } from './slots';

/** The SSM SendCommand a schedule runs. Parameter names match the Backopper-Backup document. */
export interface CommandSpec {
  documentName: string;
  /**
   * `[{ key: 'InstanceIds', values: ['i-0abc…'] }]` for an app whose server is known, else the
   * environment's tag: `[{ key: 'tag:backopper:environment', values: ['live'] }]`.
   */
  targets: { key: string; values: string[] }[];
  /** SendCommand `MaxConcurrency`: set explicitly (the default, 50, would queue a large fallback). */
  maxConcurrency: string;
  /** SendCommand `MaxErrors`: set explicitly (the default, 0, stops at the first server's error). */
  maxErrors: string;
  /**
   * Document parameters: `app`, `environment`, `engine`, `projectType`, `executionTimeout` for the backup
   * document; `app`, `environment`, `executionTimeout` for the verify document.
   */
  parameters: Record<string, string>;
  /** SendCommand `TimeoutSeconds`: how long the command may wait to be delivered. */
  deliveryTimeoutSeconds: number;
  /** `backopper backup of <app> (<environment>)` (or `verify of`), at most 100 characters. */
  comment: string;
  /** CloudWatch Logs group for the command output; the SSM default group when undefined. */
  logGroupName: string | undefined;
}

/** One desired schedule, before a backend shapes it. */
export interface ScheduleSpec {
  name: string;
  environment: string;
  app: string;
  /** The ownership marker (see schedule-name.ts). */
  description: string;
  /** Local timing in `timeZone`. */
  timing: ScheduleTiming;
  /** The environment's zone; UTC for sub-daily frequencies (see {@link scheduleTimeZone}). */
  timeZone: string;
  command: CommandSpec;
}

/** What {@link buildDesiredSchedules} and {@link buildVerifySchedules} need besides the apps. */
export interface DesiredContext {
  environment: EnvironmentConfig;
  timeZone: string;
  window: BackupWindow;
  weeklyDay: Weekday;
  documentName: string;
  executionTimeoutSeconds: number;
  deliveryTimeoutSeconds: number;
  logGroupName: string | undefined;
  /** Which server holds which app. @default every app unknown: the tag target */
  placement?: PlacementMap;
}

/**
 * Concurrency and error threshold of every command. A placed app has one target; the tag fallback
 * reaches every server of the environment at once and does not stop at a server's error, so the one
 * holding the app is always reached (the others skip it before any download).
 */
export const COMMAND_LIMITS = { maxConcurrency: '100%', maxErrors: '100%' } as const;

/** The SendCommand `Comment` limit. */
export const MAX_COMMENT_LENGTH = 100;

/** One schedule spec per app, in the order of `apps`. */
export function buildDesiredSchedules(apps: readonly AppSpec[], context: DesiredContext): ScheduleSpec[] {
  return apps.map((app) => buildSchedule(app, context));
}

function buildSchedule(app: AppSpec, context: DesiredContext): ScheduleSpec {
  const environment = context.environment.name;
  const timeZone = scheduleTimeZone(app.frequency, context.timeZone);
  return {
    name: scheduleName(environment, app.name),
    environment,
    app: app.name,
    description: managedMarker(environment, app.name),
    timing: slotFor({
      environment,
      app: app.name,
      frequency: app.frequency,
      window: context.window,
      weeklyDay: context.weeklyDay,
      timeZone,
    }),
    timeZone,
    command: buildCommand(context, {
      task: 'backup',
      app,
      parameters: { engine: app.engine, projectType: app.projectType },
    }),
  };
}

/** The verify settings in the same shape: its document, window, day and timeout. */
export type VerifyContext = DesiredContext;

/**
 * One weekly restore check per app that has a database (media-only apps have nothing to restore), at a
 * slot of the verify window spread by a hash of its own, on the verify day.
 */
export function buildVerifySchedules(apps: readonly AppSpec[], context: VerifyContext): ScheduleSpec[] {
  const environment = context.environment.name;
  return apps
    .filter((app) => app.engine !== 'none')
    .map((app) => ({
      name: verifyScheduleName(environment, app.name),
      environment,
      app: app.name,
      description: verifyMarker(environment, app.name),
      timing: slotFor({
        environment,
        app: `${app.name}#verify`,
        frequency: DRILL_FREQUENCY,
        window: context.window,
        weeklyDay: context.weeklyDay,
        timeZone: context.timeZone,
      }),
      timeZone: context.timeZone,
      command: buildCommand(context, { task: 'verify', app }),
    }));
}

/** The SendCommand of one app's schedule: `app`, `environment`, the task's own parameters, `executionTimeout`. */
function buildCommand(
  context: DesiredContext,
  input: { task: 'backup' | 'verify'; app: AppSpec; parameters?: Record<string, string> },
): CommandSpec {
  const environment = context.environment.name;
  const placement: AppPlacement = (context.placement ?? UNKNOWN_PLACEMENT).placementOf(input.app.name);
  return {
    documentName: context.documentName,
    targets:
      placement.kind === 'unknown'
        ? [{ key: `tag:${context.environment.tagKey}`, values: [context.environment.tagValue] }]
        : [{ key: 'InstanceIds', values: placement.instanceIds }],
    ...COMMAND_LIMITS,
    parameters: {
      app: input.app.name,
      environment,
      ...input.parameters,
      executionTimeout: String(context.executionTimeoutSeconds),
    },
    deliveryTimeoutSeconds: context.deliveryTimeoutSeconds,
    comment: truncate(`backopper ${input.task} of ${input.app.name} (${environment})`, MAX_COMMENT_LENGTH),
    logGroupName: context.logGroupName,
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
