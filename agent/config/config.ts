import { availableParallelism } from 'node:os';
import {
  type DbEngine,
  MEDIA_ARCHIVE_PATTERN,
  normalizeEngine,
  validateAppName,
  validateEnvironment,
  validateProjectType,
} from '../../common/app-spec';
import { parseTimeZone } from '../../common/settings/rules';
import { ConfigError } from '../errors';
import { parseProgressInterval } from '../process/progress';
import { absolutePath, integerIn, oneOf, optional, packetSize, readInputs } from './read-inputs';
import { SETTINGS, type SettingName, type SettingSpec, settingLabel } from './settings';

/** Everything one backup run needs, validated. */
export interface BackupConfig {
  app: string;
  environment: string;
  engine: DbEngine;
  projectType: string;
  dryRun: boolean;
  /** `--dry-run --json`: the plan as one JSON document instead of text. */
  json: boolean;
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
  /** Milliseconds between progress lines during long steps; 0: none. */
  progressIntervalMs: number;
}

export const PRIORITIES = ['low', 'normal'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Half the cores, at least one: the other half stays with the live site. */
export function defaultCompressThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** Everything one restore check (`verify`) needs, validated. */
export interface VerifyConfig {
  app: string;
  appsDir: string;
  backupsDir: string;
  /** A connection allowed to create and drop databases; @default the app's own credentials */
  adminUrl?: string;
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

const BACKUP_FLAGS = {
  app: 'string',
  environment: 'string',
  engine: 'string',
  'project-type': 'string',
  'dry-run': 'boolean',
  json: 'boolean',
} as const;

/** Flags only `restore-media` takes. */
const RESTORE_MEDIA_FLAGS = {
  app: 'string',
  environment: 'string',
  'project-type': 'string',
  archive: 'string',
  sha256: 'string',
} as const;

/**
 * Reads `backup` flags (`argv` after the subcommand) and `env` into a validated config; throws one
 * ConfigError naming every bad or missing input.
 */
export function loadBackupConfig(argv: string[], env: NodeJS.ProcessEnv): BackupConfig {
  const { values, setting, check, need, done } = readInputs(argv, env, BACKUP_FLAGS);
  const app = check(() => validateAppName(need('app')));
  const environment = check(() => validateEnvironment(need('environment')));
  const config = {
    app,
    environment,
    engine: check(() => normalizeEngine(need('engine'))),
    projectType: check(() => validateProjectType(need('project-type'))),
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    skipAbsent: check(() => oneOf(setting('skipAbsent')!, ['true', 'false'], SETTINGS.skipAbsent)) === 'true',
    appsDir: check(() => absolutePath(setting('appsDir')!, SETTINGS.appsDir)),
    backupsDir: check(() => absolutePath(setting('backupsDir')!, SETTINGS.backupsDir)),
    keepLocal: check(() => integerIn(setting('keepLocal')!, 1, 1000, SETTINGS.keepLocal)),
    maxPendingUploads: check(() => integerIn(setting('maxPendingUploads')!, 0, 1000, SETTINGS.maxPendingUploads)),
    timeZone: check(() => {
      try {
        return parseTimeZone(setting('timeZone'));
      } catch (error) {
        throw new ConfigError(`${settingLabel(SETTINGS.timeZone)}: ${(error as Error).message}`);
      }
    }),
    mediaKeep: {
      keep: check(() => integerIn(setting('mediaKeep')!, 1, 1000, SETTINGS.mediaKeep)),
      weeks: check(() => integerIn(setting('mediaKeepWeekly')!, 0, 520, SETTINGS.mediaKeepWeekly)),
      months: check(() => integerIn(setting('mediaKeepMonthly')!, 0, 240, SETTINGS.mediaKeepMonthly)),
    },
    bucket: check(() =>
      optional(setting('bucket'), /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, SETTINGS.bucket, 'an S3 bucket name'),
    ),
    mediaDir: setting('mediaDir'),
    tmpDir: check(() => optionalPath(setting('tmpDir'), SETTINGS.tmpDir)),
    s3Timeout: check(() => integerIn(setting('s3Timeout')!, 1, 3600, SETTINGS.s3Timeout)),
    s3ConnectTimeout: check(() => integerIn(setting('s3ConnectTimeout')!, 1, 600, SETTINGS.s3ConnectTimeout)),
    uploadStallTimeout: check(() => integerIn(setting('uploadStallTimeout')!, 1, 3600, SETTINGS.uploadStallTimeout)),
    mysqlMaxAllowedPacket: check(() => packetSize(setting('mysqlMaxAllowedPacket')!, SETTINGS.mysqlMaxAllowedPacket)),
    compressThreads: check(() =>
      setting('compressThreads') === undefined
        ? defaultCompressThreads()
        : integerIn(setting('compressThreads')!, 1, 256, SETTINGS.compressThreads),
    ),
    priority: check(() => oneOf(setting('priority')!, PRIORITIES, SETTINGS.priority)),
    progressIntervalMs: check(() => readProgressInterval(setting('progressInterval'))),
    media: app && environment ? check(() => readMediaServer(setting, app, environment)) : undefined,
    report: check(() => readReportTarget(setting)),
  };
  if (config.json && !config.dryRun)
    check(() => {
      throw new ConfigError("--json goes with --dry-run (a backup's last stdout line is always its JSON report)");
    });
  done();
  return config as BackupConfig;
}

/** BACKOPPER_PROGRESS_INTERVAL in milliseconds, its errors naming the flag too. */
function readProgressInterval(value: string | undefined): number {
  try {
    return parseProgressInterval(value);
  } catch (error) {
    const message = (error as Error).message.replace(/^BACKOPPER_PROGRESS_INTERVAL /, '');
    throw new ConfigError(`${settingLabel(SETTINGS.progressInterval)} ${message}`);
  }
}

/** Where to POST the run report, if anywhere. */
function readReportTarget(setting: (name: SettingName) => string | undefined): BackupConfig['report'] {
  const url = setting('reportUrl');
  if (!url) return undefined;
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) {
    throw new ConfigError(`${settingLabel(SETTINGS.reportUrl)} ${JSON.stringify(url)} is not an http(s) URL`);
  }
  return { url, secret: setting('reportSecret'), secretHeader: setting('reportSecretHeader')! };
}

/** An unset folder, or an absolute one. */
function optionalPath(value: string | undefined, spec: SettingSpec): string | undefined {
  return value === undefined ? undefined : absolutePath(value, spec);
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
    throw new ConfigError(
      `${settingLabel(SETTINGS.mediaPath)} is required when ${settingLabel(SETTINGS.mediaHost)} is set`,
    );
  if (/["\n\r\\]/.test(template))
    throw new ConfigError(
      `${settingLabel(SETTINGS.mediaPath)} ${JSON.stringify(template)} contains a quote, backslash or newline`,
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
  const { values, setting, check, need, done } = readInputs(argv, env, RESTORE_MEDIA_FLAGS);
  const app = check(() => validateAppName(need('app')));
  const environment = check(() => validateEnvironment(need('environment')));
  // Optional: without it (the restore document's default), every project type's default media folders are tried.
  const givenType = values['project-type'];
  const projectType =
    typeof givenType === 'string' && givenType !== '' ? check(() => validateProjectType(givenType)) : undefined;
  const media =
    app && environment
      ? check(() => {
          const server = readMediaServer(setting, app, environment);
          if (server) return server;
          throw new ConfigError(
            `${settingLabel(SETTINGS.mediaHost)} is required: the archive is fetched from the media server`,
          );
        })
      : undefined;
  const archive = check(() => archiveName(need('archive'), media));
  const sha256 = check(() => {
    const hex = need('sha256').toLowerCase();
    if (/^[0-9a-f]{64}$/.test(hex)) return hex;
    throw new ConfigError(`--sha256 ${JSON.stringify(hex)} is not a sha256 (64 hex digits)`);
  });
  const config = {
    app,
    environment,
    projectType,
    appsDir: check(() => absolutePath(setting('appsDir')!, SETTINGS.appsDir)),
    mediaDir: setting('mediaDir'),
    tmpDir: check(() => optionalPath(setting('tmpDir'), SETTINGS.tmpDir)),
    media,
    archive,
    sha256,
  };
  done();
  return config as RestoreMediaConfig;
}

/** The archive's file name from `--archive` (a name, a remote path or `host:path`), refused outside the app's folder. */
function archiveName(given: string, media: MediaServer | undefined): string {
  const path = given.includes(':') ? given.slice(given.indexOf(':') + 1) : given;
  const archive = path.slice(path.lastIndexOf('/') + 1);
  if (!MEDIA_ARCHIVE_PATTERN.test(archive))
    throw new ConfigError(
      `--archive ${JSON.stringify(given)} is not a media archive of ours (media_<ts>[_<host id>].tar.gz)`,
    );
  const folder = path.slice(0, path.lastIndexOf('/')).replace(/\/+$/, '');
  if (media && path.includes('/') && folder !== media.path.replace(/\/+$/, '')) {
    throw new ConfigError(`--archive ${JSON.stringify(given)} is not in this app's remote folder ${media.path}`);
  }
  return archive;
}

/** Reads `verify` flags and `env`: the app, where its `.env` and dumps are, the admin URL; throws ConfigError naming every bad input. */
export function loadVerifyConfig(argv: string[], env: NodeJS.ProcessEnv): VerifyConfig {
  const { setting, check, need, done } = readInputs(argv, env, { app: 'string' });
  const adminUrl = setting('verifyAdminUrl');
  if (adminUrl && !/^(mysql|mariadb|postgres|postgresql|pgsql):\/\//.test(adminUrl)) {
    check(() => {
      throw new ConfigError(`${settingLabel(SETTINGS.verifyAdminUrl)} is not a mysql:// or postgres:// URL`);
    });
  }
  const config = {
    app: check(() => validateAppName(need('app'))),
    appsDir: check(() => absolutePath(setting('appsDir')!, SETTINGS.appsDir)),
    backupsDir: check(() => absolutePath(setting('backupsDir')!, SETTINGS.backupsDir)),
    adminUrl,
  };
  done();
  return config as VerifyConfig;
}
