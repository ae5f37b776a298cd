/**
 * The CDK app (`cdk.json` runs it with tsx): reads and validates the `backopper` context, builds the
 * stack and runs the cdk-nag AwsSolutions checks. A bad setting or a missing agent bundle stops synth
 * with a message that says what to fix.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT_KEY, parseConfig } from './config';
import { BackopperStack, type BackopperStackProps } from './stack';

/** Builds the app: the stack from the context's configuration, with cdk-nag attached. */
export function createApp(options: { app?: App } & Omit<BackopperStackProps, 'config'> = {}): {
  app: App;
  stack: BackopperStack;
} {
  const { app = new App(), ...stackProps } = options;
  const config = parseConfig(app.node.tryGetContext(CONTEXT_KEY));
  const stack = new BackopperStack(app, config.stackName, { config, ...stackProps });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (typeof require !== 'undefined' && require.main === module) {
  try {
    createApp();
  } catch (error) {
    // Configuration and build problems are the user's to fix: print the message, not a stack trace.
    const named = error instanceof Error && ['ConfigError', 'AgentBundleMissingError'].includes(error.name);
    if (!named) throw error;
    console.error(`backopper: ${error.message}`);
    process.exit(1);
  }
}
