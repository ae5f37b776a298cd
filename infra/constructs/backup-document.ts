import { Stack } from 'aws-cdk-lib';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { APP_NAME_PATTERN } from '../../common/app-spec';
import type { AgentConfig, MediaConfig } from '../config';
import { renderBackupScript } from '../document/backup-script';
import type { AgentBundle } from './agent-bundle';
import { createAgentDocument, documentParameter } from './agent-document';
import { BACKUP_DOCUMENT_NAME } from '../../common/names';

/** The document's name; the sync Lambda's schedules and the alert rule refer to it. */

/**
 * The document parameters and the patterns that guard them, the same rules as common/app-spec.ts
 * (the app name's is that very rule). SSM rejects a SendCommand whose values do not match, before
 * anything reaches a server.
 */
export const DOCUMENT_PARAMETER_PATTERNS = {
  app: APP_NAME_PATTERN,
  environment: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$',
  engine: '^(mysql|postgres|none)$',
  projectType: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$',
  executionTimeout: '^[1-9][0-9]{1,5}$',
} as const;

/** Props for {@link BackupDocument}. */
export interface BackupDocumentProps {
  readonly bundle: AgentBundle;
  /** Name of the bucket the agent uploads dumps to. */
  readonly bucketName: string;
  readonly agent: AgentConfig;
  /** @default - no media copy */
  readonly media?: MediaConfig;
  /** IANA zone the agent counts calendar boundaries in (retention tiers). @default UTC */
  readonly timeZone?: string;
  /** Seconds the run step may take; long enough for the largest database. @default 14400 */
  readonly executionTimeoutSeconds?: number;
  /** SecureString parameter whose value the agent's report POST carries (with agent.reportUrl). @default - none */
  readonly reportSecretParameter?: string;
  /** @default X-Secret-Key */
  readonly reportSecretHeader?: string;
}

/**
 * The SSM Command document `Backopper-Backup` (schema 2.2) that every schedule runs: fetch the agent
 * bundle from the asset bucket, check Node.js and the bundle's hash, run one backup with the app's
 * parameters and the stack's settings. Its output (and so each run report) lands in the command history
 * and the command log group.
 */
export class BackupDocument extends Construct {
  readonly document: ssm.CfnDocument;
  readonly documentName = BACKUP_DOCUMENT_NAME;
  /** ARN for IAM: `arn:<partition>:ssm:<region>:<account>:document/Backopper-Backup`. */
  readonly documentArn: string;

  constructor(scope: Construct, id: string, props: BackupDocumentProps) {
    super(scope, id);
    const patterns = DOCUMENT_PARAMETER_PATTERNS;
    const { document, documentArn } = createAgentDocument(this, {
      name: BACKUP_DOCUMENT_NAME,
      description:
        'Backopper: back up one app (database dump to S3, media archive to the media server) with the Backopper agent.',
      parameters: {
        app: documentParameter(patterns.app, 'App name: its folder under the apps directory.', {
          interpolationType: 'ENV_VAR',
        }),
        environment: documentParameter(
          patterns.environment,
          'Environment (staging, live, ...): part of the S3 key and media path.',
          { interpolationType: 'ENV_VAR' },
        ),
        engine: documentParameter(patterns.engine, 'Database engine: mysql, postgres or none (media only).', {
          interpolationType: 'ENV_VAR',
        }),
        projectType: documentParameter(
          patterns.projectType,
          'Project type (wordpress, laravel, ...): picks the media folder.',
          { interpolationType: 'ENV_VAR' },
        ),
        executionTimeout: documentParameter(
          patterns.executionTimeout,
          'Seconds the backup may run before SSM stops it.',
          {
            default: String(props.executionTimeoutSeconds ?? 14400),
          },
        ),
      },
      appsDir: props.agent.appsDir,
      refreshInventory: { nodePath: props.agent.nodePath },
      bundle: props.bundle,
      renderScript: (bundle) =>
        renderBackupScript({
          ...bundle,
          region: Stack.of(this).region,
          bucket: props.bucketName,
          agent: props.agent,
          media: props.media,
          timeZone: props.timeZone ?? 'UTC',
          reportSecretParameter: props.reportSecretParameter,
          reportSecretHeader: props.reportSecretHeader ?? 'X-Secret-Key',
        }),
    });
    this.document = document;
    this.documentArn = documentArn;
  }
}
