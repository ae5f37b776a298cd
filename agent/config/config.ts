import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  type DbEngine,
  DUMP_OBJECT_PATTERN,
  InvalidValueError,
  MEDIA_ARCHIVE_PATTERN,
  normalizeEngine,
  validateAppName,
  validateEnvironment,
  validateProjectType,
} from '../../common/app-spec';
import { parseTimeZone } from '../../common/settings/rules';
import { ConfigError } from '../errors';

/** Everything one backup run needs, validated. */
export interface BackupConfig {
  app: string;
  environment: string;
  engine: DbEngine;
  projectType: string;
  dryRun: boolean;
  /** The app's folder may be absent on this server (commands sent to every server of an environment). */
  skipAbsent: boolean;
  appsDir: string;
  backupsDir: string;
  keepLocal: number;
  /** Dumps not yet in S3 kept beyond `keepLocal` for the next run that reaches S3; past it the oldest go, loudly. */
  maxPendingUploads: number;
  /** The zone calendar boundaries are counted in (retention tiers, weekly/monthly media keeps). */
  timeZone: string;
  /** What the media server keeps of this app's archives after a successful transfer. */
  mediaKeep: { keep: number; weeks: number; months: number };
  bucket?: string;
  media?: MediaServer;
  mediaDir?: string;
  tmpDir?: string;
  report?: { url: string; secret?: string; secretHeader: string };
  /** Seconds an S3 request may go without a byte moving, and may take to connect. */
  s3Timeout: number;
  s3ConnectTimeout: number;
  /** Seconds the streamed upload may refuse the dump's bytes before it is dropped (then uploaded from the file). */
  uploadStallTimeout: number;
  /** mysqldump's --max-allowed-packet (`1G`, `512M`, bytes). */
  mysqlMaxAllowedPacket: string;
  /** Blocks gzip-compressed at the same time (the MariaDB dump, the media archive). */
  compressThreads: number;
  /** `low`: the agent and its children run at nice 10 and I/O best-effort 7, so the live site comes first. */
  priority: Priority;
}

