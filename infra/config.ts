/**
 * The stack's configuration: the `backopper` object in `cdk.json` context, validated at synth.
 * Pure: `parseConfig(raw)` either returns a complete config with every default filled in, or throws a
 * ConfigError listing each bad key by its path (`backopper.media.port: ...`), so one synth shows all mistakes.
 */
import { RETENTION_TIERS, type RetentionTier } from '../common/run-record';
import { ConfigError } from '../common/settings/config-error';
import type { EnvironmentConfig } from '../common/settings/rules';
import { SHARED_SETTINGS } from '../common/settings/shared-settings';
import {
  read,
  readList,
  readOptional,
  type Reader,
  readSetting,
  readSettingText,
  rootReader,
  unknownKeyProblems,
} from './config-reader';

export type { EnvironmentConfig };
export { ConfigError };

/** The context key holding the configuration object. */
export const CONTEXT_KEY = 'backopper';

const HEADING = `invalid configuration in cdk.json context "${CONTEXT_KEY}"`;

/** Where and how the agent copies media archives. */
export interface MediaConfig {
  host: string;
  port: number;
  user: string;
  /** Remote folder; may contain `{app}` and `{environment}`. */
  path: string;
  /** SecureString parameter holding the private key (fetched by the document at run time). */
  identityParameter?: string;
  /** Private key file already on the servers. */
  identityFile?: string;
  /** known_hosts lines for the media server, written by the document. */
  hostKeys?: string[];
  /** known_hosts file already on the servers. */
  knownHostsFile?: string;
  /** What the media server keeps of each app's archives: the newest `keep`, plus the newest of each of the last `keepWeekly` weeks and `keepMonthly` months. */
  keep: number;
  keepWeekly: number;
  keepMonthly: number;
  /** `archive` (tar + copy) or `snapshot` (rsync --link-dest; the key bound to the media gate, docs/snapshots.md). @default 'archive' */
  mode: 'archive' | 'snapshot';
}

export type TransitionStorageClass =
  'STANDARD_IA' | 'ONEZONE_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR' | 'GLACIER' | 'DEEP_ARCHIVE';

/** Days each retention tier is kept (common/retention-tier.ts decides an object's tier). */
export type TierDays = Record<RetentionTier, number>;

export interface BucketConfig {
  /** The older single-age policy: every backup expires after this many days. Set only when cdk.json sets it. */
  retentionDays?: number;
  /** Tiered retention by the `backopper:tier` tag (the default). */
  tiers?: TierDays;
  noncurrentVersionDays: number;
  transition?: { storageClass: TransitionStorageClass; afterDays: number };
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number };
}

export interface ScheduleConfig {
  backend: 'scheduler' | 'rules';
  group: string;
  timezone: string;
  backupWindow: string;
  weeklyDay: string;
  syncEveryMinutes: number;
  executionTimeoutSeconds: number;
  maxDeleteFraction: number;
}

export interface AgentConfig {
  appsDir: string;
  backupsDir: string;
  keepLocal: number;
  /** Dumps not yet in S3 the servers keep for the next run that reaches S3. */
  maxPendingUploads: number;
  tmpDir?: string;
  nodePath?: string;
  reportUrl?: string;
}

/** The daily freshness monitor (lambda/freshness/handler.ts). */
export interface FreshnessConfig {
  /** @default true */
  enabled: boolean;
  /** Hour (UTC) of the daily check. @default 6 */
  hourUtc: number;
}

/** The weekly restore drill of every app with a database (`backopper-agent drill`), on by default. */
export interface VerifyConfig {
  /** @default true */
  enabled: boolean;
  /** Day of the check. @default SUN */
  weeklyDay: string;
  /** Local window (schedule.timezone) the checks start in, spread per app. @default 06:00-08:00 */
  window: string;
  /** SecureString with a mysql:// or postgres:// URL of a user allowed to CREATE/DROP DATABASE. @default - the app's own credentials */
  adminUrlParameter?: string;
  /** Seconds one check may run. @default 3600 */
  executionTimeoutSeconds: number;
}

/** Alert delivery beyond e-mail. */
export interface AlertsConfig {
  emails: string[];
  /** AWS Chatbot to one Slack channel (the workspace must be authorized in the Chatbot console first). @default - none */
  slack?: { workspaceId: string; channelId: string };
}

/** How the servers report the apps they hold (SSM Inventory, `Custom:BackopperApps`). */
export interface InventoryConfig {
  /**
   * Create the AWS-GatherSoftwareInventory association (custom inventory only) per environment. Turn it
   * off when the servers already have an inventory association: enable its custom inventory instead.
   * @default true
   */
  gather: boolean;
}

