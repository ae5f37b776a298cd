/**
 * The sync of one environment: fetch the list, validate it, compute the desired schedules, list the
 * managed ones, plan, guard, apply. If the list cannot be had, the environment is *unknown* and nothing
 * of it is listed, created, changed or deleted.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { type ParsedAppList, parseAppList } from '../../common/app-list';
import { applyPlan } from './apply-plan';
import type { ActualSchedule, ManagedListing, ScheduleBackend } from './backends/types';
import type { SyncConfig, VerifyScheduleConfig } from '../config';
import type { EnvironmentConfig } from '../../common/settings/rules';
import {
  buildDesiredSchedules,
  buildVerifySchedules,
  type DesiredContext,
  type VerifyContext,
} from './desired-schedules';
import { describeError } from '../errors';
import { appListUrl, fetchAppList } from '../fetch-app-list';
import type { Logger } from '../log';
import { type Change, guardMassDelete, planScheduleChanges, type SchedulePlan } from './plan';
import { scheduleName, verifyScheduleName } from '../../common/schedule-name';
import {
  buildPlacement,
  type PlacementMap,
  type PlacementSummary,
  summarizePlacement,
  UNKNOWN_PLACEMENT,
} from '../placement';
import { readPlacementInputs } from '../read-inventory';

/** The per-environment summary the handler logs and returns. */
export interface EnvironmentSummary {
  environment: string;
  /** `ok`: synced (or planned) without errors; `unknown`: the list could not be had, nothing touched; `failed`: errors. */
  status: 'ok' | 'unknown' | 'failed';
  /** Entries in the app list. */
  fetched: number;
  /** Apps with frequency none/disabled. */
  disabled: number;
  /** Entries not understood, with reasons. */
  skipped: { app?: string; reason: string }[];
  /** In a dry run (`plan`), these count what would be done. */
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Existing schedules left alone because their entry was invalid this run. */
  kept: number;
  /** Where the backups run: targeted at their server, or at the tag; apps on two servers or none. */
  placement?: PlacementSummary;
  errors: string[];
}

/** The summary plus the details `backopper plan` prints. */
export interface EnvironmentResult {
  summary: EnvironmentSummary;
  plan: SchedulePlan | undefined;
  /** Deletions held back by the mass-delete guard. */
  blocked: Change<ActualSchedule>[];
}

/** What {@link syncEnvironment} needs. */
export interface SyncEnvironmentInput {
  environment: EnvironmentConfig;
  config: SyncConfig;
  backend: ScheduleBackend;
  secret: string;
  logger: Logger;
  dryRun: boolean;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Reads the servers' inventory (GetInventory); without it every app targets the tag. */
  ssm?: SSMClient;
  /** The clock the inventory's age is measured with. @default new Date() */
  now?: () => Date;
}

/** Syncs (or, with `dryRun`, plans) one environment. Never throws for expected failures. */
export async function syncEnvironment(input: SyncEnvironmentInput): Promise<EnvironmentResult> {
  const { config, logger } = input;
  const environment = input.environment.name;
  const summary = emptySummary(environment);
  const url = appListUrl(config.apiUrl, environment);
  let raw: unknown[];
  try {
    raw = await fetchAppList({
      url,
      headerName: config.apiSecretHeader,
      secret: input.secret,
      timeoutMs: config.apiTimeoutMs,
      retries: config.apiRetries,
      fetch: input.fetch,
      sleep: input.sleep,
    });
  } catch (error) {
    logger.error('app list unavailable: environment left exactly as it is', {
      environment,
      url,
      error: describeError(error),
    });
    return { summary: { ...summary, status: 'unknown', errors: [describeError(error)] }, plan: undefined, blocked: [] };
  }
  const list = parseAppList(raw);
  summary.fetched = list.total;
  summary.disabled = list.disabled.length;
  summary.skipped = list.skipped.map(({ app, reason }) => ({ app, reason }));
  for (const skipped of list.skipped) logger.warn('app list entry skipped', { environment, reason: skipped.reason });
  return reconcile(input, list, summary);
}

/** An all-zero summary with status `ok`. */
export function emptySummary(environment: string): EnvironmentSummary {
  return {
    environment,
    status: 'ok',
    fetched: 0,
    disabled: 0,
    skipped: [],
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    kept: 0,
    errors: [],
  };
}

