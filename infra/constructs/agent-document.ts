import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { type AgentCopySettings, type InventoryRefreshSettings, renderAppCheck } from '../document/script-parts';
import type { AgentBundle } from './agent-bundle';
import { CHECK_STEP, DOWNLOAD_STEP, RUN_STEP } from '../../common/names';

/** Where the download step puts the agent bundle on the servers. */
export const AGENT_DOWNLOAD_DIR = '/var/lib/backopper/agent';

/** A document parameter: a string SSM checks against `allowedPattern` before anything reaches a server. */
export function documentParameter(allowedPattern: string, description: string, extra: object = {}) {
  return { type: 'String', description, allowedPattern, ...extra };
}

/** What {@link createAgentDocument} needs. */
export interface AgentDocumentProps {
  readonly name: string;
  readonly description: string;
  /** The document's parameters, one of them `executionTimeout` (the run step's timeout). */
  readonly parameters: Record<string, object>;
  readonly bundle: AgentBundle;
  /** The run step's script, given where the download step left the bundle. */
  readonly renderScript: (bundle: AgentCopySettings) => string[];
  /** The apps folder: a first step checks `<appsDir>/<app>` exists before anything is downloaded. @default - no check step */
  readonly appsDir?: string;
  /** With appsDir: a server without the app refreshes its app inventory before the check ends the document. @default - no refresh */
  readonly refreshInventory?: { nodePath?: string };
}

/**
 * Adds `Document` to `scope`: an SSM Command document (schema 2.2, Linux) that fetches the agent bundle
 * from the asset bucket, then runs the script with `{{ executionTimeout }}` as its timeout. Returns it
 * with its ARN for IAM (`arn:<partition>:ssm:<region>:<account>:document/<name>`).
 */
export function createAgentDocument(
  scope: Construct,
  props: AgentDocumentProps,
): { document: ssm.CfnDocument; documentArn: string } {
  const stack = Stack.of(scope);
  const document = new ssm.CfnDocument(scope, 'Document', {
    name: props.name,
    documentType: 'Command',
    documentFormat: 'JSON',
    // A changed document gets a new version in place instead of a replacement with a new name.
    updateMethod: 'NewVersion',
    content: {
      schemaVersion: '2.2',
      description: props.description,
      parameters: props.parameters,
      mainSteps: [
        ...(props.appsDir ? [checkStep(props.appsDir, refreshSettings(props))] : []),
        {
          action: 'aws:downloadContent',
          name: DOWNLOAD_STEP,
          precondition: { StringEquals: ['platformType', 'Linux'] },
          inputs: {
            sourceType: 'S3',
            sourceInfo: JSON.stringify({ path: props.bundle.asset.httpUrl }),
            destinationPath: AGENT_DOWNLOAD_DIR,
          },
        },
        {
          action: 'aws:runShellScript',
          name: RUN_STEP,
          precondition: { StringEquals: ['platformType', 'Linux'] },
          inputs: {
            timeoutSeconds: '{{ executionTimeout }}',
            runCommand: props.renderScript({
              downloadDir: AGENT_DOWNLOAD_DIR,
              agentFileName: props.bundle.fileName,
              agentSha256: props.bundle.sha256,
            }),
          },
        },
      ],
    },
  });
  return { document, documentArn: stack.formatArn({ service: 'ssm', resource: 'document', resourceName: props.name }) };
}

// `onFailure: successAndExit` (an input every plugin takes): a failed check ends the document, Success
// (SSM records code 168 and skips the later steps); before that it refreshes the server's app inventory.
function checkStep(appsDir: string, refresh: InventoryRefreshSettings | undefined) {
  return {
    action: 'aws:runShellScript',
    name: CHECK_STEP,
    precondition: { StringEquals: ['platformType', 'Linux'] },
    inputs: { onFailure: 'successAndExit', timeoutSeconds: '60', runCommand: renderAppCheck(appsDir, refresh) },
  };
}

function refreshSettings(props: AgentDocumentProps): InventoryRefreshSettings | undefined {
  if (!props.refreshInventory) return undefined;
  return {
    downloadDir: AGENT_DOWNLOAD_DIR,
    agentFileName: props.bundle.fileName,
    agentSha256: props.bundle.sha256,
    nodePath: props.refreshInventory.nodePath,
  };
}
