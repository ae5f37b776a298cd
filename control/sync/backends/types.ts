/**
 * The contract every schedule backend (EventBridge Scheduler, EventBridge rules) fulfils, so one
 * planner and one apply loop serve both.
 */
import type { Json } from '../canonical';
import type { ScheduleSpec } from '../desired-schedules';

/** A backend's full definition of one schedule, in canonical JSON form (compared field by field). */
export type Definition = { [key: string]: Json };

/** A schedule the app list asks for, shaped by a backend. */
export interface DesiredSchedule {
  name: string;
  app: string;
  definition: Definition;
  spec: ScheduleSpec;
}

/** A schedule that exists and is Backopper's (prefix and marker), as read back from the service. */
export interface ActualSchedule {
  name: string;
  /** The app recorded in the marker. */
  app: string;
  definition: Definition;
}

/** What a backend finds under one environment's name prefix. */
export interface ManagedListing {
  /** Backopper's schedules of the environment. */
  managed: ActualSchedule[];
  /** Names under the prefix that are NOT Backopper's (no marker, or another environment's): never touched. */
  foreign: string[];
}

/** One adapter per AWS service: list managed, create, update, delete. */
export interface ScheduleBackend {
  readonly kind: 'scheduler' | 'rules';
  /** Shapes a spec into this backend's definition (pure). */
  describe(spec: ScheduleSpec): DesiredSchedule;
  /** Lists the schedules under `backopper-<environment>-`, split into managed and foreign. */
  list(environment: string): Promise<ManagedListing>;
  create(desired: DesiredSchedule): Promise<void>;
  update(desired: DesiredSchedule, actual: ActualSchedule): Promise<void>;
  remove(actual: ActualSchedule): Promise<void>;
}
