import { type DbConnection, listTables, plainPgTableName } from '../../agent';
import { describeError } from '../../control/errors';

/** What a restore into a database will do to it, known before anything is downloaded. */
export interface ImportPlan {
  target: DbConnection;
  /** The tables the database holds now. */
  existing: string[];
  /** Tables the dump does not have (by its recorded manifest), dropped unless `keepTables`; undefined: no manifest. */
  toDrop?: string[];
  keepTables: boolean;
}

/** Thrown when the target database cannot be reached or listed: nothing was downloaded. */
export class TargetUnreachableError extends Error {
  override name = 'TargetUnreachableError';
}

/** Where a connection points, for messages (never the password). */
export function describeTarget(db: DbConnection): string {
  return `${db.engine} database ${db.database} on ${db.socket ?? db.host ?? 'localhost'}${db.port ? `:${db.port}` : ''}`;
}

/**
 * Connects to the target and lists its tables, before a byte of the dump is downloaded: an unknown
 * database, a wrong password or an unreachable host fails here. `dumpTables` (from the dump's recorded
 * manifest) names the tables the restore will drop.
 */
export async function probeImportTarget(input: {
  target: DbConnection;
  dumpTables?: string[];
  keepTables: boolean;
}): Promise<ImportPlan> {
  let existing: string[];
  try {
    existing = await listTables(input.target);
  } catch (error) {
    throw new TargetUnreachableError(
      `cannot restore into ${describeTarget(input.target)}: ${describeError(error)}; nothing was downloaded`,
      { cause: error },
    );
  }
  return {
    target: input.target,
    existing,
    keepTables: input.keepTables,
    ...dropsOf(input.target.engine, existing, input.dumpTables),
  };
}

function dropsOf(engine: string, existing: string[], dumpTables: string[] | undefined): { toDrop?: string[] } {
  if (!dumpTables) return {};
  const inDump = new Set(dumpTables);
  // listTables quotes PostgreSQL names where they need it; manifests hold them plain.
  const plain = (table: string) => (engine === 'postgres' ? plainPgTableName(table) : table);
  return { toDrop: existing.filter((table) => !inDump.has(plain(table))) };
}

/** The tables of `existing` (as listTables gives them) that a dump with `dumpTables` does not have. Pure. */
export function tablesNotIn(engine: string, existing: string[], dumpTables: string[]): string[] {
  return dropsOf(engine, existing, dumpTables).toDrop ?? [];
}

const list = (names: string[]) => `${names.slice(0, 8).join(', ')}${names.length > 8 ? `, ... (${names.length})` : ''}`;

/**
 * What the confirmation says about a non-empty database: how many tables, which are replaced, which
 * are dropped because the dump does not have them (or that they are kept with --keep-tables). Pure.
 */
export function describeImportPlan(plan: ImportPlan): string {
  const where = `${describeTarget(plan.target)} has ${plan.existing.length} table(s) (${list(plan.existing)}).`;
  if (plan.keepTables) return `${where} Restoring replaces those the dump has and keeps the others (--keep-tables).`;
  if (plan.toDrop === undefined)
    return `${where} Restoring replaces them; tables the dump does not have are dropped (no manifest was recorded to name them; --keep-tables keeps them).`;
  if (plan.toDrop.length === 0) return `${where} Restoring replaces them; the dump has every one of them.`;
  return `${where} Restoring replaces them and DROPS ${plan.toDrop.length} table(s) the dump does not have: ${list(plan.toDrop)} (--keep-tables keeps them).`;
}