export const PRIORITIES = ['low', 'normal'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Half the cores, at least one: the other half stays with the live site. */
export function defaultCompressThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** The media server the archive is copied to over SSH. */
export interface MediaServer {
  host: string;
  port: number;
  user?: string;
  /** Remote folder, `{app}` and `{environment}` already filled in. */
  path: string;
  identity?: string;
  knownHosts?: string;
}

/** Each setting: its flag, its `BACKOPPER_*` variable and its default. Flags win over variables. */
const SETTINGS = {
  appsDir: { flag: 'apps-dir', variable: 'BACKOPPER_APPS_DIR', fallback: '/srv/users/serverpilot/apps' },
  backupsDir: { flag: 'backups-dir', variable: 'BACKOPPER_BACKUPS_DIR', fallback: '/opt/backups' },
  keepLocal: { flag: 'keep-local', variable: 'BACKOPPER_KEEP_LOCAL', fallback: '5' },
  maxPendingUploads: { flag: 'max-pending-uploads', variable: 'BACKOPPER_MAX_PENDING_UPLOADS', fallback: '30' },
  timeZone: { flag: 'timezone', variable: 'BACKOPPER_TIMEZONE', fallback: 'UTC' },
  mediaKeep: { flag: 'media-keep', variable: 'BACKOPPER_MEDIA_KEEP', fallback: '5' },
  mediaKeepWeekly: { flag: 'media-keep-weekly', variable: 'BACKOPPER_MEDIA_KEEP_WEEKLY', fallback: '0' },
  mediaKeepMonthly: { flag: 'media-keep-monthly', variable: 'BACKOPPER_MEDIA_KEEP_MONTHLY', fallback: '0' },
  bucket: { flag: 'bucket', variable: 'BACKOPPER_BUCKET' },
  mediaHost: { flag: 'media-host', variable: 'BACKOPPER_MEDIA_HOST' },
  mediaPort: { flag: 'media-port', variable: 'BACKOPPER_MEDIA_PORT', fallback: '22' },
  mediaUser: { flag: 'media-user', variable: 'BACKOPPER_MEDIA_USER' },
  mediaPath: { flag: 'media-path', variable: 'BACKOPPER_MEDIA_PATH' },
  mediaIdentity: { flag: 'media-identity', variable: 'BACKOPPER_MEDIA_IDENTITY' },
  mediaKnownHosts: { flag: 'media-known-hosts', variable: 'BACKOPPER_MEDIA_KNOWN_HOSTS' },
  mediaDir: { flag: 'media-dir', variable: 'BACKOPPER_MEDIA_DIR' },
  tmpDir: { flag: 'tmp-dir', variable: 'BACKOPPER_TMP_DIR' },
  reportUrl: { flag: 'report-url', variable: 'BACKOPPER_REPORT_URL' },
  reportSecret: { flag: 'report-secret', variable: 'BACKOPPER_REPORT_SECRET' },
  drillAdminUrl: { flag: 'drill-admin-url', variable: 'BACKOPPER_DRILL_ADMIN_URL' },
  reportSecretHeader: {
    flag: 'report-secret-header',
    variable: 'BACKOPPER_REPORT_SECRET_HEADER',
    fallback: 'X-Secret-Key',
  },
  s3Timeout: { flag: 's3-timeout', variable: 'BACKOPPER_S3_TIMEOUT', fallback: '60' },
  s3ConnectTimeout: { flag: 's3-connect-timeout', variable: 'BACKOPPER_S3_CONNECT_TIMEOUT', fallback: '10' },
  uploadStallTimeout: { flag: 'upload-stall-timeout', variable: 'BACKOPPER_UPLOAD_STALL_TIMEOUT', fallback: '60' },
  mysqlMaxAllowedPacket: {
    flag: 'mysql-max-allowed-packet',
    variable: 'BACKOPPER_MYSQL_MAX_ALLOWED_PACKET',
    fallback: '1G',
  },
  compressThreads: { flag: 'compress-threads', variable: 'BACKOPPER_COMPRESS_THREADS' },
  priority: { flag: 'priority', variable: 'BACKOPPER_PRIORITY', fallback: 'low' },
} as const satisfies Record<string, { flag: string; variable: string; fallback?: string }>;

type SettingName = keyof typeof SETTINGS;

const FLAG_OPTIONS = {
  app: { type: 'string' },
  environment: { type: 'string' },
  engine: { type: 'string' },
  'project-type': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'skip-absent': { type: 'boolean' },
  ...Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' }])),
} as const;

/** Flags only `restore-media` takes. */
const RESTORE_MEDIA_FLAGS = { archive: { type: 'string' }, sha256: { type: 'string' } } as const;

/** Parsed flags plus readers that apply flag > variable > default and turn bad values into ConfigError. */
function readInputs(
  argv: string[],
  env: NodeJS.ProcessEnv,
  extraFlags: Record<string, { type: 'string' | 'boolean' }> = {},
) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...FLAG_OPTIONS, ...extraFlags },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const setting = (name: SettingName): string | undefined => {
    const spec: { flag: string; variable: string; fallback?: string } = SETTINGS[name];
    const value = (values[spec.flag] as string | undefined) ?? env[spec.variable];
    return value === undefined || value === '' ? spec.fallback : value;
  };
  const check = <T>(what: () => T): T => {
    try {
      return what();
    } catch (error) {
      if (error instanceof InvalidValueError || error instanceof ConfigError) throw new ConfigError(error.message);
      throw error;
    }
  };
  const need = (flag: string) => {
    const value = values[flag];
    if (typeof value !== 'string' || value === '') throw new ConfigError(`--${flag} is required`);
    return value;
  };
  return { values, setting, check, need };
}

