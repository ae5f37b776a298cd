/**
 * The Lambdas' configuration: every `BACKOPPER_*` variable is read and validated here, once, and a
 * missing or malformed one fails at start with its name. Settings the stack derives from cdk.json go
 * through the shared schema (common/settings), so a value synth accepts is a value the Lambda accepts.
 * Documented in docs/sync.md.
 */
import { BACKUP_DOCUMENT_NAME } from '../common/names';
import { DEFAULT_INVENTORY_MAX_AGE_DAYS } from './placement';
import { ConfigError } from '../common/settings/config-error';
import { readOptionalSetting as readOptional, readSetting, type Variables } from '../common/settings/read-variables';
import type { BackupWindow, EnvironmentConfig, Weekday } from '../common/settings/rules';
import { matching, trueOrFalse, wholeNumber } from '../common/settings/rules';
import { parseDocumentName, SHARED_SETTINGS, type VariableSetting } from '../common/settings/shared-settings';

/** Where the schedules live: EventBridge Scheduler (default) or EventBridge rules. */
export type BackendKind = 'scheduler' | 'rules';

/** The validated configuration of a sync run. */
export interface SyncConfig {
  /** URL template of the app list, with `{environment}`. */
  apiUrl: string;
  apiSecretParameter: string;
  apiSecretHeader: string;
  apiTimeoutMs: number;
  apiRetries: number;
  environments: EnvironmentConfig[];
  backend: BackendKind;
  scheduleGroup: string;
  eventBusName: string;
  documentName: string;
  /** ARN of the document, for the rules backend (undefined with Scheduler). */
  documentArn: string | undefined;
  scheduleRoleArn: string;
  timeZone: string;
  backupWindow: BackupWindow;
  weeklyDay: Weekday;
  deadLetterArn: string | undefined;
  commandLogGroup: string | undefined;
  executionTimeoutSeconds: number;
  deliveryTimeoutSeconds: number;
  maxDeleteFraction: number;
  allowMassDelete: boolean;
  concurrency: number;
  /** `BACKOPPER_INVENTORY_MAX_AGE_DAYS`: a server's app inventory older than this is ignored. */
  inventoryMaxAgeDays: number;
  /** The weekly restore check; undefined when `BACKOPPER_VERIFY_DOCUMENT_NAME` is not set (off). */
  verify: VerifyScheduleConfig | undefined;
}

/** The weekly restore check (`backopper-agent verify`) the sync schedules per app when configured. */
export interface VerifyScheduleConfig {
  /** The verify document (`BACKOPPER_VERIFY_DOCUMENT_NAME`). */
  documentName: string;
  /** `BACKOPPER_VERIFY_DAY`. */
  weeklyDay: Weekday;
  /** `BACKOPPER_VERIFY_WINDOW`: local window the checks start in, spread per app. */
  window: BackupWindow;
  /** `BACKOPPER_VERIFY_EXECUTION_TIMEOUT`: seconds one check may run. */
  executionTimeoutSeconds: number;
}

/** Variables as `process.env` holds them. */
export type Environment = Variables;

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]+$/;

