/**
 * Synthesizes the Backopper app for infra tests: the worked example from cdk.json (optionally
 * changed), into a temporary folder, with cdk-nag attached exactly as `cdk synth` runs it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../infra/app';
import { REPOSITORY_ROOT } from '../../infra/constructs/agent-bundle';
import type { BackopperStack } from '../../infra/stack';

export const AGENT_FILE = join(REPOSITORY_ROOT, 'dist', 'backopper-agent.js');

/** The `backopper` context object of cdk.json: the worked example. */
export function exampleConfig(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')) as {
    context: { backopper: Record<string, unknown> };
  };
  return structuredClone(cdkJson.context.backopper);
}

export interface Synthesized {
  app: App;
  stack: BackopperStack;
  template: Template;
  /** Removes the cloud assembly folder. */
  remove(): void;
}

/** Synthesizes once (esbuild bundles two functions: keep calls to one per test file where possible). */
export function synthesize(config: Record<string, unknown> = exampleConfig()): Synthesized {
  if (!existsSync(AGENT_FILE)) throw new Error(`${AGENT_FILE} is missing: run "npm run build" before the infra tests`);
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'backopper-cdk-')), context: { backopper: config } });
  const { stack } = createApp({ app });
  // Throws when a cdk-nag finding is not acknowledged.
  app.synth();
  return {
    app,
    stack,
    template: Template.fromStack(stack),
    remove: () => rmSync(app.outdir, { recursive: true, force: true }),
  };
}
