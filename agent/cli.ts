import { runBackup } from './run/backup';
import { loadBackupConfig, loadDrillConfig, loadRestoreMediaConfig } from './config/config';
import { restoreMedia } from './run/restore-media';
import { formatDryRun, planBackup } from './run/dry-run';
import { ConfigError, messageOf } from './errors';
import { postReport } from './run/report-back';
import { runDrill } from './drill/drill-command';
import { agentIdentity } from './run/identity';
import { configureProgress } from './process/progress';
import { AGENT_COMMANDS, agentUsage, commandUsage, isAgentCommand } from './config/usage';
import { closestFlag } from './config/parse-flags';
import { loadInventoryConfig, writeInventory } from './run/inventory';

// The bundle pins its SDK version, so the SDK's notice about future versions needing Node 22 concerns
// our build, not the server running this file; keep it out of every backup's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that goes away (`| head`, a closed SSM pipe) must not crash a backup with an EPIPE stack
// trace: the run goes on, its later output is dropped, and it exits with its own status.
let outputOpen = true;
process.stdout.on('error', () => (outputOpen = false));
process.stderr.on('error', () => undefined);
const print = (text: string) => {
  if (outputOpen) process.stdout.write(text);
};

const log = (line: string) => print(`[backopper] ${line}\n`);

// A promise rejected with nobody listening is a bug, but it must not end the run before its report:
// Node would exit 1 with no report at all. It is said on stderr and in the report, and the run exits 1.
const unexpected: string[] = [];
process.on('unhandledRejection', (reason: unknown) => {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : messageOf(reason);
  process.stderr.write(`backopper-agent: unhandled rejection: ${text}\n`);
  unexpected.push(`unhandled rejection: ${messageOf(reason)}`);
  process.exitCode = 1;
});

/** Prints the report as the last stdout line and sets the exit status. */
function finish(report: object, exitCode: number): void {
  const warnings = (report as { warnings?: string[] }).warnings ?? [];
  // Every report says which agent wrote it (the backup report has it from the start; this adds it to the rest).
  const identified = { ...report, ...agentIdentity() };
  print(
    `${JSON.stringify(unexpected.length > 0 ? { ...identified, warnings: [...warnings, ...unexpected] } : identified)}\n`,
  );
  process.exitCode = Math.max(exitCode, unexpected.length > 0 ? 1 : 0);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    // Nothing asked: the help, on stderr as for any bad invocation, and exit 2.
    process.stderr.write(agentUsage());
    finish({ status: 'invalid', error: 'no command given (run backopper-agent --help)' }, 2);
    return;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    print(agentUsage());
    return;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    const identity = agentIdentity();
    print(
      `backopper-agent ${identity.agentVersion}${identity.bundleSha256 ? ` (sha256 ${identity.bundleSha256})` : ''}\n`,
    );
    return;
  }
  // `backup --help`, `verify -h`: the command's usage, exit 0, whatever else is on the line.
  const end = rest.indexOf('--');
  // `verify` is the old name of `drill`.
  const helpOf = command === 'verify' ? 'drill' : command;
  if (
    isAgentCommand(helpOf) &&
    (end === -1 ? rest : rest.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')
  ) {
    print(commandUsage(helpOf));
    return;
  }
  if (command === 'drill' || command === 'verify') {
    // `verify` (the old restore check of the local dump) is an alias of `drill` now.
    if (command === 'verify') log('verify is now `drill`: the S3 copy is restored and compared with its manifest');
    const config = loadOrExplain(() => loadDrillConfig(rest, process.env), command);
    if (!config) return;
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      log(`received ${signal}: stopping, dropping the scratch database`);
      controller.abort(new Error(`received ${signal}`));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    const report = await runDrill(config, { log, signal: controller.signal });
    for (const difference of report.differences) log(`drill     differs: ${difference}`);
    log(
      `drill     ${report.status}: ${report.error ?? report.reason ?? `${report.backup?.key} restored in ${report.restoreSeconds} s and matches its manifest`}`,
    );
    finish(report, report.status === 'failed' ? 1 : 0);
    return;
  }
  if (command === 'inventory') {
    const config = loadOrExplain(() => loadInventoryConfig(rest, process.env), 'inventory');
    if (config) finish(await writeInventory(config), 0);
    return;
  }
  if (command === 'restore-media') {
    const config = loadOrExplain(() => loadRestoreMediaConfig(rest, process.env), 'restore-media');
    if (!config) return;
    const report = await restoreMedia(config, { log });
    finish(report, report.status === 'succeeded' ? 0 : 1);
    return;
  }
  if (command !== 'backup') {
    const near = closestFlag(command, AGENT_COMMANDS);
    const problem = `unknown command ${JSON.stringify(command)}${near ? `; did you mean ${near}?` : ''}`;
    process.stderr.write(
      `backopper-agent: ${problem} (commands: ${AGENT_COMMANDS.join(', ')})\nRun \`backopper-agent --help\` for usage.\n`,
    );
    finish({ status: 'invalid', error: problem }, 2);
    return;
  }
  const config = loadOrExplain(() => loadBackupConfig(rest, process.env), 'backup');
  if (!config) return;
  // Progress lines during long steps (BACKOPPER_PROGRESS_INTERVAL), among the step lines on stdout.
  configureProgress({ write: log, intervalMs: config.progressIntervalMs });
  // libuv's thread pool runs the compression blocks and the file writes and flushes: room for all of
  // them (libuv reads this at the pool's first use, which comes later).
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, config.compressThreads + 2));
  if (config.dryRun) {
    const report = await planBackup(config, Math.floor(Date.now() / 1000));
    // Text for a person, or (--json) the one JSON document; either way exit 1 where the real run would fail.
    if (config.json) finish(report, report.status === 'failed' ? 1 : 0);
    else {
      for (const line of formatDryRun(report)) print(`${line}\n`);
      process.exitCode = Math.max(report.status === 'failed' ? 1 : 0, unexpected.length > 0 ? 1 : 0);
    }
    return;
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`received ${signal}: stopping, cleaning up`);
    controller.abort(new Error(`received ${signal}`));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const report = await runBackup(config, { log, signal: controller.signal });
  if (config.report) {
    const problem = await postReport(config.report, report);
    if (problem) {
      log(`warning   ${problem}`);
      report.warnings = [...(report.warnings ?? []), problem];
    }
  }
  log(
    `${report.status === 'failed' ? 'FAILED' : report.status}: ${config.app} in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  finish(report, report.status === 'failed' ? 1 : 0);
}

/** Loads a config; a ConfigError is explained on stderr and in an `invalid` report (exit 2), giving undefined. */
function loadOrExplain<T>(load: () => T, command: string): T | undefined {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `backopper-agent ${command}: ${error.message}\nRun \`backopper-agent ${command} --help\` for usage.\n`,
    );
    // In the report: one line, every problem (also listed on their own).
    const problems = error.problems.length > 1 ? { problems: error.problems } : {};
    finish({ status: 'invalid', error: error.problems.join('; '), ...problems }, 2);
    return undefined;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `backopper-agent: unexpected error: ${error instanceof Error ? error.stack : messageOf(error)}\n`,
  );
  finish({ status: 'failed', error: messageOf(error) }, 1);
});
