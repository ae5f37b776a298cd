/**
 * Entry point of the ops CLI, bundled into dist/backopper.js: `backopper plan`, `backopper sync`.
 * Everything else lives in lambda/commands/.
 */
import { runCli } from './commands/run-cli';

runCli(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`backopper: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
