import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Comparison, compareDatabases } from '../steps/compare-databases';
import { countRows, importDump, listTables, queryDatabase } from '../process/db-client';
import { type DbConnection, resolveDbConnection } from '../config/db-credentials';
import { readDbConnection } from '../config/read-db-connection';
import type { VerifyConfig } from '../config/config';
import { messageOf } from '../errors';
import { newestBackup } from '../steps/retention';

export interface VerifyReport {
  app: string;
  command: 'verify';
  status: 'succeeded' | 'failed';
  dump?: string;
  scratchDatabase?: string;
  tables?: number;
  comparison?: Comparison;
  error?: string;
  durationMs: number;
}

/**
 * Restores the app's newest local dump into a scratch database, compares its tables and row counts
 * with the live database, and drops the scratch database whatever happened.
 */
export async function runVerify(
  config: VerifyConfig,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<VerifyReport> {
  const started = performance.now();
  const report: VerifyReport = { app: config.app, command: 'verify', status: 'failed', durationMs: 0 };
  try {
    const dir = join(config.backupsDir, config.app);
    const newest = newestBackup(await readdir(dir).catch(() => []));
    if (!newest) throw new Error(`no local backup of ${config.app} in ${dir}`);
    report.dump = join(dir, newest);
    const engine = newest.endsWith('.tar') ? 'postgres' : 'mysql';
    const live = await readDbConnection({ app: config.app, appsDir: config.appsDir, engine });
    const admin = config.adminUrl ? adminConnection(config.adminUrl, engine) : live;
    const scratch: DbConnection = { ...admin, database: scratchName(config.app, newest) };
    report.scratchDatabase = scratch.database;
    log(`verify    restoring ${report.dump} into scratch database ${scratch.database}`);
    await queryDatabase(admin, `CREATE DATABASE ${quoteName(scratch)}`).catch((error: unknown) => {
      throw new Error(
        `cannot create the scratch database ${scratch.database} (set BACKOPPER_VERIFY_ADMIN_URL to a user that may): ${messageOf(error)}`,
      );
    });
    try {
      await importDump(scratch, report.dump, { signal });
      const [liveTables, restoredTables] = await Promise.all([listTables(live), listTables(scratch)]);
      const [liveRows, restoredRows] = await Promise.all([
        countRows(live, liveTables),
        countRows(scratch, restoredTables),
      ]);
      report.tables = restoredTables.length;
      report.comparison = compareDatabases({ rows: liveRows }, { rows: restoredRows });
      report.status = report.comparison.ok ? 'succeeded' : 'failed';
      if (!report.comparison.ok) report.error = report.comparison.problems.join('; ');
    } finally {
      await queryDatabase(admin, `DROP DATABASE IF EXISTS ${quoteName(scratch)}`);
    }
  } catch (error) {
    report.error = messageOf(error);
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** `bkverify_<app>_<ts>`, lower-case letters, digits and `_`, within both engines' 63-character limit. */
export function scratchName(app: string, dumpName: string): string {
  const ts = dumpName.split('.')[0];
  return `bkverify_${app
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40)}_${ts}`;
}

function quoteName(db: DbConnection): string {
  return db.engine === 'mysql' ? `\`${db.database}\`` : `"${db.database}"`;
}

/** The admin URL may omit the database: then the engine's maintenance database is used. */
function adminConnection(url: string, engine: DbConnection['engine']): DbConnection {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = engine === 'mysql' ? '/mysql' : '/postgres';
  return resolveDbConnection({ DATABASE_URL: parsed.toString() }, engine, 'BACKOPPER_VERIFY_ADMIN_URL');
}
