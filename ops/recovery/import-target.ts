import { readFile } from 'node:fs/promises';
import { type DbConnection, decodeEnvBytes, parseEnvFile, resolveDbConnection } from '../../agent';

type Engine = DbConnection['engine'];

/**
 * Reads and checks `--database-url` or the app's `.env` (`--dotenv`) before anything is downloaded:
 * the file must be readable and name a MySQL or PostgreSQL database. Returns the resolver that picks
 * the connection for the dump's engine (which then also checks the engines agree), or undefined when
 * neither flag was given. Errors name the flag or the file and key.
 */
export async function prepareImportTarget(input: {
  databaseUrl?: string;
  envFile?: string;
}): Promise<((engine: Engine) => DbConnection) | undefined> {
  if (input.databaseUrl && input.envFile) throw new Error('give --database-url or --dotenv, not both');
  let resolveFor: (engine: Engine) => DbConnection;
  if (input.databaseUrl) {
    const url = input.databaseUrl;
    resolveFor = (engine) => resolveDbConnection({ DATABASE_URL: url }, engine, '--database-url');
  } else if (input.envFile) {
    const file = input.envFile;
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`--dotenv ${file}: ${error.code === 'ENOENT' ? 'not found' : error.message}`);
    });
    // Bytes that are not UTF-8 are refused (file and line), never read as replacement characters.
    const { values, unresolved } = parseEnvFile(decodeEnvBytes(bytes, file), file);
    resolveFor = (engine) => resolveDbConnection(values, engine, file, unresolved);
  } else {
    return undefined;
  }
  // The dump's engine is not known yet: the settings must name a database of one engine or the other.
  const problems: string[] = [];
  for (const engine of ['mysql', 'postgres'] as const) {
    try {
      resolveFor(engine);
      return resolveFor;
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  throw new Error(problems.find((problem) => !/ names a \w+ database but /.test(problem)) ?? problems[0]);
}

/** The database to import into, for a dump of `engine` (one phase: {@link prepareImportTarget}, then resolve). */
export async function resolveImportTarget(input: {
  databaseUrl?: string;
  envFile?: string;
  engine: Engine;
}): Promise<DbConnection> {
  const resolveFor = await prepareImportTarget(input);
  if (!resolveFor) throw new Error('give --database-url or --dotenv to import');
  return resolveFor(input.engine);
}
