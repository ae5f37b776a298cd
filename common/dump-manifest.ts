/**
 * The dump manifest: what one dump holds, recorded while it is made (agent/manifest/) and stored in the
 * run record at `steps.database.manifest`. Drills compare a restored copy with it; restores name the
 * tables a restore drops. Names are as the engine lists them: MySQL `table`, PostgreSQL `schema.table`.
 */

/** The kinds of object a manifest lists. */
export const MANIFEST_KINDS = ['tables', 'views', 'routines', 'triggers', 'events', 'sequences'] as const;
export type ManifestKind = (typeof MANIFEST_KINDS)[number];

/** What a dump holds: its objects by kind (sorted names) and each table's rows as dumped. */
export interface DumpManifest {
  engine: 'mysql' | 'postgres';
  objects: Record<ManifestKind, string[]>;
  /** Rows per table, as written into the dump. */
  rows: Record<string, number>;
}

/** An empty manifest to fill. */
export function emptyManifest(engine: DumpManifest['engine']): DumpManifest {
  return {
    engine,
    objects: { tables: [], views: [], routines: [], triggers: [], events: [], sequences: [] },
    rows: {},
  };
}

/**
 * What differs between the manifest a dump was recorded with and what a restore of it holds, one
 * sentence each (empty: they agree). Objects the restore has beyond the manifest count too. Pure.
 */
export function compareManifests(expected: DumpManifest, actual: DumpManifest): string[] {
  const differences: string[] = [];
  for (const kind of MANIFEST_KINDS) {
    const have = new Set(actual.objects[kind]);
    const want = new Set(expected.objects[kind]);
    const missing = expected.objects[kind].filter((name) => !have.has(name));
    const extra = actual.objects[kind].filter((name) => !want.has(name));
    if (missing.length) differences.push(`${kind} missing: ${missing.join(', ')}`);
    if (extra.length) differences.push(`${kind} not in the manifest: ${extra.join(', ')}`);
  }
  for (const [table, rows] of Object.entries(expected.rows)) {
    const got = actual.rows[table];
    if (got !== undefined && got !== rows) differences.push(`table ${table}: ${got} rows, the manifest says ${rows}`);
  }
  return differences;
}

/** Reads a manifest from a run record's `steps.database.manifest`; undefined when absent or malformed. */
export function manifestOf(record: unknown): DumpManifest | undefined {
  const manifest = (record as { steps?: { database?: { manifest?: unknown } } } | undefined)?.steps?.database
    ?.manifest as Partial<DumpManifest> | undefined;
  if (!manifest || (manifest.engine !== 'mysql' && manifest.engine !== 'postgres')) return undefined;
  if (!manifest.objects || typeof manifest.objects !== 'object' || !manifest.rows) return undefined;
  const objects = emptyManifest(manifest.engine).objects;
  for (const kind of MANIFEST_KINDS) {
    const names = (manifest.objects as Partial<Record<ManifestKind, unknown>>)[kind];
    if (names !== undefined && !(Array.isArray(names) && names.every((name) => typeof name === 'string')))
      return undefined;
    objects[kind] = (names as string[] | undefined) ?? [];
  }
  return { engine: manifest.engine, objects, rows: manifest.rows };
}

/**
 * The manifest recorded for one dump, from run records of its app: the record whose run made it (same
 * timestamp, and its upload key or the dump's sha256 agree). Undefined when none has a manifest. Pure.
 */
export function manifestForDump(
  records: readonly unknown[],
  dump: { key: string; timestamp: number; sha256?: string },
): DumpManifest | undefined {
  for (const record of records) {
    const run = record as { timestamp?: number; steps?: Record<string, { key?: string; sha256?: string } | undefined> };
    if (run.timestamp !== dump.timestamp) continue;
    const made = run.steps?.upload?.key === dump.key || (dump.sha256 && run.steps?.database?.sha256 === dump.sha256);
    const manifest = made ? manifestOf(record) : undefined;
    if (manifest) return manifest;
  }
  return undefined;
}