/** The validated configuration, defaults filled in. */
export interface BackopperConfig {
  stackName: string;
  api: { urlTemplate: string; secretParameter: string; secretHeader: string };
  environments: EnvironmentConfig[];
  media?: MediaConfig;
  schedule: ScheduleConfig;
  alerts: AlertsConfig;
  inventory: InventoryConfig;
  bucket: BucketConfig;
  agent: AgentConfig;
  freshness: FreshnessConfig;
  verify: VerifyConfig;
  logRetentionDays: number;
}

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const PARAMETER_NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;
const USER = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;
// The media path reaches the remote side of scp/sftp: a plain path, placeholders allowed, nothing a shell reads.
const REMOTE_PATH = /^[A-Za-z0-9_./~{}-]+$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9_./-]*$/;
const KNOWN_HOSTS_LINE =
  /^[^\s#][^\s]* (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}$/;
const EMAIL = /^[^\s@"'<>]+@[^\s@"'<>]+\.[A-Za-z]{2,}$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const STORAGE_CLASSES: TransitionStorageClass[] = [
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
];

/** Validates the raw context value; returns the config with defaults, or throws ConfigError naming each bad key. */
export function parseConfig(raw: unknown): BackopperConfig {
  const root = rootReader(CONTEXT_KEY, raw);
  const { problems } = root;
  if (raw === undefined) {
    throw new ConfigError(
      [`${CONTEXT_KEY}: missing; add it to cdk.json "context" (see docs/deploy.md for an example)`],
      { heading: HEADING },
    );
  }
  const config: BackopperConfig = {
    stackName: read.string(root, 'stackName', {
      pattern: STACK_NAME,
      fallback: 'Backopper',
      what: 'a CloudFormation stack name',
    }),
    api: {
      urlTemplate: readSettingText(root, SHARED_SETTINGS.apiUrl),
      secretParameter: readSettingText(root, SHARED_SETTINGS.apiSecretParameter),
      secretHeader: readSettingText(root, SHARED_SETTINGS.apiSecretHeader),
    },
    environments: readSetting(root, SHARED_SETTINGS.environments) ?? [],
    media: parseMedia(readOptional.object(root, 'media')),
    schedule: parseSchedule(root),
    alerts: parseAlerts(read.object(root, 'alerts')),
    inventory: { gather: read.boolean(read.object(root, 'inventory', {}), 'gather', { fallback: true }) },
    bucket: parseBucket(read.object(root, 'bucket', {})),
    agent: parseAgent(read.object(root, 'agent', {})),
    freshness: parseFreshness(read.object(root, 'freshness', {})),
    verify: parseVerify(root),
    logRetentionDays: read.integer(root, 'logRetentionDays', { fallback: 90, oneOf: LOG_RETENTION_DAYS }),
  };
  problems.push(...unknownKeyProblems(root));
  if (problems.length > 0) throw new ConfigError(problems, { heading: HEADING });
  return config;
}

// Slack's team (workspace) and channel IDs: upper-case letters and digits (T0123ABCD, C0123ABCD).
const SLACK_ID = /^[A-Z0-9]{9,21}$/;

function parseAlerts(alerts: Reader): AlertsConfig {
  const config: AlertsConfig = {
    emails: readList(alerts, 'emails', { pattern: EMAIL, what: 'an e-mail address', min: 1 }),
  };
  const slack = readOptional.object(alerts, 'slack');
  if (slack) {
    config.slack = {
      workspaceId: read.string(slack, 'workspaceId', {
        pattern: SLACK_ID,
        what: 'a Slack workspace ID (T0123ABCD, from the AWS Chatbot console)',
      }),
      channelId: read.string(slack, 'channelId', {
        pattern: SLACK_ID,
        what: 'a Slack channel ID (C0123ABCD, from the channel details)',
      }),
    };
  }
  return config;
}

function parseMedia(media: Reader | undefined): MediaConfig | undefined {
  if (!media) return undefined;
  const config: MediaConfig = {
    host: read.string(media, 'host', { pattern: HOST, what: 'a host name or address' }),
    port: read.integer(media, 'port', { fallback: 22, min: 1, max: 65535 }),
    user: read.string(media, 'user', { pattern: USER, what: 'a user name' }),
    path: read.string(media, 'path', {
      pattern: REMOTE_PATH,
      what: 'a remote path (letters, digits, _ . / ~ - and {app} {environment})',
    }),
    identityParameter: readOptional.string(media, 'identityParameter', {
      pattern: PARAMETER_NAME,
      what: 'an SSM parameter name',
    }),
    identityFile: readOptional.string(media, 'identityFile', {
      pattern: ABSOLUTE_PATH,
      what: 'an absolute path on the servers',
    }),
    hostKeys: readOptional.list(media, 'hostKeys', {
      pattern: KNOWN_HOSTS_LINE,
      what: 'a known_hosts line ("host key-type base64-key")',
    }),
    knownHostsFile: readOptional.string(media, 'knownHostsFile', {
      pattern: ABSOLUTE_PATH,
      what: 'an absolute path on the servers',
    }),
    keep: read.integer(media, 'keep', { fallback: 5, min: 1, max: 1000 }),
    keepWeekly: read.integer(media, 'keepWeekly', { fallback: 0, min: 0, max: 520 }),
    keepMonthly: read.integer(media, 'keepMonthly', { fallback: 0, min: 0, max: 240 }),
    mode: read.string(media, 'mode', { oneOf: ['archive', 'snapshot'], fallback: 'archive' }) as MediaConfig['mode'],
  };
  if (config.identityParameter && config.identityFile) {
    media.problems.push(`${media.path}: set identityParameter or identityFile, not both`);
  }
  if (config.hostKeys && config.knownHostsFile) {
    media.problems.push(`${media.path}: set hostKeys or knownHostsFile, not both`);
  }
  return config;
}

function parseSchedule(root: Reader): ScheduleConfig {
  const schedule = read.object(root, 'schedule', {});
  return {
    backend: readSetting(root, SHARED_SETTINGS.backend) ?? 'scheduler',
    group: readSettingText(root, SHARED_SETTINGS.scheduleGroup),
    timezone: readSettingText(root, SHARED_SETTINGS.timeZone),
    backupWindow: readSettingText(root, SHARED_SETTINGS.backupWindow),
    weeklyDay: readSetting(root, SHARED_SETTINGS.weeklyDay) ?? 'SUN',
    syncEveryMinutes: read.integer(schedule, 'syncEveryMinutes', { fallback: 15, min: 1, max: 1440 }),
    executionTimeoutSeconds: readSetting(root, SHARED_SETTINGS.executionTimeoutSeconds) ?? 0,
    maxDeleteFraction: readSetting(root, SHARED_SETTINGS.maxDeleteFraction) ?? 0,
  };
}

/** Days each tier is kept by default: 14 days, 8 weeks, 12 months, 3 years. */
export const DEFAULT_TIER_DAYS: TierDays = { daily: 14, weekly: 56, monthly: 365, yearly: 1095 };

function parseBucket(bucket: Reader): BucketConfig {
  const fields = (bucket.value ?? {}) as Record<string, unknown>;
  const legacy = fields.retentionDays !== undefined;
  const tiered = fields.retention !== undefined;
  if (legacy && tiered) {
    bucket.problems.push(
      `${bucket.path}.retentionDays and ${bucket.path}.retention: set one; retentionDays (one age for every backup) is the policy of older deployments, retention.daily|weekly|monthly|yearly the tiers that replace it`,
    );
  }
  const config: BucketConfig = {
    noncurrentVersionDays: read.integer(bucket, 'noncurrentVersionDays', { fallback: 30, min: 1, max: 36500 }),
  };
  if (legacy) config.retentionDays = read.integer(bucket, 'retentionDays', { min: 1, max: 36500 });
  else readOptional.string(bucket, 'retentionDays'); // absent: still a known key, for "did you mean" on a misspelling
  if (!legacy || tiered) config.tiers = parseTiers(read.object(bucket, 'retention', {}));
  // The age after which S3 deletes every backup at the latest: the single age, or the longest tier.
  const longest = config.retentionDays ?? config.tiers!.yearly;
  const longestName = legacy ? `the retention (${longest} days)` : `${bucket.path}.retention.yearly (${longest} days)`;
  const transition = readOptional.object(bucket, 'transition');
  if (transition) {
    config.transition = {
      storageClass: read.string(transition, 'storageClass', { oneOf: STORAGE_CLASSES }) as TransitionStorageClass,
      afterDays: read.integer(transition, 'afterDays', { min: 0, max: 36500 }),
    };
    const { storageClass, afterDays } = config.transition;
    if ((storageClass === 'STANDARD_IA' || storageClass === 'ONEZONE_IA') && afterDays < 30) {
      transition.problems.push(
        `${transition.path}.afterDays: S3 needs at least 30 days before ${storageClass}, got ${afterDays}`,
      );
    }
    if (afterDays >= longest) {
      transition.problems.push(`${transition.path}.afterDays: ${afterDays} is not before ${longestName}`);
    }
  }
  const objectLock = readOptional.object(bucket, 'objectLock');
  if (objectLock) {
    config.objectLock = {
      mode: read.string(objectLock, 'mode', { oneOf: ['GOVERNANCE', 'COMPLIANCE'], fallback: 'GOVERNANCE' }) as
        'GOVERNANCE' | 'COMPLIANCE',
      days: read.integer(objectLock, 'days', { min: 1, max: 36500 }),
    };
    const { days } = config.objectLock;
    if (legacy && days > longest)
      objectLock.problems.push(`${objectLock.path}.days: ${days} is longer than the retention (${longest} days)`);
    if (!legacy && config.tiers && days > config.tiers.daily) {
      objectLock.problems.push(
        `${objectLock.path}.days: ${days} is longer than ${bucket.path}.retention.daily (${config.tiers.daily} days): S3 could not delete daily backups while they are locked; lock for at most the shortest tier`,
      );
    }
  }
  return config;
}

/** The tiers' ages in days; each must keep at least as long as the tier below it. */
function parseTiers(retention: Reader): TierDays {
  const days = Object.fromEntries(
    RETENTION_TIERS.map((tier) => [
      tier,
      read.integer(retention, tier, { fallback: DEFAULT_TIER_DAYS[tier], min: 1, max: 36500 }),
    ]),
  ) as TierDays;
  for (let index = 1; index < RETENTION_TIERS.length; index += 1) {
    const [below, tier] = [RETENTION_TIERS[index - 1]!, RETENTION_TIERS[index]!];
    if (days[tier] < days[below]) {
      retention.problems.push(
        `${retention.path}.${tier}: ${days[tier]} days is shorter than ${retention.path}.${below} (${days[below]} days); each tier must be kept at least as long as the one below it`,
      );
    }
  }
  return days;
}

function parseAgent(agent: Reader): AgentConfig {
  const reportUrl = readOptional.string(agent, 'reportUrl', { what: 'an https URL' });
  if (
    reportUrl !== undefined &&
    !(/^https:\/\//.test(reportUrl) && URL.canParse(reportUrl) && !/['"\s\\]/.test(reportUrl))
  ) {
    agent.problems.push(`${agent.path}.reportUrl: ${JSON.stringify(reportUrl)} is not an https URL`);
  }
  return {
    appsDir: read.string(agent, 'appsDir', {
      pattern: ABSOLUTE_PATH,
      fallback: '/srv/users/serverpilot/apps',
      what: 'an absolute path',
    }),
    backupsDir: read.string(agent, 'backupsDir', {
      pattern: ABSOLUTE_PATH,
      fallback: '/opt/backups',
      what: 'an absolute path',
    }),
    keepLocal: read.integer(agent, 'keepLocal', { fallback: 5, min: 1, max: 1000 }),
    maxPendingUploads: read.integer(agent, 'maxPendingUploads', { fallback: 30, min: 0, max: 1000 }),
    tmpDir: readOptional.string(agent, 'tmpDir', { pattern: ABSOLUTE_PATH, what: 'an absolute path' }),
    nodePath: readOptional.string(agent, 'nodePath', { pattern: ABSOLUTE_PATH, what: 'an absolute path to node' }),
    reportUrl,
  };
}

function parseFreshness(freshness: Reader): FreshnessConfig {
  return {
    enabled: read.boolean(freshness, 'enabled', { fallback: true }),
    hourUtc: read.integer(freshness, 'hourUtc', { fallback: 6, min: 0, max: 23 }),
  };
}

function parseVerify(root: Reader): VerifyConfig {
  const verify = read.object(root, 'verify', {});
  return {
    // Drills prove the backups restore: on unless turned off.
    enabled: read.boolean(verify, 'enabled', { fallback: true }),
    weeklyDay: readSetting(root, SHARED_SETTINGS.verifyDay) ?? 'SUN',
    window: readSettingText(root, SHARED_SETTINGS.verifyWindow),
    adminUrlParameter: readOptional.string(verify, 'adminUrlParameter', {
      pattern: PARAMETER_NAME,
      what: 'an SSM parameter name',
    }),
    executionTimeoutSeconds: readSetting(root, SHARED_SETTINGS.verifyExecutionTimeoutSeconds) ?? 0,
  };
}
