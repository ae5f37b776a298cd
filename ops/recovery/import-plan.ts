import { type DbConnection, listTables, plainPgTableName, queryDatabase } from '../../agent';
import type { DumpManifest } from '../../common/dump-manifest';
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

/** A MariaDB/MySQL object other than a table: what `DROP <type>` takes, and its name. */
export interface SchemaObject {
  type: 'VIEW' | 'PROCEDURE' | 'FUNCTION' | 'EVENT';
  name: string;
}

const KIND_OF: Record<SchemaObject['type'], 'views' | 'routines' | 'events'> = {
  VIEW: 'views',
  PROCEDURE: 'routines',
  FUNCTION: 'routines',
  EVENT: 'events',
};

/**
 * The views, routines and events of a MariaDB/MySQL database that `dump` does not have. A restore
 * replaces the dump's own (mysqldump drops and recreates them) but leaves these: an event that keeps
 * deleting rows, a view over a table the restore dropped. (Triggers go with their tables.) PostgreSQL:
 * none listed (pg_restore --clean refuses to drop a table another object depends on; that fails loud).
 */
export async function objectsNotIn(target: DbConnection, dump: DumpManifest): Promise<SchemaObject[]> {
  if (target.engine !== 'mysql') return [];
  const rows = await queryDatabase(
    target,
    `SELECT 'VIEW', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
     UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
     UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`,
  );
  const objects: SchemaObject[] = [];
  for (const [type, name] of rows) {
    if (!name || !(type === 'VIEW' || type === 'PROCEDURE' || type === 'FUNCTION' || type === 'EVENT')) continue;
    if (!dump.objects[KIND_OF[type]].includes(name)) objects.push({ type, name });
  }
  return objects;
}

/** Drops `objects` (from {@link objectsNotIn}) in one statement list. */
export async function dropObjects(target: DbConnection, objects: SchemaObject[]): Promise<void> {
  if (objects.length === 0) return;
  const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;
  await queryDatabase(target, objects.map(({ type, name }) => `DROP ${type} IF EXISTS ${quote(name)}`).join('; '));
}

/** `view wp_stats`, `event purge`: how a summary names them. Pure. */
export const describeObject = (object: SchemaObject) => `${object.type.toLowerCase()} ${object.name}`;
