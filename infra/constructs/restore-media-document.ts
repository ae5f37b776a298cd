import { Stack } from 'aws-cdk-lib';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { RESTORE_MEDIA_DOCUMENT_NAME, RESTORE_MEDIA_PARAMETER_PATTERNS } from '../../common/names';
import type { AgentConfig, MediaConfig } from '../config';
import { renderRestoreMediaScript } from '../document/restore-media-script';
import type { AgentBundle } from './agent-bundle';
import { createAgentDocument, documentParameter } from './agent-document';
import { DOCUMENT_PARAMETER_PATTERNS } from './backup-document';

/** Its parameters and their patterns: the backup document's, plus the archive's name and sha256. */
export const RESTORE_MEDIA_DOCUMENT_PARAMETER_PATTERNS = {
  app: DOCUMENT_PARAMETER_PATTERNS.app,
  environment: DOCUMENT_PARAMETER_PATTERNS.environment,
  // `host:path` as the run record names it, and its sha256: the patterns `backopper restore --media` checks too.
  archive: RESTORE_MEDIA_PARAMETER_PATTERNS.archive,
  sha256: RESTORE_MEDIA_PARAMETER_PATTERNS.sha256,
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
 * the sha256 of its run record, and extract it into a new folder beside the live media folder. The
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
        'Backopper: put one media archive back beside the live media folder of an app (never replacing the live folder).',
      parameters: {
        app: documentParameter(patterns.app, 'App name: its folder under the apps directory.', {
          interpolationType: 'ENV_VAR',
        }),
        environment: documentParameter(patterns.environment, 'Environment: fills the media path.', {
          interpolationType: 'ENV_VAR',
        }),
        archive: documentParameter(
          patterns.archive,
          'The archive as the run record names it: host:path of <app>+<environment>+media_<ts>_<host id>.tar.gz (or media_<ts>_<host id>.tar.gz of earlier versions).',
          { interpolationType: 'ENV_VAR' },
        ),
        sha256: documentParameter(patterns.sha256, "The archive's sha256, from the run record.", {
          interpolationType: 'ENV_VAR',
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
