import { Stack } from 'aws-cdk-lib';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { RESTORE_MEDIA_DOCUMENT_NAME, RESTORE_MEDIA_PARAMETER_PATTERNS } from '../../common/names';
import type { AgentConfig, MediaConfig } from '../config';
import { renderRestoreMediaScript } from '../document/restore-media-script';
import type { AgentBundle } from './agent-bundle';
import { createAgentDocument, documentParameter } from './agent-document';
import { DOCUMENT_PARAMETER_PATTERNS } from './backup-document';

/** `pattern` (anchored `^...$`), or empty. */
const orEmpty = (pattern: string) => `^(${pattern.slice(1, -1)})?$`;

/**
 * Its parameters and their patterns: the backup document's, plus either an archive (its `host:path` and
 * sha256) or a snapshot (its `host:path`, optionally one path inside it, and its manifest). Which one is
 * given is checked by the script (exactly one of archive and snapshot); each value by its pattern.
 */
export const RESTORE_MEDIA_DOCUMENT_PARAMETER_PATTERNS = {
  app: DOCUMENT_PARAMETER_PATTERNS.app,
  environment: DOCUMENT_PARAMETER_PATTERNS.environment,
  // As the run record names them: the patterns `backopper restore --media` checks too.
  archive: orEmpty(RESTORE_MEDIA_PARAMETER_PATTERNS.archive),
  sha256: orEmpty(RESTORE_MEDIA_PARAMETER_PATTERNS.sha256),
  snapshot: orEmpty(RESTORE_MEDIA_PARAMETER_PATTERNS.snapshot),
  path: orEmpty(RESTORE_MEDIA_PARAMETER_PATTERNS.path),
  manifestFiles: orEmpty(RESTORE_MEDIA_PARAMETER_PATTERNS.manifestFiles),
  manifestBytes: orEmpty(RESTORE_MEDIA_PARAMETER_PATTERNS.manifestBytes),
  // Optional (empty: every project type's default media folders are tried), as the ops CLI sends none.
  projectType: `^(${DOCUMENT_PARAMETER_PATTERNS.projectType.slice(1, -1)})?$`,
  executionTimeout: DOCUMENT_PARAMETER_PATTERNS.executionTimeout,
} as const;

/** Props for {@link RestoreMediaDocument}. */
export interface RestoreMediaDocumentProps {
  readonly bundle: AgentBundle;
  readonly agent: AgentConfig;
  readonly media: MediaConfig;
  /** @default 7200 */
  readonly executionTimeoutSeconds?: number;
}

/**
 * The SSM Command document `Backopper-RestoreMedia` (`backopper restore ... --media` sends it to the
 * app's server, which holds the media key): fetch one archive from the media server, check it against
 * the sha256 of its run record, and extract it into a new folder beside the live media folder; or copy
 * one snapshot (the whole folder, checked against its manifest, or one path in it) there. The
 * live folder is never touched; swapping is a separate, explicit step.
 */
export class RestoreMediaDocument extends Construct {
  readonly document: ssm.CfnDocument;
  readonly documentName = RESTORE_MEDIA_DOCUMENT_NAME;
  readonly documentArn: string;

  constructor(scope: Construct, id: string, props: RestoreMediaDocumentProps) {
    super(scope, id);
    const patterns = RESTORE_MEDIA_DOCUMENT_PARAMETER_PATTERNS;
    const { document, documentArn } = createAgentDocument(this, {
      name: RESTORE_MEDIA_DOCUMENT_NAME,
      description:
        'Backopper: put one media archive or snapshot (or one path of it) back beside the live media folder of an app (never replacing the live folder).',
      parameters: {
        app: documentParameter(patterns.app, 'App name: its folder under the apps directory.', {
          interpolationType: 'ENV_VAR',
        }),
        environment: documentParameter(patterns.environment, 'Environment: fills the media path.', {
          interpolationType: 'ENV_VAR',
        }),
        archive: documentParameter(
          patterns.archive,
          'The archive as the run record names it: host:path of <app>+<environment>+media_<ts>_<host id>.tar.gz (or media_<ts>_<host id>.tar.gz of earlier versions). Empty with snapshot.',
          { interpolationType: 'ENV_VAR', default: '' },
        ),
        sha256: documentParameter(patterns.sha256, "The archive's sha256, from the run record.", {
          interpolationType: 'ENV_VAR',
          default: '',
        }),
        snapshot: documentParameter(
          patterns.snapshot,
          'Snapshot mode: the snapshot as the run record names it, host:<media path>/snapshots/<app>@<environment>/<ts>_<host id>. Empty with archive.',
          { interpolationType: 'ENV_VAR', default: '' },
        ),
        path: documentParameter(
          patterns.path,
          'With snapshot: one file or folder inside the media folder to restore (relative); empty: the whole folder.',
          { interpolationType: 'ENV_VAR', default: '' },
        ),
        manifestFiles: documentParameter(patterns.manifestFiles, "With snapshot: the run record's file count.", {
          interpolationType: 'ENV_VAR',
          default: '',
        }),
        manifestBytes: documentParameter(patterns.manifestBytes, "With snapshot: the run record's byte count.", {
          interpolationType: 'ENV_VAR',
          default: '',
        }),
        projectType: documentParameter(
          patterns.projectType,
          'Project type (wordpress, laravel, ...): picks the media folder; empty: every default is tried.',
          {
            interpolationType: 'ENV_VAR',
            default: '',
          },
        ),
        executionTimeout: documentParameter(
          patterns.executionTimeout,
          'Seconds the restore may run before SSM stops it.',
          {
            default: String(props.executionTimeoutSeconds ?? 7200),
          },
        ),
      },
      bundle: props.bundle,
      renderScript: (bundle) =>
        renderRestoreMediaScript({ ...bundle, region: Stack.of(this).region, agent: props.agent, media: props.media }),
    });
    this.document = document;
    this.documentArn = documentArn;
  }
}
