/**
 * Names that the stack, the Lambdas, the ops CLI and the tests must agree on: SSM documents and their
 * steps, the restore-media parameters, the freshness metrics, the settings parameter. Written here once; everything else imports them.
 */

import { MEDIA_ARCHIVE_FILE } from './media-archive';

/** The SSM Command document every backup schedule runs. */
export const BACKUP_DOCUMENT_NAME = 'Backopper-Backup';
/** The SSM Command document of the weekly restore check. */
export const VERIFY_DOCUMENT_NAME = 'Backopper-Verify';
/** The document's first step: on a server without the app it prints a `skipped` report and ends the document (Success). */
export const CHECK_STEP = 'checkApp';
/** The document step that downloads the agent bundle. */
export const DOWNLOAD_STEP = 'downloadAgent';
/** The document step that runs the agent; its output holds the run report. */
export const RUN_STEP = 'runAgent';

/** The metric names the freshness monitor emits (namespace {@link FRESHNESS_NAMESPACE}, no dimensions). */
export const FRESHNESS_METRICS = {
  checked: 'FreshnessAppsChecked',
  stale: 'FreshnessStale',
  missing: 'FreshnessMissing',
  shrunk: 'FreshnessShrunk',
  errors: 'FreshnessErrors',
  /** Media archives (from the run records' transfer step). */
  mediaStale: 'FreshnessMediaStale',
  mediaMissing: 'FreshnessMediaMissing',
  mediaShrunk: 'FreshnessMediaShrunk',
  /** Placement, from the servers' inventory. */
  onSeveralServers: 'PlacementSeveralServers',
  onNoServer: 'PlacementNoServer',
  /** Runs in the last 24 hours, from the run records: servers that skipped an app are not counted. */
  runsSucceeded: 'RunsSucceeded',
  runsFailed: 'RunsFailed',
} as const;

/** Per-app metrics the freshness monitor emits daily, dimensions Environment and App. */
export const APP_METRICS = {
  backupAgeHours: 'BackupAgeHours',
  dumpBytes: 'DumpBytes',
  runSeconds: 'RunSeconds',
  mediaAgeHours: 'MediaAgeHours',
} as const;

/** Namespace of Backopper's own metrics. */
export const FRESHNESS_NAMESPACE = 'Backopper';

/** The SSM Command document that puts a media archive back on an app's server (`backopper restore --media`). */
export const RESTORE_MEDIA_DOCUMENT_NAME = 'Backopper-RestoreMedia';

/** A host name, or one path segment: words joined by single dots, so never `.`, `..` or a hidden name. */
const HOST = '[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63}){0,126}';
const SEGMENT = '[A-Za-z0-9_@+=,-]{1,255}(\\.[A-Za-z0-9_@+=,-]{1,255}){0,16}';

/**
 * The allowedPattern of its parameters beyond app and environment (SSM checks them before anything runs:
 * the security boundary, so no shell metacharacter, blank or `..` can pass). `archive` is `host:path` of
 * a media archive as the run record names it (ending in our file name), `sha256` is hex. A snapshot
 * restore sends `snapshot` instead: `host:<media path>/snapshots/<app>@<environment>/<ts>_<host id>` as
 * the run record names it; `path` is a file or folder inside the uploads (relative, segments that are
 * words joined by single dots); `manifestFiles` and `manifestBytes` are the run record's manifest.
 */
export const RESTORE_MEDIA_PARAMETER_PATTERNS = {
  archive: `^[A-Za-z0-9][A-Za-z0-9.-]{0,252}:/?[A-Za-z0-9_./-]{0,1000}${MEDIA_ARCHIVE_FILE}$`,
  sha256: '^[0-9a-f]{64}$',
  snapshot: `^${HOST}:(/${SEGMENT}){0,32}/snapshots/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}@[A-Za-z0-9_-]{1,64}/[0-9]{9,11}_[0-9a-f]{8}$`,
  path: `^${SEGMENT}(/${SEGMENT}){0,63}$`,
  manifestFiles: '^[0-9]{1,15}$',
  manifestBytes: '^[0-9]{1,15}$',
} as const;

/** The stack name when cdk.json sets none (`backopper.stackName`). */
export const DEFAULT_STACK_NAME = 'Backopper';

/**
 * The SSM parameter where a deployed stack publishes what the ops CLI needs (the sync's variables,
 * the bucket, the region), so `backopper status` needs nothing but an AWS profile.
 */
export function settingsParameterName(stackName: string): string {
  return `/backopper/${stackName}/settings`;
}
