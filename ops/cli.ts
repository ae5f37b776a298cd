/**
 * Entry point of the ops CLI, bundled into dist/backopper.js (the package's `backopper` bin). The
 * commands live in ops/commands/.
 */
import { runCli } from './commands/run-cli';

// The bundle pins its SDK version: the SDK's notice about future Node versions is about our build, not
// the operator's laptop, and would print nine lines before every answer.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(
      `backopper: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
