/**
 * The one schema of the settings that synth and the Lambdas (and the ops CLI) both read. Each entry
 * names its cdk.json key (under the `backopper` context object), the variable the stack sets on the
 * Lambdas from it, the JSON type, the default and the rule. infra/config.ts reads the context through
 * this table and read-variables.ts reads the variables through it, so both accept and refuse exactly
 * the same values (test/common/settings-agreement.test.ts feeds them one table of values).
 */
import {
  matching,
  numberFrom,
  oneOf,
  parseApiUrlTemplate,
  parseBackupWindow,
  parseEnvironmentList,
  parseTimeZone,
  parseWeekday,
  wholeNumber,
} from './rules';

/** The JSON type of a setting; a variable's text is converted to it before the rule runs. */
export type SettingKind = 'string' | 'integer' | 'number' | 'boolean' | 'json';

/** A setting read from a variable (a Lambda's or the CLI's). */
export interface VariableSetting<T> {
  /** The Lambda / CLI variable. */
  variable: string;
  kind: SettingKind;
  /** The value when the setting is absent (in its JSON type); none: the setting is required. */
  fallback?: string | number | boolean;
  /** Validates and normalizes; throws InvalidValueError. */
  parse(value: unknown): T;
}

/** One setting shared by synth and the Lambdas: also read from cdk.json context. */
export interface SharedSetting<T> extends VariableSetting<T> {
  /** Dotted path under `backopper` in cdk.json context. */
  context: string;
}

function setting<T>(definition: SharedSetting<T>): SharedSetting<T> {
  return definition;
}

/** AWS's limit for aws:runShellScript's timeout is 48 hours. */
const TIMEOUT = wholeNumber(60, 172_800);
const DOCUMENT_NAME = matching(/^[A-Za-z0-9_.-]{3,128}$/, 'a document name');

export const SHARED_SETTINGS = {
  apiUrl: setting({
    context: 'api.urlTemplate',
    variable: 'BACKOPPER_API_URL',
    kind: 'string',
    parse: parseApiUrlTemplate,
  }),
  apiSecretParameter: setting({
    context: 'api.secretParameter',
    variable: 'BACKOPPER_API_SECRET_PARAMETER',
    kind: 'string',
    parse: matching(/^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'an SSM parameter name'),
  }),
  apiSecretHeader: setting({
    context: 'api.secretHeader',
    variable: 'BACKOPPER_API_SECRET_HEADER',
    kind: 'string',
    fallback: 'X-Secret-Key',
    parse: matching(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name'),
  }),
  environments: setting({
    context: 'environments',
    variable: 'BACKOPPER_ENVIRONMENTS',
    kind: 'json',
    parse: parseEnvironmentList,
  }),
  backend: setting({
    context: 'schedule.backend',
    variable: 'BACKOPPER_SCHEDULE_BACKEND',
    kind: 'string',
    fallback: 'scheduler',
    parse: oneOf(['scheduler', 'rules'] as const),
  }),
  scheduleGroup: setting({
    context: 'schedule.group',
    variable: 'BACKOPPER_SCHEDULE_GROUP',
    kind: 'string',
    fallback: 'backopper',
    parse: matching(/^[0-9A-Za-z_.-]{1,64}$/, 'a schedule group name'),
  }),
  timeZone: setting({
    context: 'schedule.timezone',
    variable: 'BACKOPPER_TIMEZONE',
    kind: 'string',
    fallback: 'UTC',
    parse: parseTimeZone,
  }),
  backupWindow: setting({
    context: 'schedule.backupWindow',
    variable: 'BACKOPPER_BACKUP_WINDOW',
    kind: 'string',
    fallback: '01:00-05:00',
    parse: parseBackupWindow,
  }),
  weeklyDay: setting({
    context: 'schedule.weeklyDay',
    variable: 'BACKOPPER_WEEKLY_DAY',
    kind: 'string',
    fallback: 'SUN',
    parse: parseWeekday,
  }),
  executionTimeoutSeconds: setting({
    context: 'schedule.executionTimeoutSeconds',
    variable: 'BACKOPPER_EXECUTION_TIMEOUT',
    kind: 'integer',
    fallback: 14_400,
    parse: TIMEOUT,
  }),
  maxDeleteFraction: setting({
    context: 'schedule.maxDeleteFraction',
    variable: 'BACKOPPER_MAX_DELETE_FRACTION',
    kind: 'number',
    fallback: 0.5,
    parse: numberFrom(0, 1),
  }),
  verifyDay: setting({
    context: 'verify.weeklyDay',
    variable: 'BACKOPPER_VERIFY_DAY',
    kind: 'string',
    fallback: 'SUN',
    parse: parseWeekday,
  }),
  verifyWindow: setting({
    context: 'verify.window',
    variable: 'BACKOPPER_VERIFY_WINDOW',
    kind: 'string',
    fallback: '06:00-08:00',
    parse: parseBackupWindow,
  }),
  verifyExecutionTimeoutSeconds: setting({
    context: 'verify.executionTimeoutSeconds',
    variable: 'BACKOPPER_VERIFY_EXECUTION_TIMEOUT',
    kind: 'integer',
    fallback: 3600,
    parse: TIMEOUT,
  }),
} as const;

/** The rule of a document name (`BACKOPPER_DOCUMENT_NAME`, `BACKOPPER_VERIFY_DOCUMENT_NAME`). */
export const parseDocumentName = DOCUMENT_NAME;

/** S3 bucket names: 3-63 lower-case letters, digits, `.` and `-`. */
export const parseBucketName = matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name');
