/**
 * What `backopper status` and `backopper run` read: the environments and where their schedules live
 * (the sync's variables, same names and rules), the backup document, and for status the bucket. They
 * need neither the API nor the schedule role.
 */
import { type BackendKind, createReader, type Environment } from '../../lambda/shared/config';
import type { EnvironmentConfig } from '../../common/settings/values';
import { parseEnvironments } from '../../common/settings/values';
import { BUCKET_NAME } from '../../lambda/freshness/config';
import { BACKUP_DOCUMENT_NAME } from '../../common/names';

/** The validated configuration of the oversight commands. */
export interface OversightConfig {
  environments: EnvironmentConfig[];
  backend: BackendKind;
  scheduleGroup: string;
  eventBusName: string;
  /** The backup document (`BACKOPPER_DOCUMENT_NAME`). */
  documentName: string;
  /** The bucket (`BACKOPPER_BUCKET`); undefined when not set (status requires it). */
  bucket: string | undefined;
  concurrency: number;
}

/** Reads and validates the variables; throws ConfigError naming the variable. */
export function loadOversightConfig(env: Environment, options: { requireBucket?: boolean } = {}): OversightConfig {
  const read = createReader(env);
  return {
    environments: read.parsed('BACKOPPER_ENVIRONMENTS', parseEnvironments),
    backend: read.oneOf('BACKOPPER_SCHEDULE_BACKEND', ['scheduler', 'rules'], 'scheduler'),
    scheduleGroup: read.optional('BACKOPPER_SCHEDULE_GROUP', /^[A-Za-z0-9_.-]{1,64}$/, 'a schedule group name') ?? 'backopper',
    eventBusName: read.optional('BACKOPPER_EVENT_BUS', /^[A-Za-z0-9._\-/]{1,256}$/, 'an event bus name') ?? 'default',
    documentName: read.optional('BACKOPPER_DOCUMENT_NAME', /^[A-Za-z0-9_.-]{3,128}$/, 'a document name') ?? BACKUP_DOCUMENT_NAME,
    bucket: options.requireBucket
      ? read.required('BACKOPPER_BUCKET', BUCKET_NAME, 'an S3 bucket name')
      : read.optional('BACKOPPER_BUCKET', BUCKET_NAME, 'an S3 bucket name'),
    concurrency: read.integer('BACKOPPER_CONCURRENCY', 8, 1, 50),
  };
}
