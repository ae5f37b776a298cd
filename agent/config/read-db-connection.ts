import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupConfig } from './config';
import { type DbConnection, resolveDbConnection } from './db-credentials';
import { parseEnvFile } from './env-file';

/** Reads and maps the app's `.env`; errors name the file and the key. */
export async function readDbConnection(config: Pick<BackupConfig, 'appsDir' | 'app' | 'engine'>): Promise<DbConnection> {
  if (config.engine === 'none') throw new Error('engine is none');
  const file = join(config.appsDir, config.app, '.env');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `${file} not found` : `${file} cannot be read: ${error.message}`);
  });
  return resolveDbConnection(parseEnvFile(text, file, process.env), config.engine, file);
}
