import { runBackup } from './run/backup';
import { loadBackupConfig, loadRestoreMediaConfig } from './config/config';
import { restoreMedia } from './run/restore-media';
import { planBackup } from './run/dry-run';
import { ConfigError, messageOf } from './errors';
import { postReport } from './run/report-back';
import { agentIdentity } from './run/identity';
import { configureProgress, parseProgressInterval } from './process/progress';
import { loadInventoryConfig, writeInventory } from './run/inventory';
import { loadDrillConfig } from './config/config';
import { runDrill } from './drill/drill-command';

const BACKUP_USAGE = `usage: backopper-agent backup --app <name> --environment <env> --engine mysql|postgres|none --project-type <type> [--dry-run] [--skip-absent] [--<setting> <value>...]
  Dumps the app's database, uploads it to S3 with its .sha256, applies the local retention, and tars and
  sends its media. Progress lines every BACKOPPER_PROGRESS_INTERVAL seconds (default 30) during long steps.
Settings (flag or variable): --apps-dir BACKOPPER_APPS_DIR, --backups-dir BACKOPPER_BACKUPS_DIR, --keep-local BACKOPPER_KEEP_LOCAL,
  --bucket BACKOPPER_BUCKET, --media-host/-port/-user/-path/-identity/-known-hosts BACKOPPER_MEDIA_*, --media-dir BACKOPPER_MEDIA_DIR,
  --tmp-dir BACKOPPER_TMP_DIR, --report-url BACKOPPER_REPORT_URL, --report-secret BACKOPPER_REPORT_SECRET,
  --compress-threads BACKOPPER_COMPRESS_THREADS, --priority low|normal BACKOPPER_PRIORITY.
Exit status: 0 every enabled step succeeded, 1 a step failed, 2 bad invocation or configuration. The last stdout line is the JSON run report.`;

const VERIFY_USAGE = `usage: backopper-agent verify ...: an alias of \`drill\` (see \`backopper-agent drill --help\`).`;

const DRILL_USAGE = `usage: backopper-agent drill --app <name> --environment <env> [--at <unix seconds|ISO time> | --key <s3 key>] [--media] [--bucket ...] [--drill-admin-url mysql://...|postgres://...]
  Downloads the dump from S3 (the newest, or the one named), checks its sha256, restores it into a scratch
  database (MariaDB: root over the unix socket; PostgreSQL: the postgres role; or BACKOPPER_DRILL_ADMIN_URL),
  compares it with the manifest recorded with the dump (every object, every table's rows), drops the scratch
  database whatever happened, and writes its record to s3://<bucket>/<app>/<env>/drills/<ts>_<host>.json.
  --media fetches the run's media archive from the media server, checks its sha256 and reads it whole.
Exit status: 0 everything matched, 1 it did not or the drill failed, 2 bad invocation. The last stdout line is the JSON report
  (status passed|failed|skipped, differences, bytes, restoreSeconds).`;

const INVENTORY_USAGE = `usage: backopper-agent inventory --environment <env> [--apps-dir <dir>] [--inventory-file <path>]
  Writes the apps this server holds (folders with a .env under the apps folder) as SSM custom inventory
  Custom:BackopperApps (default file: /var/lib/amazon/ssm/$AWS_SSM_INSTANCE_ID/inventory/custom/BackopperApps.json).
Exit status: 0 written, 1 failed, 2 bad invocation. The last stdout line is the JSON report.`;

const RESTORE_MEDIA_USAGE = `usage: backopper-agent restore-media --app <name> --environment <env> [--project-type <type>] --archive <host:path or media_<ts>_<host>.tar.gz> --sha256 <hex> [--media-dir ...]
  Fetches a media archive from the media server, checks its sha256, extracts it into <media folder>.restored-<ts>
  beside the live folder (never touched) and prints the two mv commands of the swap.
Exit status: 0 restored, 1 failed (a sha256 mismatch deletes the download), 2 bad invocation. The last stdout line is the JSON result.`;