// Variables only the Lambdas and the CLI read (the stack sets them from its own resources, not from
// cdk.json): same reading, rules of their own.
const LAMBDA_SETTINGS = {
  scheduleRoleArn: {
    variable: 'BACKOPPER_SCHEDULE_ROLE_ARN',
    kind: 'string',
    parse: matching(ROLE_ARN, 'an IAM role ARN'),
  },
  documentName: {
    variable: 'BACKOPPER_DOCUMENT_NAME',
    kind: 'string',
    fallback: BACKUP_DOCUMENT_NAME,
    parse: parseDocumentName,
  },
  documentArn: {
    variable: 'BACKOPPER_DOCUMENT_ARN',
    kind: 'string',
    parse: matching(/^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{0,12}:document\/\S+$/, 'an SSM document ARN'),
  },
  region: { variable: 'AWS_REGION', kind: 'string', parse: matching(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region') },
  eventBusName: {
    variable: 'BACKOPPER_EVENT_BUS',
    kind: 'string',
    fallback: 'default',
    parse: matching(/^[A-Za-z0-9._\-/]{1,256}$/, 'an event bus name'),
  },
  deadLetterArn: {
    variable: 'BACKOPPER_DEAD_LETTER_ARN',
    kind: 'string',
    parse: matching(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:\S+$/, 'an SQS queue ARN'),
  },
  commandLogGroup: {
    variable: 'BACKOPPER_COMMAND_LOG_GROUP',
    kind: 'string',
    parse: matching(/^[\w\-/.#]{1,512}$/, 'a log group name'),
  },
  deliveryTimeoutSeconds: {
    variable: 'BACKOPPER_DELIVERY_TIMEOUT',
    kind: 'integer',
    fallback: 600,
    parse: wholeNumber(30, 2_592_000),
  },
  allowMassDelete: { variable: 'BACKOPPER_ALLOW_MASS_DELETE', kind: 'boolean', fallback: false, parse: trueOrFalse },
  concurrency: { variable: 'BACKOPPER_CONCURRENCY', kind: 'integer', fallback: 8, parse: wholeNumber(1, 50) },
  apiTimeoutMs: {
    variable: 'BACKOPPER_API_TIMEOUT_MS',
    kind: 'integer',
    fallback: 10_000,
    parse: wholeNumber(100, 120_000),
  },
  apiRetries: { variable: 'BACKOPPER_API_RETRIES', kind: 'integer', fallback: 2, parse: wholeNumber(0, 10) },
  inventoryMaxAgeDays: {
    variable: 'BACKOPPER_INVENTORY_MAX_AGE_DAYS',
    kind: 'integer',
    fallback: DEFAULT_INVENTORY_MAX_AGE_DAYS,
    parse: wholeNumber(1, 90),
  },
  verifyDocumentName: { variable: 'BACKOPPER_VERIFY_DOCUMENT_NAME', kind: 'string', parse: parseDocumentName },
} satisfies Record<string, VariableSetting<unknown>>;

/**
 * Checks that every name given on the command line (`what`: `--environment`, `<environment>`) is a
 * configured environment; throws ConfigError listing the configured ones otherwise.
 */
export function requireKnownEnvironments(
  environments: readonly { name: string }[],
  names: readonly string[],
  what: string,
): void {
  const unknown = names.filter((name) => !environments.some((environment) => environment.name === name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${unknown.join(', ')} is not in BACKOPPER_ENVIRONMENTS (${environments.map((environment) => environment.name).join(', ')})`,
      {
        setting: what,
      },
    );
  }
}

/** Reads and validates the configuration from `env` (default `process.env`). Throws {@link ConfigError}. */
export function loadConfig(env: Environment = process.env): SyncConfig {
  const backend = readSetting(env, SHARED_SETTINGS.backend);
  const scheduleRoleArn = readSetting(env, LAMBDA_SETTINGS.scheduleRoleArn);
  const documentName = readSetting(env, LAMBDA_SETTINGS.documentName);
  return {
    ...readApiConfig(env),
    ...readScheduleLocation(env),
    documentName,
    documentArn: backend === 'rules' ? documentArnFor(env, documentName, scheduleRoleArn) : undefined,
    scheduleRoleArn,
    timeZone: readSetting(env, SHARED_SETTINGS.timeZone),
    backupWindow: readSetting(env, SHARED_SETTINGS.backupWindow),
    weeklyDay: readSetting(env, SHARED_SETTINGS.weeklyDay),
    deadLetterArn: readOptional(env, LAMBDA_SETTINGS.deadLetterArn),
    commandLogGroup: readOptional(env, LAMBDA_SETTINGS.commandLogGroup),
    executionTimeoutSeconds: readSetting(env, SHARED_SETTINGS.executionTimeoutSeconds),
    deliveryTimeoutSeconds: readSetting(env, LAMBDA_SETTINGS.deliveryTimeoutSeconds),
    maxDeleteFraction: readSetting(env, SHARED_SETTINGS.maxDeleteFraction),
    allowMassDelete: readSetting(env, LAMBDA_SETTINGS.allowMassDelete),
    concurrency: readConcurrency(env),
    inventoryMaxAgeDays: readSetting(env, LAMBDA_SETTINGS.inventoryMaxAgeDays),
    verify: readVerifyConfig(env),
  };
}

function readVerifyConfig(env: Environment): VerifyScheduleConfig | undefined {
  const documentName = readOptional(env, LAMBDA_SETTINGS.verifyDocumentName);
  if (!documentName) return undefined;
  return {
    documentName,
    weeklyDay: readSetting(env, SHARED_SETTINGS.verifyDay),
    window: readSetting(env, SHARED_SETTINGS.verifyWindow),
    executionTimeoutSeconds: readSetting(env, SHARED_SETTINGS.verifyExecutionTimeoutSeconds),
  };
}

/** The app-list settings the sync, the freshness monitor and the CLI share. */
export type ApiConfig = Pick<
  SyncConfig,
  'apiUrl' | 'apiSecretParameter' | 'apiSecretHeader' | 'apiTimeoutMs' | 'apiRetries' | 'environments'
>;

/** Reads the app-list API variables and `BACKOPPER_ENVIRONMENTS`, validated as synth validates them. */
export function readApiConfig(env: Environment): ApiConfig {
  return {
    apiUrl: readSetting(env, SHARED_SETTINGS.apiUrl),
    apiSecretParameter: readSetting(env, SHARED_SETTINGS.apiSecretParameter),
    apiSecretHeader: readSetting(env, SHARED_SETTINGS.apiSecretHeader),
    apiTimeoutMs: readSetting(env, LAMBDA_SETTINGS.apiTimeoutMs),
    apiRetries: readSetting(env, LAMBDA_SETTINGS.apiRetries),
    environments: readSetting(env, SHARED_SETTINGS.environments),
  };
}

/** Where the schedules live: the backend, its group or bus. */
export type ScheduleLocation = Pick<SyncConfig, 'backend' | 'scheduleGroup' | 'eventBusName'>;

/** Reads the schedule backend, group and event bus, as the sync does. */
export function readScheduleLocation(env: Environment): ScheduleLocation {
  return {
    backend: readSetting(env, SHARED_SETTINGS.backend),
    scheduleGroup: readSetting(env, SHARED_SETTINGS.scheduleGroup),
    eventBusName: readSetting(env, LAMBDA_SETTINGS.eventBusName),
  };
}

/** `BACKOPPER_CONCURRENCY`: AWS calls in flight. */
export function readConcurrency(env: Environment): number {
  return readSetting(env, LAMBDA_SETTINGS.concurrency);
}

/** `BACKOPPER_DOCUMENT_NAME`: the backup document. */
export function readDocumentName(env: Environment): string {
  return readSetting(env, LAMBDA_SETTINGS.documentName);
}

// EventBridge rules target the document by ARN; it is in the account of the schedule role.
function documentArnFor(env: Environment, documentName: string, roleArn: string): string {
  const explicit = readOptional(env, LAMBDA_SETTINGS.documentArn);
  if (explicit) return explicit;
  const region = readOptional(env, LAMBDA_SETTINGS.region);
  if (!region)
    throw new ConfigError(
      'is required by the rules backend to build the document ARN (or set BACKOPPER_DOCUMENT_ARN)',
      { setting: 'AWS_REGION' },
    );
  const [, partition, account] = ROLE_ARN.exec(roleArn) ?? [];
  return `arn:${partition}:ssm:${region}:${account}:document/${documentName}`;
}
