/**
 * Dump flags decided by what the server's schema holds, so that the dump loads and holds everything:
 * MariaDB sequences used as column defaults, and the history of system-versioned tables.
 */
import type { DbConnection } from '../config/db-credentials';
import { queryDatabase } from '../process/db-client';
import { runCommand } from '../process/run-command';

/** What the schema holds that changes how it must be dumped (from {@link probeSchemaFeatures}). */
export interface SchemaFeatures {
  /** `table.column` whose default calls a sequence (`NEXTVAL(s)`, `LASTVAL(s)`; MariaDB 10.3+). */
  sequenceDefaults: string[];
  /** System-versioned tables (MariaDB 10.3+). */
  versionedTables: string[];
  /** Those of them whose history is transaction-precise (`ROW START` a BIGINT transaction id). */
  transactionPreciseTables: string[];
}

/** The flags a dump of the schema needs, and what it cannot include (for the report's `notIncluded`). */
export interface DumpFeaturesPlan {
  /** mysqldump's `--add-locks` (a `LOCK TABLES t WRITE` around each table's rows). */
  addLocks: boolean;
  /** mariadb-dump's `--dump-history`. */
  dumpHistory: boolean;
  notIncluded: string[];
}

/**
 * Decides the flags (pure). A table whose column defaults to a sequence's NEXTVAL cannot be loaded
 * between `LOCK TABLES t WRITE` and `UNLOCK TABLES`: the server refuses the INSERT because the sequence
 * is not locked too (ERROR 1100, MDEV-20070), half-way through the restore. So such a schema is dumped
 * without `--add-locks` (the dump stays consistent: `--single-transaction`). Unknown features (the
 * probe failed) also leave the locks out: they only speed up loading MyISAM tables.
 *
 * The history of system-versioned tables is dumped with `--dump-history` when the dump tool has it
 * (mariadb-dump 10.11+) and every versioned table keeps timestamp history (the tool refuses
 * transaction-precise history and fails the whole dump); otherwise only the current rows are dumped and
 * `notIncluded` names the tables and why.
 */
export function planDumpFeatures(
  features: SchemaFeatures | undefined,
  tool: { supportsDumpHistory: boolean },
): DumpFeaturesPlan {
  if (!features) return { addLocks: false, dumpHistory: false, notIncluded: [] };
  const addLocks = features.sequenceDefaults.length === 0;
  const versioned = features.versionedTables;
  if (versioned.length === 0) return { addLocks, dumpHistory: false, notIncluded: [] };
  const tables = versioned.join(', ');
  if (!tool.supportsDumpHistory)
    return {
      addLocks,
      dumpHistory: false,
      notIncluded: [
        `history of system-versioned tables ${tables}: this server's mysqldump has no --dump-history (mariadb-dump 10.11+ has); only their current rows are in the dump`,
      ],
    };
  if (features.transactionPreciseTables.length > 0)
    return {
      addLocks,
      dumpHistory: false,
      notIncluded: [
        `history of system-versioned tables ${tables}: ${features.transactionPreciseTables.join(', ')} keep transaction-precise history, which mariadb-dump --dump-history refuses (it would fail the whole dump); only their current rows are in the dump`,
      ],
    };
  return { addLocks, dumpHistory: true, notIncluded: [] };
}

// information_schema matches case-insensitively: NEXTVAL, nextval and NEXT VALUE FOR (stored as nextval).
const FEATURES_SQL = `
SELECT 'sequence default', CONCAT(TABLE_NAME, '.', COLUMN_NAME) FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND (COLUMN_DEFAULT LIKE '%nextval(%' OR COLUMN_DEFAULT LIKE '%lastval(%')
UNION ALL SELECT 'versioned', TABLE_NAME FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SYSTEM VERSIONED'
UNION ALL SELECT 'transaction-precise', TABLE_NAME FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND GENERATION_EXPRESSION = 'ROW START' AND DATA_TYPE = 'bigint'`;

/** Asks the server, as the app's user, what its schema holds (one short client run before the dump). */
export async function probeSchemaFeatures(db: DbConnection, signal?: AbortSignal): Promise<SchemaFeatures> {
  const rows = await queryDatabase(db, FEATURES_SQL, signal);
  const values = (kind: string) =>
    rows
      .filter(([what]) => what === kind)
      .map(([, value]) => value as string)
      .sort();
  return {
    sequenceDefaults: values('sequence default'),
    versionedTables: values('versioned'),
    transactionPreciseTables: values('transaction-precise'),
  };
}

/** Whether the `mysqldump` on PATH has `--dump-history` (mariadb-dump 10.11+; MySQL's has not). */
export async function dumpToolSupportsHistory(signal?: AbortSignal): Promise<boolean> {
  const { stdout } = await runCommand({ file: 'mysqldump', args: ['--no-defaults', '--help'] }, { signal });
  return /^\s*(-H, )?--dump-history\b/m.test(stdout);
}
