/** What a restored copy looks like next to the live database. */
export interface DatabaseSnapshot {
  /** Row count per table. */
  rows: Record<string, number>;
}

export interface Comparison {
  ok: boolean;
  /** Tables in the live database that the restore lacks: the dump is broken. */
  missing: string[];
  /** Tables only the restore has (dropped from the live database since the dump). */
  extra: string[];
  /** Tables whose counts differ: `live` now against `restored` from the dump. */
  differences: { table: string; live: number; restored: number }[];
  /** Why `ok` is false. */
  problems: string[];
}

/**
 * Compares a restored dump with the live database. The live database has moved on since the dump, so
 * differing counts alone are expected; the dump is judged broken when a live table is missing, or a
 * table that has rows restored fewer than `minShare` of them (empty where the site has data).
 */
export function compareDatabases(live: DatabaseSnapshot, restored: DatabaseSnapshot, minShare = 0.5): Comparison {
  const liveTables = Object.keys(live.rows).sort();
  const restoredTables = Object.keys(restored.rows).sort();
  const missing = liveTables.filter((table) => !(table in restored.rows));
  const extra = restoredTables.filter((table) => !(table in live.rows));
  const differences = liveTables
    .filter((table) => table in restored.rows && restored.rows[table] !== live.rows[table])
    .map((table) => ({ table, live: live.rows[table], restored: restored.rows[table] }));
  const problems = [
    ...missing.map((table) => `table ${table} is missing from the dump`),
    ...differences
      .filter(({ live: now, restored: then }) => then < now * minShare)
      .map(
        ({ table, live: now, restored: then }) => `table ${table} restored ${then} rows, the live database has ${now}`,
      ),
  ];
  return { ok: problems.length === 0, missing, extra, differences, problems };
}
