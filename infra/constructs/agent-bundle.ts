import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/** Thrown at synth when the agent bundle has not been built. */
export class AgentBundleMissingError extends Error {
  override name = 'AgentBundleMissingError';
}

/** Props for {@link AgentBundle}. */
export interface AgentBundleProps {
  /** The built agent, a self-contained CommonJS file. @default dist/backopper-agent.js under the repository root */
  readonly file?: string;
}

/** The repository root (this file is infra/constructs/agent-bundle.ts). */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The server agent (`dist/backopper-agent.js`, made by `npm run build`) as an S3 asset, so every
 * deploy ships the current agent and servers never install or update it by hand. The file's SHA-256
 * goes into the backup document, which refuses to run anything else.
 */
export class AgentBundle extends Construct {
  readonly asset: s3assets.Asset;
  /** Hex SHA-256 of the bundle's bytes. */
  readonly sha256: string;
  /** The object's file name in the asset bucket (the asset hash plus `.js`). */
  readonly fileName: string;

  constructor(scope: Construct, id: string, props: AgentBundleProps = {}) {
    super(scope, id);
    const file = props.file ?? path.join(REPOSITORY_ROOT, 'dist', 'backopper-agent.js');
    if (!existsSync(file)) {
      throw new AgentBundleMissingError(
        `the agent bundle ${path.relative(process.cwd(), file) || file} does not exist: run "npm run build" before "cdk synth" or "cdk deploy"`,
      );
    }
    this.sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    this.asset = new s3assets.Asset(this, 'Asset', { path: file });
    this.fileName = path.basename(this.asset.s3ObjectKey);
  }
}