// List, plan, guard, apply: the part that runs once the list is known.
async function reconcile(
  input: SyncEnvironmentInput,
  list: ParsedAppList,
  summary: EnvironmentSummary,
): Promise<EnvironmentResult> {
  const { config, logger, backend } = input;
  const environment = input.environment.name;
  const { placement, error: placementError } = await readPlacement(input);
  summary.placement = {
    ...summarizePlacement(
      placement,
      list.apps.map((app) => app.name),
    ),
    ...(placementError ? { error: placementError } : {}),
  };
  for (const several of summary.placement.onSeveralServers)
    logger.warn('app on several servers: backed up once, on the first', { environment, ...several });
  if (summary.placement.onNoServer.length > 0)
    logger.warn('apps on no inventoried server: their command goes to the tag', {
      environment,
      apps: summary.placement.onNoServer,
    });
  const specs = buildDesiredSchedules(list.apps, { ...desiredContext(config, input.environment), placement });
  if (config.verify)
    specs.push(
      ...buildVerifySchedules(list.apps, { ...verifyContext(config, config.verify, input.environment), placement }),
    );
  const desired = specs.map((spec) => backend.describe(spec));
  // An app's restore check goes with its backup: kept, or retired, together.
  const namesOf = (apps: string[]) =>
    new Set(apps.flatMap((app) => [scheduleName(environment, app), verifyScheduleName(environment, app)]));
  const retiredChecks = new Map(
    list.apps.map((app) => [
      verifyScheduleName(environment, app.name),
      config.verify
        ? 'media only: no database to check'
        : 'restore checks are off (BACKOPPER_VERIFY_DOCUMENT_NAME unset)',
    ]),
  );
  const invalid = list.skipped.flatMap((skipped) =>
    skipped.kind === 'invalid-entry' && skipped.app ? [skipped.app] : [],
  );
  let listing: ManagedListing;
  try {
    listing = await backend.list(environment);
  } catch (error) {
    logger.error('could not list the managed schedules: nothing changed', { environment, error: describeError(error) });
    return { summary: { ...summary, status: 'failed', errors: [describeError(error)] }, plan: undefined, blocked: [] };
  }
  const planned = planScheduleChanges({
    desired,
    actual: listing.managed,
    foreign: listing.foreign,
    keep: namesOf(invalid),
    disabled: namesOf(list.disabled),
    removeReasons: retiredChecks,
  });
  const guard = guardMassDelete(planned, listing.managed.length, config);
  const plan = guard.plan;
  summary.unchanged = plan.unchanged.length;
  summary.kept = plan.kept.length;
  summary.errors.push(...plan.conflicts.map((conflict) => `${conflict.name}: ${conflict.reason}`));
  if (guard.message && guard.blocked.length > 0) {
    summary.errors.push(guard.message);
    logger.error(guard.message, { environment, blocked: guard.blocked.length });
  } else if (guard.message) {
    logger.warn(guard.message, { environment });
  }
  if (input.dryRun) {
    Object.assign(summary, { created: plan.create.length, updated: plan.update.length, deleted: plan.remove.length });
  } else {
    const applied = await applyPlan(plan, backend, config.concurrency);
    Object.assign(summary, { created: applied.created, updated: applied.updated, deleted: applied.deleted });
    summary.errors.push(...applied.errors);
    for (const error of applied.errors) logger.error('schedule change failed', { environment, error });
  }
  if (summary.errors.length > 0) summary.status = 'failed';
  return { summary, plan, blocked: guard.blocked };
}

// The inventory is advice: when it cannot be read, every app falls back to the tag (nothing is missed).
async function readPlacement(input: SyncEnvironmentInput): Promise<{ placement: PlacementMap; error?: string }> {
  if (!input.ssm) return { placement: UNKNOWN_PLACEMENT };
  const environment = input.environment.name;
  try {
    const { reports, instances } = await readPlacementInputs(input.ssm, environment);
    const now = input.now?.() ?? new Date();
    return {
      placement: buildPlacement({ reports, instances, environment, now, maxAgeDays: input.config.inventoryMaxAgeDays }),
    };
  } catch (error) {
    input.logger.warn("could not read the servers' inventory: every app targets the environment tag", {
      environment,
      error: describeError(error),
    });
    return { placement: UNKNOWN_PLACEMENT, error: describeError(error) };
  }
}

function desiredContext(config: SyncConfig, environment: EnvironmentConfig): DesiredContext {
  return {
    environment,
    timeZone: config.timeZone,
    window: config.backupWindow,
    weeklyDay: config.weeklyDay,
    documentName: config.documentName,
    executionTimeoutSeconds: config.executionTimeoutSeconds,
    deliveryTimeoutSeconds: config.deliveryTimeoutSeconds,
    logGroupName: config.commandLogGroup,
  };
}

function verifyContext(
  config: SyncConfig,
  verify: VerifyScheduleConfig,
  environment: EnvironmentConfig,
): VerifyContext {
  return {
    environment,
    timeZone: config.timeZone,
    window: verify.window,
    weeklyDay: verify.weeklyDay,
    documentName: verify.documentName,
    executionTimeoutSeconds: verify.executionTimeoutSeconds,
    deliveryTimeoutSeconds: config.deliveryTimeoutSeconds,
    logGroupName: config.commandLogGroup,
  };
}
