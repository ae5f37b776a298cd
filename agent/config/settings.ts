/**
 * The agent's settings, one table: each setting's flag, its `BACKOPPER_*` variable, its default, the
 * commands that read it and a one-line meaning. The config reads it and `--help` prints it, so the two
 * cannot drift. Flags win over variables, which win over the defaults.
 */

/** How the agent and its children yield to the live site (BACKOPPER_PRIORITY). */
export const PRIORITIES = ['low', 'normal'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The agent's commands that take settings. */
export type AgentCommand = 'backup' | 'drill' | 'inventory' | 'restore-media';

/** One setting of the agent. */
export interface SettingSpec {
  flag: string;
  variable: string;
  /** The default as a value the reader parses; undefined: unset unless given. */
  fallback?: string;
  /** What `--help` says when there is no `fallback` (or when it reads better than the value). */
  defaultText?: string;
  /** A boolean switch (`--skip-absent`, the variable `true`); the others take a value. */
  boolean?: boolean;
  /** The value's placeholder in the help. @default value */
  placeholder?: string;
  commands: readonly AgentCommand[];
  help: string;
}

const ALL = ['backup', 'drill', 'inventory', 'restore-media'] as const;
const BACKUP = ['backup'] as const;
const MEDIA = ['backup', 'restore-media', 'drill'] as const;
const DUMPS = ['backup'] as const;
const DRILL = ['backup', 'drill'] as const;

/** Every setting the agent reads. */
export const SETTINGS = {
  appsDir: {
    flag: 'apps-dir',
    variable: 'BACKOPPER_APPS_DIR',
    fallback: '/srv/users/serverpilot/apps',
    placeholder: 'dir',
    commands: ALL,
    help: 'app root is <dir>/<app>; its .env is at the root',
  },
  backupsDir: {
    flag: 'backups-dir',
    variable: 'BACKOPPER_BACKUPS_DIR',
    fallback: '/opt/backups',
    placeholder: 'dir',
    commands: DUMPS,
    help: 'local dumps go to <dir>/<app>/',
  },
  keepLocal: {
    flag: 'keep-local',
    variable: 'BACKOPPER_KEEP_LOCAL',
    fallback: '5',
    placeholder: 'n',
    commands: BACKUP,
    help: 'local dumps kept per app (1-1000); a failed run deletes nothing',
  },
  maxPendingUploads: {
    flag: 'max-pending-uploads',
    variable: 'BACKOPPER_MAX_PENDING_UPLOADS',
    fallback: '30',
    placeholder: 'n',
    commands: BACKUP,
    help: 'dumps not in S3 yet kept for the next run that reaches S3 (0-1000)',
  },
  timeZone: {
    flag: 'timezone',
    variable: 'BACKOPPER_TIMEZONE',
    fallback: 'UTC',
    placeholder: 'zone',
    commands: BACKUP,
    help: 'IANA zone of the calendar (retention tiers, weekly and monthly media keeps)',
  },
  mediaKeep: {
    flag: 'media-keep',
    variable: 'BACKOPPER_MEDIA_KEEP',
    fallback: '5',
    placeholder: 'n',
    commands: BACKUP,
    help: "this server's archives of the app kept on the media server (1-1000)",
  },
  mediaKeepWeekly: {
    flag: 'media-keep-weekly',
    variable: 'BACKOPPER_MEDIA_KEEP_WEEKLY',
    fallback: '0',
    placeholder: 'n',
    commands: BACKUP,
    help: 'also the newest archive of each of the last n ISO weeks (0-520)',
  },
  mediaKeepMonthly: {
    flag: 'media-keep-monthly',
    variable: 'BACKOPPER_MEDIA_KEEP_MONTHLY',
    fallback: '0',
    placeholder: 'n',
    commands: BACKUP,
    help: 'also the newest archive of each of the last n months (0-240)',
  },
  bucket: {
    flag: 'bucket',
    variable: 'BACKOPPER_BUCKET',
    defaultText: 'unset: no upload',
    placeholder: 'name',
    commands: DRILL,
    help: 'S3 bucket of the dumps, run records and drill records',
  },
  mediaHost: {
    flag: 'media-host',
    variable: 'BACKOPPER_MEDIA_HOST',
    defaultText: 'unset: no media copy',
    placeholder: 'host',
    commands: MEDIA,
    help: 'media server (SSH)',
  },
  mediaPort: {
    flag: 'media-port',
    variable: 'BACKOPPER_MEDIA_PORT',
    fallback: '22',
    placeholder: 'port',
    commands: MEDIA,
    help: "the media server's SSH port",
  },
  mediaUser: {
    flag: 'media-user',
    variable: 'BACKOPPER_MEDIA_USER',
    defaultText: "ssh's",
    placeholder: 'user',
    commands: MEDIA,
    help: 'SSH user on the media server',
  },
  mediaPath: {
    flag: 'media-path',
    variable: 'BACKOPPER_MEDIA_PATH',
    defaultText: 'required with a media host',
    placeholder: 'path',
    commands: MEDIA,
    help: 'remote folder; {app} and {environment} are filled in',
  },
  mediaIdentity: {
    flag: 'media-identity',
    variable: 'BACKOPPER_MEDIA_IDENTITY',
    defaultText: "ssh's keys",
    placeholder: 'file',
    commands: MEDIA,
    help: 'private key file for the media server',
  },
  mediaKnownHosts: {
    flag: 'media-known-hosts',
    variable: 'BACKOPPER_MEDIA_KNOWN_HOSTS',
    defaultText: '~/.ssh/known_hosts',
    placeholder: 'file',
    commands: MEDIA,
    help: "known_hosts holding the media server's key",
  },
  mediaDir: {
    flag: 'media-dir',
    variable: 'BACKOPPER_MEDIA_DIR',
    defaultText: 'per project type',
    placeholder: 'dir',
    commands: MEDIA,
    help: 'media folder, relative to the app root or absolute',
  },
  mediaMode: {
    flag: 'media-mode',
    variable: 'BACKOPPER_MEDIA_MODE',
    fallback: 'archive',
    placeholder: 'archive|snapshot',
    commands: BACKUP,
    help: 'media as tar archives (archive) or rsync --link-dest snapshots (snapshot; docs/snapshots.md)',
  },
  tmpDir: {
    flag: 'tmp-dir',
    variable: 'BACKOPPER_TMP_DIR',
    defaultText: 'the OS tmp folder',
    placeholder: 'dir',
    commands: MEDIA,
    help: 'where media archives are built and fetched',
  },
  reportUrl: {
    flag: 'report-url',
    variable: 'BACKOPPER_REPORT_URL',
    defaultText: 'unset',
    placeholder: 'url',
    commands: BACKUP,
    help: 'POST each run report here (a failure is a warning)',
  },
  reportSecret: {
    flag: 'report-secret',
    variable: 'BACKOPPER_REPORT_SECRET',
    defaultText: 'unset',
    placeholder: 'secret',
    commands: BACKUP,
    help: 'sent with the report (prefer the variable: flags show in ps)',
  },
  reportSecretHeader: {
    flag: 'report-secret-header',
    variable: 'BACKOPPER_REPORT_SECRET_HEADER',
    fallback: 'X-Secret-Key',
    placeholder: 'name',
    commands: BACKUP,
    help: 'header that carries the report secret',
  },
  drillAdminUrl: {
    flag: 'drill-admin-url',
    variable: 'BACKOPPER_DRILL_ADMIN_URL',
    defaultText: 'MariaDB root over the socket; the postgres role',
    placeholder: 'url',
    commands: ['drill'],
    help: "mysql:// and/or postgres:// URL (one per engine, space-separated) of a user that may create and drop the drill's scratch database",
  },
  s3Timeout: {
    flag: 's3-timeout',
    variable: 'BACKOPPER_S3_TIMEOUT',
    fallback: '60',
    placeholder: 's',
    commands: BACKUP,
    help: 'seconds an S3 request may go without a byte moving (1-3600)',
  },
  s3ConnectTimeout: {
    flag: 's3-connect-timeout',
    variable: 'BACKOPPER_S3_CONNECT_TIMEOUT',
    fallback: '10',
    placeholder: 's',
    commands: BACKUP,
    help: 'seconds to connect to S3 (1-600)',
  },
  uploadStallTimeout: {
    flag: 'upload-stall-timeout',
    variable: 'BACKOPPER_UPLOAD_STALL_TIMEOUT',
    fallback: '60',
    placeholder: 's',
    commands: BACKUP,
    help: 'seconds the streamed upload may take no data before the file is uploaded instead (1-3600)',
  },
  mysqlMaxAllowedPacket: {
    flag: 'mysql-max-allowed-packet',
    variable: 'BACKOPPER_MYSQL_MAX_ALLOWED_PACKET',
    fallback: '1G',
    placeholder: 'size',
    commands: BACKUP,
    help: "mysqldump's largest row (1K-1G)",
  },
  compressThreads: {
    flag: 'compress-threads',
    variable: 'BACKOPPER_COMPRESS_THREADS',
    defaultText: 'half the cores',
    placeholder: 'n',
    commands: BACKUP,
    help: 'gzip blocks compressed at once (1-256)',
  },
  priority: {
    flag: 'priority',
    variable: 'BACKOPPER_PRIORITY',
    fallback: 'low',
    placeholder: 'low|normal',
    commands: DRILL,
    help: 'low: nice 10 and ionice best-effort 7, so the site comes first',
  },
  progressInterval: {
    flag: 'progress-interval',
    variable: 'BACKOPPER_PROGRESS_INTERVAL',
    fallback: '30',
    placeholder: 's',
    commands: BACKUP,
    help: 'seconds between progress lines in long steps (0.1-3600; 0: none)',
  },
  skipAbsent: {
    flag: 'skip-absent',
    variable: 'BACKOPPER_SKIP_ABSENT',
    fallback: 'false',
    boolean: true,
    commands: BACKUP,
    help: 'an app folder absent from this server: exit 0, status skipped',
  },
  inventoryFile: {
    flag: 'inventory-file',
    variable: 'BACKOPPER_INVENTORY_FILE',
    defaultText: "the SSM agent's custom inventory folder",
    placeholder: 'path',
    commands: ['inventory'],
    help: 'where the Custom:BackopperApps inventory is written',
  },
} as const satisfies Record<string, SettingSpec>;

/** A setting's key in {@link SETTINGS}. */
export type SettingName = keyof typeof SETTINGS;

/** How errors name a setting: `BACKOPPER_KEEP_LOCAL (--keep-local)`. */
export function settingLabel(spec: Pick<SettingSpec, 'flag' | 'variable'>): string {
  return `${spec.variable} (--${spec.flag})`;
}
