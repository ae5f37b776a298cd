import { Stack } from 'aws-cdk-lib';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AgentConfig, MediaConfig } from '../config';
import { renderVerifyScript } from '../document/verify-script';
import type { AgentBundle } from './agent-bundle';
import { createAgentDocument, documentParameter } from './agent-document';
import { DOCUMENT_PARAMETER_PATTERNS } from './backup-document';
import { VERIFY_DOCUMENT_NAME } from '../../common/names';

/** The document's name; the sync's weekly restore-check schedules run it. */

/** Its parameters and their patterns (the same rules as the backup document's). */
export const VERIFY_DOCUMENT_PARAMETER_PATTERNS = {
  app: DOCUMENT_PARAMETER_PATTERNS.app,
  environment: DOCUMENT_PARAMETER_PATTERNS.environment,
  executionTimeout: DOCUMENT_PARAMETER_PATTERNS.executionTimeout,
} as const;

/** Props for {@link VerifyDocument}. */
export interface VerifyDocumentProps {
  readonly bundle: AgentBundle;
  readonly agent: AgentConfig;
  /** SecureString holding BACKOPPER_DRILL_ADMIN_URL. @default - root over the socket (MariaDB), the postgres role (PostgreSQL) */
  readonly adminUrlParameter?: string;
  /** @default 3600 */
  readonly executionTimeoutSeconds?: number;
  /** The backup bucket's name: drills read the dump from it and write their record to it. */
  readonly bucketName?: string;
  /** The media server: each weekly drill also drills the app's newest media backup. @default - database drills only */
  readonly media?: MediaConfig;
}

/**
 * The SSM Command document `Backopper-Verify`: fetch the agent bundle, and on the server that has the
 * app, drill it: its media backup read whole from the media server (when the stack has one), then its
 * S3 dump restored into a scratch database and compared with the dump's manifest (`backopper-agent
 * drill --rotate`). Servers without the app skip it with exit 0.
 */
export class VerifyDocument extends Construct {
  readonly document: ssm.CfnDocument;
  readonly documentName = VERIFY_DOCUMENT_NAME;
  readonly documentArn: string;

  constructor(scope: Construct, id: string, props: VerifyDocumentProps) {
    super(scope, id);
    const patterns = VERIFY_DOCUMENT_PARAMETER_PATTERNS;
    const { document, documentArn } = createAgentDocument(this, {
      name: VERIFY_DOCUMENT_NAME,
      description:
        'Backopper: drill one app: restore its S3 copy into a scratch database and compare it with the dump manifest.',
      parameters: {
        app: documentParameter(patterns.app, 'App name: its folder under the apps directory.', {
          interpolationType: 'ENV_VAR',
        }),
        environment: documentParameter(
          patterns.environment,
          'Environment (for the command history; the check runs where the app is).',
          { interpolationType: 'ENV_VAR' },
        ),
        executionTimeout: documentParameter(
          patterns.executionTimeout,
          'Seconds the check may run before SSM stops it.',
          {
            default: String(props.executionTimeoutSeconds ?? 3600),
          },
        ),
      },
      appsDir: props.agent.appsDir,
      bundle: props.bundle,
      renderScript: (bundle) =>
        renderVerifyScript({
          ...bundle,
          region: Stack.of(this).region,
          agent: props.agent,
          adminUrlParameter: props.adminUrlParameter,
          bucket: props.bucketName,
          media: props.media,
        }),
    });
    this.document = document;
    this.documentArn = documentArn;
  }
}
