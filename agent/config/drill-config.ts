import { DUMP_OBJECT_PATTERN, validateAppName, validateEnvironment } from '../../common/app-spec';
import { ConfigError } from '../errors';
import { CONNECTION_ENGINES } from './db-credentials';
import { type MediaServer, readMediaServer } from './media-server';
import { oneOf, optionalPath, readInputs } from './read-inputs';
import { PRIORITIES, type Priority, SETTINGS, settingLabel } from './settings';

/** Flags only `drill` takes. */
const DRILL_FLAGS = {
  app: 'string',
  environment: 'string',
  at: 'string',
  key: 'string',
  media: 'boolean',
  rotate: 'boolean',
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
  /**
   * Per engine, a connection that may create and drop databases (BACKOPPER_DRILL_ADMIN_URL holds one URL
   * per engine, separated by spaces); @default root over the unix socket (MariaDB), the local `postgres` role
   */
  adminUrls: AdminUrls;
  mediaServer?: MediaServer;
  tmpDir?: string;
  priority: Priority;
}

/**
 * Reads `drill` flags and `env`: the app and environment, the bucket, which backup (`--at` unix
 * seconds or ISO time, `--key`, or `--rotate`), `--media`, the admin URL. Throws one ConfigError
 * naming every bad or missing input.
 */
export function loadDrillConfig(argv: string[], env: NodeJS.ProcessEnv): DrillConfig {
  const { values, setting, check, need, done } = readInputs(argv, env, DRILL_FLAGS);
  const app = check(() => validateAppName(need('app')));
  const environment = check(() => validateEnvironment(need('environment')));
  const fail = (message: string) =>
    check(() => {
      throw new ConfigError(message);
    });
  const bucket = setting('bucket');
  if (!bucket) fail(`${settingLabel(SETTINGS.bucket)} is required: a drill restores the copy in S3`);
  if (values.at !== undefined && values.key !== undefined) fail('give --at or --key, not both');
  let at: number | undefined;
  if (typeof values.at === 'string') {
    at = /^\d+$/.test(values.at) ? Number(values.at) : Math.floor(Date.parse(values.at) / 1000);
    if (!Number.isFinite(at)) fail(`--at ${JSON.stringify(values.at)} is not unix seconds or an ISO 8601 time`);
  }
  const key = typeof values.key === 'string' ? values.key : undefined;
  const media = values.media === true;
  const rotate = values.rotate === true;
  if (rotate && (key !== undefined || at !== undefined)) fail('--rotate picks the dump itself: not with --at or --key');
  if (key !== undefined) {
    const match = media ? undefined : DUMP_OBJECT_PATTERN.exec(key);
    if (media) fail('--key names a dump; a media drill takes --at');
    else if (!match || match[1] !== app || match[2] !== environment)
      fail(
        `--key ${JSON.stringify(key)} is not a dump of ${app} in ${environment} (${app}/${environment}/backup_<ts>.sql.gz or .tar)`,
      );
  }
  const adminUrls = check(() => parseAdminUrls(setting('drillAdminUrl'))) ?? {};
  const mediaServer = app && environment ? check(() => readMediaServer(setting, app, environment)) : undefined;
  if (media && !mediaServer)
    fail(`${settingLabel(SETTINGS.mediaHost)} is required: a media drill fetches the archive from the media server`);
  const config = {
    app,
    environment,
    bucket,
    ...(at !== undefined ? { at } : {}),
    ...(key !== undefined ? { key } : {}),
    media,
    rotate,
    adminUrls,
    ...(mediaServer ? { mediaServer } : {}),
    tmpDir: check(() => optionalPath(setting('tmpDir'), SETTINGS.tmpDir)),
    priority: check(() => oneOf(setting('priority')!, PRIORITIES, SETTINGS.priority)),
  };
  done();
  return config as DrillConfig;
}

/** The drill's admin URL for each engine: a server with MariaDB and PostgreSQL apps needs one of each. */
export type AdminUrls = Partial<Record<'mysql' | 'postgres', string>>;

/**
 * Reads BACKOPPER_DRILL_ADMIN_URL: one `mysql://` and/or one `postgres://` URL, separated by spaces.
 * Throws naming what is wrong, never echoing a URL (it holds a password). Pure.
 */
export function parseAdminUrls(value: string | undefined): AdminUrls {
  const label = settingLabel(SETTINGS.drillAdminUrl);
  const urls: AdminUrls = {};
  for (const [index, url] of (value ?? '').trim().split(/\s+/).filter(Boolean).entries()) {
    const scheme = /^([a-z]+):\/\//.exec(url)?.[1] ?? '';
    const engine = Object.hasOwn(CONNECTION_ENGINES, scheme) ? CONNECTION_ENGINES[scheme] : undefined;
    if (!engine) throw new ConfigError(`${label}: URL ${index + 1} is not a mysql:// or postgres:// URL`);
    if (urls[engine]) throw new ConfigError(`${label} names two ${engine} URLs: give at most one per engine`);
    urls[engine] = url;
  }
  return urls;
}
