import { join } from 'node:path';
import { readAppEnv } from './app-env-files';
import type { BackupConfig } from './config';
import { type DbConnection, resolveDbConnection } from './db-credentials';

/** Reads the app's `.env` file(s) as its framework does and maps them; errors name the file and the key. */
export async function readDbConnection(
  config: Pick<BackupConfig, 'appsDir' | 'app' | 'engine'>,
): Promise<DbConnection> {
  if (config.engine === 'none') throw new Error('engine is none');
  const { parsed, label } = await readAppEnv(join(config.appsDir, config.app));
  return resolveDbConnection(parsed.values, config.engine, label, parsed.unresolved);
}