/** Reads `backup` flags (`argv` after the subcommand) and `env` into a validated config; throws ConfigError naming the input. */
export function loadBackupConfig(argv: string[], env: NodeJS.ProcessEnv): BackupConfig {
  const { values, setting, check, need } = readInputs(argv, env);
  const app = check(() => validateAppName(need('app')));
  const environment = check(() => validateEnvironment(need('environment')));
  const engine = check(() => normalizeEngine(need('engine')));
  const projectType = check(() => validateProjectType(need('project-type')));
  const config: BackupConfig = {
    app,
    environment,
    engine,
    projectType,
    dryRun: values['dry-run'] === true,
    skipAbsent: values['skip-absent'] === true || env.BACKOPPER_SKIP_ABSENT === 'true',
    appsDir: absolutePath(setting('appsDir')!, SETTINGS.appsDir),
    backupsDir: absolutePath(setting('backupsDir')!, SETTINGS.backupsDir),
    keepLocal: integerIn(setting('keepLocal')!, 1, 1000, SETTINGS.keepLocal),
    maxPendingUploads: integerIn(setting('maxPendingUploads')!, 0, 1000, SETTINGS.maxPendingUploads),
    timeZone: check(() => {
      try {
        return parseTimeZone(setting('timeZone'));
      } catch (error) {
        throw new ConfigError(`${name(SETTINGS.timeZone)}: ${(error as Error).message}`);
      }
    }),
    mediaKeep: {
      keep: integerIn(setting('mediaKeep')!, 1, 1000, SETTINGS.mediaKeep),
      weeks: integerIn(setting('mediaKeepWeekly')!, 0, 520, SETTINGS.mediaKeepWeekly),
      months: integerIn(setting('mediaKeepMonthly')!, 0, 240, SETTINGS.mediaKeepMonthly),
    },
    bucket: optional(setting('bucket'), /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, SETTINGS.bucket, 'an S3 bucket name'),
    mediaDir: setting('mediaDir'),
    tmpDir: setting('tmpDir') === undefined ? undefined : absolutePath(setting('tmpDir')!, SETTINGS.tmpDir),
    s3Timeout: integerIn(setting('s3Timeout')!, 1, 3600, SETTINGS.s3Timeout),
    s3ConnectTimeout: integerIn(setting('s3ConnectTimeout')!, 1, 600, SETTINGS.s3ConnectTimeout),
    uploadStallTimeout: integerIn(setting('uploadStallTimeout')!, 1, 3600, SETTINGS.uploadStallTimeout),
    mysqlMaxAllowedPacket: packetSize(setting('mysqlMaxAllowedPacket')!, SETTINGS.mysqlMaxAllowedPacket),
    compressThreads:
      setting('compressThreads') === undefined
        ? defaultCompressThreads()
        : integerIn(setting('compressThreads')!, 1, 256, SETTINGS.compressThreads),
    priority: oneOf(setting('priority')!, PRIORITIES, SETTINGS.priority),
  };

  config.media = readMediaServer(setting, app, environment);
  const reportUrl = setting('reportUrl');
  if (reportUrl) {
    if (!/^https?:\/\//.test(reportUrl) || !URL.canParse(reportUrl)) {
      throw new ConfigError(`${name(SETTINGS.reportUrl)} ${JSON.stringify(reportUrl)} is not an http(s) URL`);
    }
    config.report = { url: reportUrl, secret: setting('reportSecret'), secretHeader: setting('reportSecretHeader')! };
  }
  return config;
}

