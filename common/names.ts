/**
 * Names that the stack, the Lambdas, the ops CLI and the tests must agree on: SSM documents and their
 * steps, the failure event, the freshness metrics. Written here once; everything else imports them.
 */

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

/** The event the failure describer puts on the default bus, and the alert rule matches. */
export const FAILURE_EVENT_SOURCE = 'backopper';
export const FAILURE_DETAIL_TYPE = 'Backup failed';

/** The metric names the freshness monitor emits (namespace {@link FRESHNESS_NAMESPACE}, no dimensions). */
export const FRESHNESS_METRICS = {
  checked: 'FreshnessAppsChecked',
  stale: 'FreshnessStale',
  missing: 'FreshnessMissing',
  shrunk: 'FreshnessShrunk',
  errors: 'FreshnessErrors',
} as const;

/** Namespace of Backopper's own metrics. */
export const FRESHNESS_NAMESPACE = 'Backopper';
