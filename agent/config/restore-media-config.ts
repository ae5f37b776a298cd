import { validateAppName, validateEnvironment, validateProjectType } from '../../common/app-spec';
import { parseMediaArchiveName } from '../../common/media-archive';
import { SNAPSHOT_PATTERN, snapshotFolder } from '../../common/snapshot-names';
import { ConfigError } from '../errors';
import { type MediaServer, readMediaServer } from './media-server';
import { absolutePath, optionalPath, readInputs } from './read-inputs';
import { SETTINGS, settingLabel } from './settings';

/** Flags only `restore-media` takes. */
const RESTORE_MEDIA_FLAGS = {
  app: 'string',
  environment: 'string',
  'project-type': 'string',
  archive: 'string',
  sha256: 'string',
  snapshot: 'string',
  path: 'string',
  'manifest-files': 'string',
  'manifest-bytes': 'string',
} as const;

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
  /** The archive's file name in the app's remote folder (see common/media-archive.ts). */
  archive: string;
  /** What the run record says the archive's sha256 is. */
  sha256: string;
  /** Snapshot mode: the snapshot to restore instead of an archive (see agent/run/restore-snapshot.ts). */
  snapshot?: SnapshotRestoreTarget;
}

/** A snapshot to restore: its folder name, optionally one file or folder in it, and the recorded manifest. */
export interface SnapshotRestoreTarget {
  name: string;
  /** Relative to the media folder; undefined: the whole folder. */
  path?: string;
  manifest?: { files: number; bytes: number };
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
  // The fields both forms share, read where each form reads them (so problems keep their order).
  const common = () => ({
    app,
    environment,
    projectType,
    appsDir: check(() => absolutePath(setting('appsDir')!, SETTINGS.appsDir)),
    mediaDir: setting('mediaDir'),
    tmpDir: check(() => optionalPath(setting('tmpDir'), SETTINGS.tmpDir)),
    media,
  });
  if (typeof values.snapshot === 'string') {
    const config = {
      ...common(),
      archive: '',
      sha256: '',
      snapshot:
        media && app && environment ? check(() => readSnapshotTarget(values, media, app, environment)) : undefined,
    };
    done();
    return config as RestoreMediaConfig;
  }
  const archive = check(() => archiveName(need('archive'), media, { app, environment }));
  const sha256 = check(() => {
    const hex = need('sha256').toLowerCase();
    if (/^[0-9a-f]{64}$/.test(hex)) return hex;
    throw new ConfigError(`--sha256 ${JSON.stringify(hex)} is not a sha256 (64 hex digits)`);
  });
  const config = { ...common(), archive, sha256 };
  done();
  return config as RestoreMediaConfig;
}

/** The archive's file name from `--archive` (a name, a remote path or `host:path`), refused outside the app's folder. */
function archiveName(
  given: string,
  media: MediaServer | undefined,
  owner: { app?: string; environment?: string },
): string {
  const path = given.includes(':') ? given.slice(given.indexOf(':') + 1) : given;
  const archive = path.slice(path.lastIndexOf('/') + 1);
  const named = parseMediaArchiveName(archive);
  if (!named)
    throw new ConfigError(
      `--archive ${JSON.stringify(given)} is not a media archive of ours (<app>+<environment>+media_<ts>_<host id>.tar.gz, or media_<ts>[_<host id>].tar.gz of earlier versions)`,
    );
  if (named.app !== undefined && (named.app !== owner.app || named.environment !== owner.environment))
    throw new ConfigError(
      `--archive ${JSON.stringify(given)} is an archive of ${named.app} (${named.environment}), not of ${owner.app} (${owner.environment})`,
    );
  const folder = path.slice(0, path.lastIndexOf('/')).replace(/\/+$/, '');
  if (media && path.includes('/') && folder !== media.path.replace(/\/+$/, '')) {
    throw new ConfigError(`--archive ${JSON.stringify(given)} is not in this app's remote folder ${media.path}`);
  }
  return archive;
}

/** `--snapshot <name or host:path>`, `--path`, `--manifest-files`/`--manifest-bytes`, checked (pure). */
function readSnapshotTarget(
  values: Record<string, string | boolean | undefined>,
  media: MediaServer,
  app: string,
  environment: string,
): SnapshotRestoreTarget {
  const given = values.snapshot as string;
  const path = given.includes(':') ? given.slice(given.indexOf(':') + 1) : given;
  const snapshot = path.replace(/\/+$/, '').split('/').pop() ?? '';
  if (!SNAPSHOT_PATTERN.test(snapshot))
    throw new ConfigError(`--snapshot ${JSON.stringify(given)} is not a media snapshot of ours (<ts>_<host id>)`);
  const folder = snapshotFolder(media.path, app, environment);
  if (path.includes('/') && posixDirname(path.replace(/\/+$/, '')) !== folder)
    throw new ConfigError(`--snapshot ${JSON.stringify(given)} is not in this app's snapshot folder ${folder}`);
  const within = values.path;
  if (typeof within === 'string' && within !== '') {
    const parts = within.split('/');
    if (within.startsWith('/') || parts.includes('..') || parts.includes('.') || /[\n\r\0]/.test(within))
      throw new ConfigError(
        `--path ${JSON.stringify(within)} is not a relative path inside the media folder (no leading /, no . or ..)`,
      );
  }
  const files = values['manifest-files'];
  const bytes = values['manifest-bytes'];
  // Half a manifest checks half: the restore would verify file counts but not bytes, or the reverse.
  if ((typeof files === 'string') !== (typeof bytes === 'string'))
    throw new ConfigError('--manifest-files and --manifest-bytes go together (the run record has both)');
  const count = (value: string, flag: string) => {
    if (!/^\d{1,15}$/.test(value)) throw new ConfigError(`--${flag} ${JSON.stringify(value)} is not a whole number`);
    return Number(value);
  };
  return {
    name: snapshot,
    ...(typeof within === 'string' && within !== '' ? { path: within.replace(/\/+$/, '') } : {}),
    ...(typeof files === 'string' && typeof bytes === 'string'
      ? { manifest: { files: count(files, 'manifest-files'), bytes: count(bytes, 'manifest-bytes') } }
      : {}),
  };
}

function posixDirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}
