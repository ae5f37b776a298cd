import { type DumpManifest, emptyManifest, type ManifestKind } from '../../common/dump-manifest';
import type { DbConnection } from '../config/db-credentials';
import { countRows, queryDatabase } from '../process/db-client';

const MYSQL_OBJECTS = `
SELECT IF(TABLE_TYPE = 'VIEW', 'views', 'tables'), TABLE_NAME FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'VIEW')
UNION ALL SELECT 'routines', ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
UNION ALL SELECT 'triggers', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION ALL SELECT 'events', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`;

// User objects, as pg_dump sees them: not in system schemas, not belonging to an extension.
const PG_USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
const notFromExtension = (catalog: string, alias: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${alias}.oid AND d.deptype = 'e')`;
const PG_OBJECTS = `
SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'tables' WHEN c.relkind IN ('v', 'm') THEN 'views' ELSE 'sequences' END,
       n.nspname || '.' || c.relname, format('%I.%I', n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${PG_USER_SCHEMA} AND ${notFromExtension('pg_class', 'c')}
UNION ALL SELECT 'routines', n.nspname || '.' || p.proname, ''
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE ${PG_USER_SCHEMA} AND ${notFromExtension('pg_proc', 'p')}
UNION ALL SELECT 'triggers', n.nspname || '.' || t.tgname, ''
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT t.tgisinternal AND ${PG_USER_SCHEMA}`;

/**
 * What a database holds now, in the shape of a dump manifest (common/dump-manifest.ts): its objects
 * from the catalog and exact row counts of its tables. A drill compares a restored copy with the
 * manifest recorded when the dump was made.
 */
export async function readDatabaseManifest(db: DbConnection, signal?: AbortSignal): Promise<DumpManifest> {
  const manifest = emptyManifest(db.engine);
  // countRows takes PostgreSQL names as listTables gives them (each part quoted where it needs it).
  const quoted = new Map<string, string>();
  for (const [kind, name, quotedName] of await queryDatabase(
    db,
    db.engine === 'mysql' ? MYSQL_OBJECTS : PG_OBJECTS,
    signal,
  )) {
    manifest.objects[kind as ManifestKind]?.push(name!);
    if (kind === 'tables') quoted.set(quotedName || name!, name!);
  }
  for (const kind of Object.keys(manifest.objects) as ManifestKind[])
    manifest.objects[kind] = [...new Set(manifest.objects[kind])].sort();
  const counted = await countRows(db, [...quoted.keys()]);
  manifest.rows = Object.fromEntries(Object.entries(counted).map(([name, rows]) => [quoted.get(name) ?? name, rows]));
  return manifest;
}