/** The media server settings, `{app}` and `{environment}` filled in; undefined without BACKOPPER_MEDIA_HOST. */
function readMediaServer(
  setting: (name: SettingName) => string | undefined,
  app: string,
  environment: string,
): MediaServer | undefined {
  const host = optional(
    setting('mediaHost'),
    /^[A-Za-z0-9][A-Za-z0-9.:-]*$/,
    SETTINGS.mediaHost,
    'a host name or address',
  );
  if (!host) return undefined;
  const template = setting('mediaPath');
  if (!template)
    throw new ConfigError(`${name(SETTINGS.mediaPath)} is required when ${name(SETTINGS.mediaHost)} is set`);
  if (/["\n\r\\]/.test(template))
    throw new ConfigError(
      `${name(SETTINGS.mediaPath)} ${JSON.stringify(template)} contains a quote, backslash or newline`,
    );
  return {
    host,
    port: integerIn(setting('mediaPort')!, 1, 65535, SETTINGS.mediaPort),
    user: optional(setting('mediaUser'), /^[A-Za-z_][A-Za-z0-9._-]*$/, SETTINGS.mediaUser, 'a user name'),
    path: template.replaceAll('{app}', app).replaceAll('{environment}', environment),
    identity: setting('mediaIdentity'),
    knownHosts: setting('mediaKnownHosts'),
  };
}

/** Everything `restore-media` needs, validated. */
export interface RestoreMediaConfig {
  app: string;
  environment: string;
  /** Picks the default media folders; undefined: every project type's defaults are tried. */
  projectType?: string;
  appsDir: string;
  mediaDir?: string;
  tmpDir?: string;
  media: MediaServer;
  /** The archive's file name in the app's remote folder (`media_<ts>[_<host id>].tar.gz`). */
  archive: string;
  /** What the run record says the archive's sha256 is. */
  sha256: string;
}

/**
 * Reads `restore-media` flags: the app, its environment and project type (to find the live media
 * folder), the archive (its name, its remote path or `host:path` as the run record gives it) and the
 * expected sha256, and the media server settings. Throws ConfigError naming the input.
 */
export function loadRestoreMediaConfig(argv: string[], env: NodeJS.ProcessEnv): RestoreMediaConfig {
  const { values, setting, check, need } = readInputs(argv, env, RESTORE_MEDIA_FLAGS);
  const app = check(() => validateAppName(need('app')));
  const environment = check(() => validateEnvironment(need('environment')));
  // Optional: without it (the restore document's default), every project type's default media folders are tried.
  const givenType = values['project-type'];
  const projectType =
    typeof givenType === 'string' && givenType !== '' ? check(() => validateProjectType(givenType)) : undefined;
  const media = readMediaServer(setting, app, environment);
  if (!media)
    throw new ConfigError(`${name(SETTINGS.mediaHost)} is required: the archive is fetched from the media server`);
  const given = need('archive');
  const path = given.includes(':') ? given.slice(given.indexOf(':') + 1) : given;
  const archive = path.slice(path.lastIndexOf('/') + 1);
  if (!MEDIA_ARCHIVE_PATTERN.test(archive))
    throw new ConfigError(
      `--archive ${JSON.stringify(given)} is not a media archive of ours (media_<ts>[_<host id>].tar.gz)`,
    );
  if (
    path.includes('/') &&
    path.slice(0, path.lastIndexOf('/')).replace(/\/+$/, '') !== media.path.replace(/\/+$/, '')
  ) {
    throw new ConfigError(`--archive ${JSON.stringify(given)} is not in this app's remote folder ${media.path}`);
  }
  const sha256 = need('sha256').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw new ConfigError(`--sha256 ${JSON.stringify(sha256)} is not a sha256 (64 hex digits)`);
  return {
    app,
    environment,
    projectType,
    appsDir: absolutePath(setting('appsDir')!, SETTINGS.appsDir),
    mediaDir: setting('mediaDir'),
    tmpDir: setting('tmpDir') === undefined ? undefined : absolutePath(setting('tmpDir')!, SETTINGS.tmpDir),
    media,
    archive,
    sha256,
  };
}

function name(spec: { flag: string; variable: string }): string {
  return `${spec.variable} (--${spec.flag})`;
}

function absolutePath(value: string, spec: { flag: string; variable: string }): string {
  if (!value.startsWith('/')) throw new ConfigError(`${name(spec)} ${JSON.stringify(value)} is not an absolute path`);
  return value.replace(/\/+$/, '') || '/';
}

function integerIn(value: string, min: number, max: number, spec: { flag: string; variable: string }): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new ConfigError(`${name(spec)} ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  }
  return number;
}

/** A MySQL client size (`1G`, `512M`, `64K`, bytes) from 1 KiB to 1 GiB, the range mysqldump accepts. */
function packetSize(value: string, spec: { flag: string; variable: string }): string {
  const match = /^(\d+)([KMG]?)$/i.exec(value);
  const bytes = match ? Number(match[1]) * 1024 ** ' KMG'.indexOf(match[2].toUpperCase() || ' ') : NaN;
  if (!(bytes >= 1024 && bytes <= 1024 ** 3)) {
    throw new ConfigError(
      `${name(spec)} ${JSON.stringify(value)} is not a size from 1K to 1G (a number of bytes, or with K, M or G)`,
    );
  }
  return value.toUpperCase();
}

function oneOf<T extends string>(value: string, allowed: readonly T[], spec: { flag: string; variable: string }): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new ConfigError(`${name(spec)} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return value as T;
}

function optional(
  value: string | undefined,
  pattern: RegExp,
  spec: { flag: string; variable: string },
  what: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw new ConfigError(`${name(spec)} ${JSON.stringify(value)} is not ${what}`);
  return value;
}

/** Flags only `drill` takes. */
const DRILL_FLAGS = {
  at: { type: 'string' },
  key: { type: 'string' },
  media: { type: 'boolean' },
  rotate: { type: 'boolean' },
} as const;

/** Everything one restore drill (`drill`) needs, validated. */
export interface DrillConfig {
  app: string;
  environment: string;
  bucket: string;
  /** Which dump: the newest at or before `at` (unix seconds), exactly `key`, or the newest. */
  at?: number;
  key?: string;
  /** Drill the media archive instead of the database dump. */
  media: boolean;
  /** The schedule's pick: the newest, but every few weeks an older (monthly or yearly) copy. */
  rotate: boolean;
  /** A connection that may create and drop databases; @default root over the unix socket (MariaDB), the local `postgres` role */
  adminUrl?: string;
  mediaServer?: MediaServer;
  tmpDir?: string;
  priority: Priority;
}

/**
 * Reads `drill` flags and `env`: the app and environment, the bucket, which backup (`--at` unix
 * seconds or ISO time, or `--key`), `--media`, the admin URL. Throws ConfigError naming the input.
 */
export function loadDrillConfig(argv: string[], env: NodeJS.ProcessEnv): DrillConfig {
  const { values, setting, check, need } = readInputs(argv, env, DRILL_FLAGS);
  const app = check(() => validateAppName(need('app')));
  const environment = check(() => validateEnvironment(need('environment')));
  const bucket = setting('bucket');
  if (!bucket) throw new ConfigError(`${name(SETTINGS.bucket)} is required: a drill restores the copy in S3`);
  if (values.at !== undefined && values.key !== undefined) throw new ConfigError('give --at or --key, not both');
  let at: number | undefined;
  if (typeof values.at === 'string') {
    at = /^\d+$/.test(values.at) ? Number(values.at) : Math.floor(Date.parse(values.at) / 1000);
    if (!Number.isFinite(at))
      throw new ConfigError(`--at ${JSON.stringify(values.at)} is not unix seconds or an ISO 8601 time`);
  }
  const key = values.key as string | undefined;
  const media = values.media === true;
  const rotate = values.rotate === true;
  if (rotate && (key !== undefined || at !== undefined))
    throw new ConfigError('--rotate picks the dump itself: not with --at or --key');
  if (key !== undefined) {
    const match = media ? undefined : DUMP_OBJECT_PATTERN.exec(key);
    if (media || !match || match[1] !== app || match[2] !== environment)
      throw new ConfigError(
        media
          ? '--key names a dump; a media drill takes --at'
          : `--key ${JSON.stringify(key)} is not a dump of ${app} in ${environment} (${app}/${environment}/backup_<ts>.sql.gz or .tar)`,
      );
  }
  const adminUrl = setting('drillAdminUrl');
  if (adminUrl && !/^(mysql|mariadb|postgres|postgresql|pgsql):\/\//.test(adminUrl))
    throw new ConfigError(`${name(SETTINGS.drillAdminUrl)} is not a mysql:// or postgres:// URL`);
  const mediaServer = readMediaServer(setting, app, environment);
  if (media && !mediaServer)
    throw new ConfigError(
      `${name(SETTINGS.mediaHost)} is required: a media drill fetches the archive from the media server`,
    );
  return {
    app,
    environment,
    bucket,
    ...(at !== undefined ? { at } : {}),
    ...(key !== undefined ? { key } : {}),
    media,
    rotate,
    ...(adminUrl ? { adminUrl } : {}),
    ...(mediaServer ? { mediaServer } : {}),
    tmpDir: setting('tmpDir') === undefined ? undefined : absolutePath(setting('tmpDir')!, SETTINGS.tmpDir),
    priority: oneOf(setting('priority')!, PRIORITIES, SETTINGS.priority),
  };
}
