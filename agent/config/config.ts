import { availableParallelism } from 'node:os';
import {
  type DbEngine,
  normalizeEngine,
  validateAppName,
  validateEnvironment,
  validateProjectType,
} from '../../common/app-spec';
import { parseTimeZone } from '../../common/settings/rules';
import { ConfigError } from '../errors';
import { parseProgressInterval } from '../process/progress';
import { readMediaServer } from './media-server';
import { absolutePath, integerIn, oneOf, optional, optionalPath, packetSize, readInputs } from './read-inputs';
import { PRIORITIES, type Priority, SETTINGS, type SettingName, settingLabel } from './settings';

export { PRIORITIES, type Priority } from './settings';
import type { MediaServer } from './media-server';

export type { MediaServer } from './media-server';
export { loadDrillConfig, type DrillConfig } from './drill-config';
export { loadRestoreMediaConfig, type RestoreMediaConfig, type SnapshotRestoreTarget } from './restore-media-config';

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
  /** `archive` (tar + copy, the default) or `snapshot` (rsync --link-dest, see docs/snapshots.md). */
  mediaMode: MediaMode;
  /** Milliseconds between progress lines during long steps; 0: none. */
  progressIntervalMs: number;
}

export const MEDIA_MODES = ['archive', 'snapshot'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];

/** Half the cores, at least one: the other half stays with the live site. */
export function defaultCompressThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

const BACKUP_FLAGS = {
  app: 'string',
  environment: 'string',
  engine: 'string',
  'project-type': 'string',
  'dry-run': 'boolean',
  json: 'boolean',
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
    mediaMode: check(() => oneOf(setting('mediaMode')!, MEDIA_MODES, SETTINGS.mediaMode)),
    progressIntervalMs: check(() => readProgressInterval(setting('progressInterval'))),
    media: app && environment ? check(() => readMediaServer(setting, app, environment)) : undefined,
    report: check(() => readReportTarget(setting)),
  };
  if (config.media && config.mediaMode === 'snapshot' && !/^\/[A-Za-z0-9._/@-]*$/.test(config.media.path))
    check(() => {
      throw new ConfigError(
        `${settingLabel(SETTINGS.mediaPath)} ${JSON.stringify(config.media!.path)} must be an absolute path of letters, digits and . _ / @ - in snapshot mode (the media server's gate accepts no other)`,
      );
    });
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
