import { readFile } from 'node:fs/promises';
import { type DbConnection, parseEnvFile, resolveDbConnection } from '../../agent';

/**
 * The database to import into, from `--database-url` or from an app's `.env` (`--env-file`), for a
 * dump of `engine`. Errors name the flag or the file and key.
 */
export async function resolveImportTarget(input: { databaseUrl?: string; envFile?: string; engine: DbConnection['engine'] }): Promise<DbConnection> {
  if (input.databaseUrl && input.envFile) throw new Error('give --database-url or --env-file, not both');
  if (input.databaseUrl) return resolveDbConnection({ DATABASE_URL: input.databaseUrl }, input.engine, '--database-url');
  if (!input.envFile) throw new Error('give --database-url or --env-file to import');
  const text = await readFile(input.envFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`--env-file ${input.envFile}: ${error.code === 'ENOENT' ? 'not found' : error.message}`);
  });
  const { values, unresolved } = parseEnvFile(text, input.envFile);
  return resolveDbConnection(values, input.engine, input.envFile, unresolved);
}

/** How a person confirms overwriting a non-empty database: by typing its name. Pure. */
export function confirmationPrompt(db: DbConnection, tables: string[]): string {
  return `${db.engine} database ${db.database} on ${db.socket ?? db.host ?? 'localhost'} has ${tables.length} table(s) (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}). Restoring replaces them. Type the database name to continue: `;
}
