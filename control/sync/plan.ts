/**
 * The pure core of the sync: compare the desired schedules of one environment with the managed ones
 * that exist, and decide what to create, update, delete or leave alone. No I/O.
 */
import { canonicalJson, diffPaths } from './canonical';
import type { ActualSchedule, DesiredSchedule } from './backends/types';

/** Input of {@link planScheduleChanges}; every list belongs to one environment. */
export interface PlanInput {
  desired: readonly DesiredSchedule[];
  actual: readonly ActualSchedule[];
  /** Names that exist under the prefix but are not Backopper's: never created over, never deleted. */
  foreign?: readonly string[];
  /** Names of apps whose list entry was invalid this run: their schedule is left exactly as it is. */
  keep?: ReadonlySet<string>;
  /** Names of apps whose frequency is none/disabled (only used for the delete reason). */
  disabled?: ReadonlySet<string>;
  /** Delete reasons by name, for schedules retired for another reason (only used for the reason). */
  removeReasons?: ReadonlyMap<string, string>;
}

/** A change with the reason shown by `backopper plan`. */
export interface Change<T> {
  name: string;
  reason: string;
  item: T;
}

/** What a sync of one environment would do. Every list is sorted by name. */
export interface SchedulePlan {
  create: Change<DesiredSchedule>[];
  update: (Change<DesiredSchedule> & { actual: ActualSchedule; changed: string[] })[];
  remove: Change<ActualSchedule>[];
  unchanged: string[];
  /** Existing schedules left alone because their app's entry was invalid this run. */
  kept: Change<ActualSchedule>[];
  /** Desired names taken by a schedule that is not Backopper's. */
  conflicts: Change<DesiredSchedule>[];
}

/** Plans the changes that turn `actual` into `desired`. Equality compares the full definition. */
export function planScheduleChanges(input: PlanInput): SchedulePlan {
  const plan: SchedulePlan = { create: [], update: [], remove: [], unchanged: [], kept: [], conflicts: [] };
  const actualByName = new Map(input.actual.map((schedule) => [schedule.name, schedule]));
  const foreign = new Set(input.foreign ?? []);
  const desiredNames = new Set<string>();
  for (const desired of input.desired) {
    desiredNames.add(desired.name);
    const actual = actualByName.get(desired.name);
    if (!actual) {
      if (foreign.has(desired.name)) {
        plan.conflicts.push({
          name: desired.name,
          item: desired,
          reason: 'name taken by a schedule without the backopper marker; left alone',
        });
      } else {
        plan.create.push({ name: desired.name, item: desired, reason: 'does not exist (new app, or deleted by hand)' });
      }
    } else if (canonicalJson(actual.definition) === canonicalJson(desired.definition)) {
      plan.unchanged.push(desired.name);
    } else {
      const changed = diffPaths(actual.definition, desired.definition);
      plan.update.push({
        name: desired.name,
        item: desired,
        actual,
        changed,
        reason: `changed: ${changed.join(', ')}`,
      });
    }
  }
  for (const actual of input.actual) {
    if (desiredNames.has(actual.name)) continue;
    if (input.keep?.has(actual.name)) {
      plan.kept.push({ name: actual.name, item: actual, reason: 'app list entry invalid this run; left as it is' });
    } else {
      const disabled = input.disabled?.has(actual.name);
      const reason = disabled
        ? 'frequency is none/disabled'
        : (input.removeReasons?.get(actual.name) ?? 'app no longer in the list');
      plan.remove.push({ name: actual.name, item: actual, reason });
    }
  }
  for (const list of [plan.create, plan.update, plan.remove, plan.kept, plan.conflicts]) {
    list.sort((a, b) => compare(a.name, b.name));
  }
  plan.unchanged.sort(compare);
  return plan;
}

/** Settings of the mass-delete guard. */
export interface GuardOptions {
  /** Largest share of an environment's schedules one run may delete (0..1). */
  maxDeleteFraction: number;
  /** `BACKOPPER_ALLOW_MASS_DELETE=true`: the guard only warns. */
  allowMassDelete: boolean;
}

/** Outcome of {@link guardMassDelete}. */
export interface GuardResult {
  /** The plan to apply: without deletions when the guard holds. */
  plan: SchedulePlan;
  /** Deletions held back by the guard. */
  blocked: Change<ActualSchedule>[];
  /** Set when the guard held (an error) or was overridden (a warning). */
  message: string | undefined;
}

/**
 * Holds back every deletion when the plan would delete more than `maxDeleteFraction` of the
 * environment's managed schedules (`managedCount`), unless mass deletes are allowed.
 */
export function guardMassDelete(plan: SchedulePlan, managedCount: number, options: GuardOptions): GuardResult {
  const deleting = plan.remove.length;
  if (deleting === 0 || deleting <= options.maxDeleteFraction * managedCount) {
    return { plan, blocked: [], message: undefined };
  }
  const share = `${deleting} of ${managedCount} schedules (more than ${options.maxDeleteFraction * 100}%)`;
  if (options.allowMassDelete) {
    return { plan, blocked: [], message: `deleting ${share}: allowed by BACKOPPER_ALLOW_MASS_DELETE=true` };
  }
  return {
    plan: { ...plan, remove: [] },
    blocked: plan.remove,
    message:
      `mass-delete guard: this run would delete ${share}; deleted none. If that is intended, ` +
      'set BACKOPPER_ALLOW_MASS_DELETE=true for one run or raise BACKOPPER_MAX_DELETE_FRACTION',
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
