/**
 * The sync's configuration: every `BACKOPPER_*` variable is read and validated here, once, and a missing
 * or malformed one fails at start with its name. Documented in docs/sync.md.
 */
import { InvalidValueError } from '../../common/app-spec';
import {
  type BackupWindow,
  type EnvironmentConfig,
  parseBackupWindow,
  parseEnvironments,
  parseTimeZone,
  parseWeekday,
  type Weekday,
} from '../../common/settings/values';
import { ConfigError } from './errors';
import { BACKUP_DOCUMENT_NAME } from '../../common/names';

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
export type Environment = Readonly<Record<string, string | undefined>>;

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Checks that every name given on the command line (`what`: `--environment`, `<environment>`) is a
 * configured environment; throws ConfigError listing the configured ones otherwise.
 */
export function requireKnownEnvironments(environments: readonly { name: string }[], names: readonly string[], what: string): void {
  const unknown = names.filter((name) => !environments.some((environment) => environment.name === name));
  if (unknown.length > 0) {
    throw new ConfigError(what, `${unknown.join(', ')} is not in BACKOPPER_ENVIRONMENTS (${environments.map((environment) => environment.name).join(', ')})`);
  }
}

/** Reads and validates the configuration from `env` (default `process.env`). Throws {@link ConfigError}. */
export function loadConfig(env: Environment = process.env): SyncConfig {
  const read = createReader(env);
  const backend = read.oneOf('BACKOPPER_SCHEDULE_BACKEND', ['scheduler', 'rules'], 'scheduler');
  const scheduleRoleArn = read.required('BACKOPPER_SCHEDULE_ROLE_ARN', ROLE_ARN, 'an IAM role ARN');
  const documentName = read.optional('BACKOPPER_DOCUMENT_NAME', /^[A-Za-z0-9_.-]{3,128}$/, 'a document name') ?? BACKUP_DOCUMENT_NAME;
  return {
    ...readApiConfig(read),
    backend,
    scheduleGroup: read.optional('BACKOPPER_SCHEDULE_GROUP', NAME, 'a schedule group name') ?? 'backopper',
    eventBusName: read.optional('BACKOPPER_EVENT_BUS', /^[A-Za-z0-9._\-/]{1,256}$/, 'an event bus name') ?? 'default',
    documentName,
    documentArn: backend === 'rules' ? documentArnFor(read, documentName, scheduleRoleArn) : undefined,
    scheduleRoleArn,
    timeZone: read.parsed('BACKOPPER_TIMEZONE', parseTimeZone, 'UTC'),
    backupWindow: read.parsed('BACKOPPER_BACKUP_WINDOW', parseBackupWindow, '01:00-05:00'),
    weeklyDay: read.parsed('BACKOPPER_WEEKLY_DAY', parseWeekday, 'SUN'),
    deadLetterArn: read.optional('BACKOPPER_DEAD_LETTER_ARN', ARN, 'an SQS queue ARN'),
    commandLogGroup: read.optional('BACKOPPER_COMMAND_LOG_GROUP', /^[\w\-/.#]{1,512}$/, 'a log group name'),
    executionTimeoutSeconds: read.integer('BACKOPPER_EXECUTION_TIMEOUT', 3600, 60, 172_800),
    deliveryTimeoutSeconds: read.integer('BACKOPPER_DELIVERY_TIMEOUT', 600, 30, 2_592_000),
    maxDeleteFraction: read.fraction('BACKOPPER_MAX_DELETE_FRACTION', 0.5),
    allowMassDelete: read.oneOf('BACKOPPER_ALLOW_MASS_DELETE', ['true', 'false'], 'false') === 'true',
    concurrency: read.integer('BACKOPPER_CONCURRENCY', 8, 1, 50),
    verify: readVerifyConfig(read),
  };
}

function readVerifyConfig(read: ConfigReader): VerifyScheduleConfig | undefined {
  const documentName = read.optional('BACKOPPER_VERIFY_DOCUMENT_NAME', /^[A-Za-z0-9_.-]{3,128}$/, 'a document name');
  if (!documentName) return undefined;
  return {
    documentName,
    weeklyDay: read.parsed('BACKOPPER_VERIFY_DAY', parseWeekday, 'SUN'),
    window: read.parsed('BACKOPPER_VERIFY_WINDOW', parseBackupWindow, '06:00-08:00'),
    executionTimeoutSeconds: read.integer('BACKOPPER_VERIFY_EXECUTION_TIMEOUT', 3600, 60, 172_800),
  };
}

/** The app-list settings the sync, the freshness monitor and the CLI share. */
export type ApiConfig = Pick<SyncConfig, 'apiUrl' | 'apiSecretParameter' | 'apiSecretHeader' | 'apiTimeoutMs' | 'apiRetries' | 'environments'>;

/** Reads the app-list API variables and `BACKOPPER_ENVIRONMENTS`, validated as the sync does. */
export function readApiConfig(read: ConfigReader): ApiConfig {
  return {
    apiUrl: read.required('BACKOPPER_API_URL', /^https?:\/\/\S*\{environment\}\S*$/, 'an http(s) URL containing {environment}'),
    apiSecretParameter: read.required('BACKOPPER_API_SECRET_PARAMETER', /^[A-Za-z0-9_.\-/]{1,2048}$/, 'an SSM parameter name'),
    apiSecretHeader: read.optional('BACKOPPER_API_SECRET_HEADER', /^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name') ?? 'X-Secret-Key',
    apiTimeoutMs: read.integer('BACKOPPER_API_TIMEOUT_MS', 10_000, 100, 120_000),
    apiRetries: read.integer('BACKOPPER_API_RETRIES', 2, 0, 10),
    environments: read.parsed('BACKOPPER_ENVIRONMENTS', parseEnvironments),
  };
}

/** A validating reader over variables; each method throws {@link ConfigError} naming the variable. */
export type ConfigReader = ReturnType<typeof createReader>;

// EventBridge rules target the document by ARN; it is in the account of the schedule role.
function documentArnFor(read: ConfigReader, documentName: string, roleArn: string): string {
  const explicit = read.optional('BACKOPPER_DOCUMENT_ARN', /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{0,12}:document\/\S+$/, 'an SSM document ARN');
  if (explicit) return explicit;
  const region = read.optional('AWS_REGION', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region');
  if (!region) throw new ConfigError('AWS_REGION', 'is required by the rules backend to build the document ARN (or set BACKOPPER_DOCUMENT_ARN)');
  const [, partition, account] = ROLE_ARN.exec(roleArn) ?? [];
  return `arn:${partition}:ssm:${region}:${account}:document/${documentName}`;
}

/** Builds a {@link ConfigReader} over `env`. */
export function createReader(env: Environment) {
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === '' ? undefined : text;
  };
  const optional = (name: string, pattern: RegExp, expected: string): string | undefined => {
    const text = value(name);
    if (text !== undefined && !pattern.test(text)) throw new ConfigError(name, `expected ${expected}, got ${JSON.stringify(text)}`);
    return text;
  };
  return {
    optional,
    required(name: string, pattern: RegExp, expected: string): string {
      const text = optional(name, pattern, expected);
      if (text === undefined) throw new ConfigError(name, `is required (${expected})`);
      return text;
    },
    oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
      const text = value(name)?.toLowerCase() ?? fallback;
      if (!choices.includes(text as T)) throw new ConfigError(name, `expected one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
      return text as T;
    },
    integer(name: string, fallback: number, min: number, max: number): number {
      const text = value(name);
      if (text === undefined) return fallback;
      const number = Number(text);
      if (!/^\d+$/.test(text) || number < min || number > max) {
        throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
      }
      return number;
    },
    fraction(name: string, fallback: number): number {
      const text = value(name);
      const number = text === undefined ? fallback : Number(text);
      if (!Number.isFinite(number) || number < 0 || number > 1) {
        throw new ConfigError(name, `expected a number from 0 to 1, got ${JSON.stringify(text)}`);
      }
      return number;
    },
    parsed<T>(name: string, parse: (text: string) => T, fallback?: string): T {
      const text = value(name) ?? fallback;
      if (text === undefined) throw new ConfigError(name, 'is required');
      try {
        return parse(text);
      } catch (error) {
        if (error instanceof InvalidValueError) throw new ConfigError(name, error.message);
        throw error;
      }
    },
  };
}
