import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RETENTION_TIERS, type RetentionTier } from '../../common/run-record';

/**
 * What the agent remembers of one local dump, in `<dump name>.json` beside it: its checksum, its
 * retention tier (decided when it was made), and where S3 holds it once it was uploaded. Local
 * retention deletes a dump only when its record says it is in S3; a missing or unreadable record
 * means "not in S3" (the safe direction: the next run that reaches S3 uploads it, or finds it there).
 */
export interface DumpRecord {
  sha256: string;
  bytes: number;
  tier: RetentionTier;
  /** The run that made the dump: its S3 object carries the same `run-id` (absent in records of older agents). */
  runId?: string;
  uploaded?: { bucket: string; key: string };
}

export function dumpRecordPath(dir: string, dumpName: string): string {
  return join(dir, `${dumpName}.json`);
}

/** The record of `dumpName`, or undefined when it is missing or does not hold what a record holds. */
export async function readDumpRecord(dir: string, dumpName: string): Promise<DumpRecord | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(dumpRecordPath(dir, dumpName), 'utf8'));
  } catch {
    return undefined;
  }
  const record = value as Partial<DumpRecord> | null;
  if (!record || typeof record.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(record.sha256)) return undefined;
  if (typeof record.bytes !== 'number' || !Number.isInteger(record.bytes) || record.bytes < 0) return undefined;
  if (!RETENTION_TIERS.includes(record.tier as RetentionTier)) return undefined;
  const uploaded = record.uploaded;
  const valid = uploaded === undefined || (typeof uploaded?.bucket === 'string' && typeof uploaded.key === 'string');
  const runId = typeof record.runId === 'string' && record.runId !== '' ? { runId: record.runId } : {};
  return valid
    ? { sha256: record.sha256, bytes: record.bytes, tier: record.tier!, ...runId, ...(uploaded ? { uploaded } : {}) }
    : undefined;
}

/** Writes the record atomically (a temporary name, then rename), so a crash leaves the old one or the new one. */
export async function writeDumpRecord(dir: string, dumpName: string, record: DumpRecord): Promise<void> {
  const path = dumpRecordPath(dir, dumpName);
  await writeFile(`${path}.tmp`, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** The dumps among `names` whose records say they are in `bucket`. */
export async function dumpsInS3(dir: string, names: string[], bucket: string): Promise<Set<string>> {
  const inS3 = new Set<string>();
  for (const name of names) {
    const record = await readDumpRecord(dir, name);
    if (record?.uploaded?.bucket === bucket) inS3.add(name);
  }
  return inS3;
}
