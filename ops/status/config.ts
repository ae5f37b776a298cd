/**
 * What `backopper status` and `backopper run` read: the environments and where their schedules live
 * (the sync's variables, same names and rules), the backup document, and for status the bucket. They
 * need neither the API nor the schedule role.
 */
import { readOptionalSetting, readSetting } from '../../common/settings/read-variables';
import type { EnvironmentConfig } from '../../common/settings/rules';
import { parseDocumentName, SHARED_SETTINGS } from '../../common/settings/shared-settings';
import { BUCKET_SETTING } from '../../control/freshness/config';
import {
  type BackendKind,
  type Environment,
  readConcurrency,
  readDocumentName,
  readScheduleLocation,
} from '../../control/config';

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
  /** The restore-check document (`BACKOPPER_VERIFY_DOCUMENT_NAME`), when the stack has the check on. */
  verifyDocumentName: string | undefined;
}

/** Reads and validates the variables; throws ConfigError naming the variable. */
export function loadOversightConfig(env: Environment, options: { requireBucket?: boolean } = {}): OversightConfig {
  return {
    environments: readSetting(env, SHARED_SETTINGS.environments),
    ...readScheduleLocation(env),
    documentName: readDocumentName(env),
    bucket: options.requireBucket ? readSetting(env, BUCKET_SETTING) : readOptionalSetting(env, BUCKET_SETTING),
    concurrency: readConcurrency(env),
    verifyDocumentName: readOptionalSetting(env, {
      variable: 'BACKOPPER_VERIFY_DOCUMENT_NAME',
      kind: 'string',
      parse: parseDocumentName,
    }),
  };
}