const USAGE = `usage: backopper-agent backup --app <name> --environment <env> --engine mysql|postgres|none --project-type <type> [--dry-run] [--skip-absent] [--<setting> <value>...]
       backopper-agent restore-media --app <name> --environment <env> --archive <host:path> --sha256 <hex> [--project-type <type>]
       backopper-agent inventory --environment <env> [--apps-dir ...] [--inventory-file <path>]   (SSM custom inventory Custom:BackopperApps)
       backopper-agent drill --app <name> --environment <env> [--at <time> | --key <key>] [--media]
Settings (flag or variable): --apps-dir BACKOPPER_APPS_DIR, --backups-dir BACKOPPER_BACKUPS_DIR, --keep-local BACKOPPER_KEEP_LOCAL,
  --bucket BACKOPPER_BUCKET, --media-host/-port/-user/-path/-identity/-known-hosts BACKOPPER_MEDIA_*, --media-dir BACKOPPER_MEDIA_DIR,
  --tmp-dir BACKOPPER_TMP_DIR, --report-url BACKOPPER_REPORT_URL, --report-secret BACKOPPER_REPORT_SECRET.
Exit status: 0 every enabled step succeeded, 1 a step failed, 2 bad invocation or configuration. The last stdout line is the JSON run report.
Run \`backopper-agent <command> --help\` for a command, \`backopper-agent --version\` for the version and bundle sha256.`;

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
  if (command === '--help' || command === '-h' || command === 'help') {
    print(`${USAGE}\n`);
    return;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    const identity = agentIdentity();
    print(
      `backopper-agent ${identity.agentVersion}${identity.bundleSha256 ? ` (sha256 ${identity.bundleSha256})` : ''}\n`,
    );
    return;
  }
  // `backup --help`, `verify -h`: the command's usage, exit 0 (parseArgs would refuse --help as unknown).
  const end = rest.indexOf('--');
  const usages: Record<string, string> = {
    backup: BACKUP_USAGE,
    verify: VERIFY_USAGE,
    drill: DRILL_USAGE,
    inventory: INVENTORY_USAGE,
    'restore-media': RESTORE_MEDIA_USAGE,
  };
  if (
    command !== undefined &&
    usages[command] &&
    (end === -1 ? rest : rest.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')
  ) {
    print(`${usages[command]}\n`);
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
    process.stderr.write(
      `backopper-agent: unknown command ${JSON.stringify(command ?? '')} (commands: backup, drill, inventory, restore-media, verify)\nRun \`backopper-agent --help\` for usage.\n`,
    );
    finish({ status: 'invalid', error: `unknown command ${JSON.stringify(command ?? '')}` }, 2);
    return;
  }
  const config = loadOrExplain(() => {
    // Progress lines during long steps (BACKOPPER_PROGRESS_INTERVAL), among the step lines on stdout.
    configureProgress({ write: log, intervalMs: parseProgressInterval(process.env.BACKOPPER_PROGRESS_INTERVAL) });
    return loadBackupConfig(rest, process.env);
  }, 'backup');
  if (!config) return;
  // libuv's thread pool runs the compression blocks and the file writes and flushes: room for all of
  // them (libuv reads this at the pool's first use, which comes later).
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, config.compressThreads + 2));
  if (config.dryRun) {
    const timestamp = Math.floor(Date.now() / 1000);
    const plan = await planBackup(config, timestamp);
    for (const [step, detail] of Object.entries(plan)) log(`${step.padEnd(9)} would ${JSON.stringify(detail)}`);
    finish({ app: config.app, environment: config.environment, status: 'dry-run', timestamp, plan }, 0);
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
    finish({ status: 'invalid', error: error.message }, 2);
    return undefined;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `backopper-agent: unexpected error: ${error instanceof Error ? error.stack : messageOf(error)}\n`,
  );
  finish({ status: 'failed', error: messageOf(error) }, 1);
});
