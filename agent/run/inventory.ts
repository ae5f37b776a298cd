/**
 * `backopper-agent inventory`: which apps this server holds (folders with a `.env` under the apps
 * folder), written as SSM custom inventory `Custom:BackopperApps` for the SSM agent to report. The file
 * goes where the SSM agent's inventory plugin reads custom inventory,
 * `/var/lib/amazon/ssm/<instance-id>/inventory/custom/BackopperApps.json`; the instance id comes from
 * `AWS_SSM_INSTANCE_ID`, which the SSM agent sets for every command it runs. The sync reads the
 * reports back with GetInventory (lambda/sync/read-inventory.ts). No AWS call, no secret.
 */
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { APP_NAME_PATTERN, InvalidValueError, validateEnvironment } from '../../common/app-spec';
import { ConfigError } from '../errors';
import { parseFlags } from '../config/parse-flags';

/** The custom inventory type; the sync reads the same name. */
export const INVENTORY_TYPE_NAME = 'Custom:BackopperApps';
/** Where the SSM agent keeps its per-instance state. */
export const SSM_STATE_DIR = '/var/lib/amazon/ssm';
const DEFAULT_APPS_DIR = '/srv/users/serverpilot/apps';
const APP_NAME = new RegExp(APP_NAME_PATTERN);
const INSTANCE_ID = /^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17})$/;

/** What `inventory` needs. */
export interface InventoryConfig {
  environment: string;
  appsDir: string;
  /** The JSON file written. */
  file: string;
}

/** The report `inventory` prints as its last line. */
export interface InventoryReport {
  status: 'succeeded';
  environment: string;
  apps: string[];
  file: string;
}

/** The custom inventory file's path for an instance. */
export function inventoryFile(instanceId: string, stateDir = SSM_STATE_DIR): string {
  return join(stateDir, instanceId, 'inventory', 'custom', 'BackopperApps.json');
}

/**
 * Reads `--environment`, `--apps-dir` (BACKOPPER_APPS_DIR) and `--inventory-file`
 * (BACKOPPER_INVENTORY_FILE, else the SSM agent's folder of AWS_SSM_INSTANCE_ID). Throws ConfigError.
 */
export function loadInventoryConfig(argv: string[], env: NodeJS.ProcessEnv): InventoryConfig {
  // Every problem at once, as the other commands say them (agent/config/parse-flags.ts).
  const { values, problems } = parseFlags(argv, {
    environment: 'string',
    'apps-dir': 'string',
    'inventory-file': 'string',
  });
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  let environment = '';
  if (!text('environment')) problems.push('--environment is required');
  else
    try {
      environment = validateEnvironment(text('environment')!);
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      problems.push(`--environment: ${error.message}`);
    }
  const appsDir = text('apps-dir') || env.BACKOPPER_APPS_DIR || DEFAULT_APPS_DIR;
  if (!appsDir.startsWith('/'))
    problems.push(`--apps-dir (BACKOPPER_APPS_DIR) ${JSON.stringify(appsDir)} is not an absolute path`);
  let file = text('inventory-file') || env.BACKOPPER_INVENTORY_FILE;
  if (!file) {
    const instanceId = env.AWS_SSM_INSTANCE_ID ?? '';
    if (INSTANCE_ID.test(instanceId)) file = inventoryFile(instanceId);
    else
      problems.push(
        `AWS_SSM_INSTANCE_ID ${JSON.stringify(instanceId)} is not a managed instance id (the SSM agent sets it for the commands it runs); outside SSM, give --inventory-file`,
      );
  }
  if (problems.length === 1) throw new ConfigError(problems[0]!);
  if (problems.length > 1) throw new ConfigError(problems, { heading: `${problems.length} problems` });
  return { environment, appsDir, file: file! };
}

/** The app folders under `appsDir` that have a `.env` file, sorted; other entries are ignored. */
export async function listHeldApps(appsDir: string): Promise<string[]> {
  const entries = await readdir(appsDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot list the apps folder ${appsDir}: ${error.message}`, { cause: error });
  });
  const held: string[] = [];
  for (const entry of entries) {
    if (!APP_NAME.test(entry.name)) continue;
    const envFile = await stat(join(appsDir, entry.name, '.env')).catch(() => undefined);
    if (envFile?.isFile()) held.push(entry.name);
  }
  return held.sort();
}

/** The custom inventory document for `apps` (CaptureTime in the service's pattern, whole seconds). */
export function inventoryDocument(apps: readonly string[], environment: string, now: Date): object {
  return {
    SchemaVersion: '1.0',
    TypeName: INVENTORY_TYPE_NAME,
    CaptureTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Content: apps.map((app) => ({ App: app, Environment: environment })),
  };
}

/** Lists the apps and writes the file atomically (a temporary name, then rename). */
export async function writeInventory(config: InventoryConfig, now = new Date()): Promise<InventoryReport> {
  const apps = await listHeldApps(config.appsDir);
  await mkdir(dirname(config.file), { recursive: true });
  const temporary = `${config.file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(inventoryDocument(apps, config.environment, now))}\n`, { mode: 0o644 });
  await rename(temporary, config.file);
  return { status: 'succeeded', environment: config.environment, apps, file: config.file };
}
