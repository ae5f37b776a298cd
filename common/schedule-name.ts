/**
 * Names and ownership markers of the schedules Backopper manages. A schedule (or rule) is Backopper's
 * only when its name starts with {@link SCHEDULE_NAME_PREFIX} AND its description carries the marker
 * written by {@link managedMarker}; anything else is never changed or deleted.
 */
import { createHash } from 'node:crypto';

/** Every managed schedule name starts with this. */
export const SCHEDULE_NAME_PREFIX = 'backopper-';

/** Scheduler and EventBridge both allow at most 64 characters in a schedule or rule name. */
export const MAX_SCHEDULE_NAME_LENGTH = 64;

const HASH_LENGTH = 8;

/** A short, stable hex digest of `text` (sha256). */
export function shortHash(text: string, length = HASH_LENGTH): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The prefix of every schedule name of one environment: `backopper-<environment>-`. */
export function environmentPrefix(environment: string): string {
  return `${SCHEDULE_NAME_PREFIX}${environment}-`;
}

/**
 * The schedule name of an app: `backopper-<environment>-<app>`. When that would pass 64 characters,
 * the app part is cut and a hash of environment and app appended (`backopper-live-a-very-lo-1a2b3c4d`),
 * so the name is still unique, deterministic and recognisable.
 */
export function scheduleName(environment: string, app: string): string {
  const prefix = environmentPrefix(environment);
  const full = `${prefix}${app}`;
  if (full.length <= MAX_SCHEDULE_NAME_LENGTH) return full;
  const room = MAX_SCHEDULE_NAME_LENGTH - prefix.length - HASH_LENGTH - 1;
  return `${prefix}${app.slice(0, room)}-${shortHash(`${environment}/${app}`)}`;
}

/**
 * The name of an app's weekly restore check: `backopper-<environment>-.verify-<app>`. App names never
 * start with `.`, so this can never be another app's backup schedule; it sits under the environment's
 * prefix, so the sync lists and manages it with the backups. Cut and hashed past 64 characters like
 * {@link scheduleName}.
 */
export function verifyScheduleName(environment: string, app: string): string {
  const prefix = `${environmentPrefix(environment)}${VERIFY_INFIX}`;
  const full = `${prefix}${app}`;
  if (full.length <= MAX_SCHEDULE_NAME_LENGTH) return full;
  const room = MAX_SCHEDULE_NAME_LENGTH - prefix.length - HASH_LENGTH - 1;
  return `${prefix}${app.slice(0, room)}-${shortHash(`verify/${environment}/${app}`)}`;
}

/** What follows the environment prefix in a restore-check schedule's name. */
export const VERIFY_INFIX = '.verify-';

/** True for the name of a restore-check schedule of `environment`. */
export function isVerifyScheduleName(environment: string, name: string): boolean {
  return name.startsWith(`${environmentPrefix(environment)}${VERIFY_INFIX}`);
}

/** The marker of a restore-check schedule: the managed marker (same environment and app) plus what it is. */
export function verifyMarker(environment: string, app: string): string {
  return `managed by backopper (environment ${environment}, app ${app}) weekly restore check; edits are overwritten by the sync`;
}

const MARKER = /^managed by backopper \(environment ([A-Za-z0-9_-]+), app ([A-Za-z0-9._-]+)\)/;

/** The description that marks a schedule as Backopper's and records its environment and app. */
export function managedMarker(environment: string, app: string): string {
  return `managed by backopper (environment ${environment}, app ${app}); edits are overwritten by the sync`;
}

/** Reads the marker back; `undefined` when the description is not Backopper's. */
export function parseManagedMarker(description: string | undefined): { environment: string; app: string } | undefined {
  const match = MARKER.exec(description ?? '');
  return match ? { environment: match[1] as string, app: match[2] as string } : undefined;
}
