/**
 * Reads an app's drill records (`<app>/<environment>/drills/<ts>_<host id>.json`, common/drill-record.ts):
 * the proof that its backups restore. Shared by `backopper status`, `backopper backups` and the
 * freshness monitor. One listing of the app's drills prefix (a record a week: one page for years), then
 * GetObject of the newest records only.
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { DRILL_RECORD_PATTERN, drillRecordPrefix, type DrillRecord, parseDrillRecord } from '../common/drill-record';
import { describeError } from './errors';

/** A drill record as read from S3: where it is and when S3 stored it. */
export interface ReadDrillRecord extends DrillRecord {
  key: string;
  /** Unix seconds S3 stored the record (LastModified): a clock the drill's server cannot set. */
  writtenAt?: number;
}

/** What the newest drill records of one app say. */
export interface DrillFacts {
  /** The newest drill of the kind asked for, whatever its outcome. */
  newest?: ReadDrillRecord;
  /** The newest drill of that kind that passed: the last proven restore. */
  lastPassed?: ReadDrillRecord;
  /** The records read, newest first (every kind). */
  records: ReadDrillRecord[];
  /** Every listed record was read (none left out by the limit or by stopping at a passed drill). */
  complete: boolean;
  /** Records that could not be read: key and reason. */
  unreadable: { key: string; error: string }[];
}

/**
 * When a drill happened, as far as can be trusted: its own timestamp, but never later than S3 stored
 * its record (a server clock running ahead must not make a drill look recent). Pure.
 */
export function drillTime(record: { timestamp: number; writtenAt?: number }): number {
  return record.writtenAt === undefined ? record.timestamp : Math.min(record.timestamp, record.writtenAt);
}

/**
 * Which drill came last: when S3 stored its record, the one clock no server sets (its own timestamp
 * only for a record read without it). A server clock behind must not file a new failure under an older
 * pass, nor one ahead file an old pass above a new failure. Ages use {@link drillTime}. Pure.
 */
export function drillOrder(record: { timestamp: number; writtenAt?: number }): number {
  return record.writtenAt ?? record.timestamp;
}

/** The newest of `records` (of `kind`, when given) and the newest that passed. Pure. */
export function summarizeDrills<T extends DrillRecord>(
  records: T[],
  kind?: DrillRecord['kind'],
): { newest?: T; lastPassed?: T } {
  const sorted = records
    .filter((record) => kind === undefined || (record.kind ?? 'database') === kind)
    .sort((a, b) => drillOrder(b) - drillOrder(a) || b.timestamp - a.timestamp);
  return { newest: sorted[0], lastPassed: sorted.find((record) => record.status === 'passed') };
}

/**
 * Reads the newest `limit` drill records of an app (default 20), newest first. With `untilPassed`,
 * stops at the first passed drill of `kind` (what the freshness monitor needs: the newest outcome and the
 * last proof). A record whose app or environment is not the prefix's, or that drilled another app's dump, is
 * unreadable, never counted.
 */
export async function readDrillFacts(input: {
  client: S3Client;
  bucket: string;
  app: string;
  environment: string;
  limit?: number;
  kind?: DrillRecord['kind'];
  untilPassed?: boolean;
}): Promise<DrillFacts> {
  const listed: { key: string; timestamp: number; writtenAt?: number }[] = [];
  const prefix = drillRecordPrefix(input.app, input.environment);
  for await (const page of paginateListObjectsV2({ client: input.client }, { Bucket: input.bucket, Prefix: prefix })) {
    for (const item of page.Contents ?? []) {
      const match = item.Key ? DRILL_RECORD_PATTERN.exec(item.Key) : null;
      if (!match) continue;
      const writtenAt = item.LastModified ? Math.floor(item.LastModified.getTime() / 1000) : undefined;
      listed.push({ key: item.Key!, timestamp: Number(match[3]), ...(writtenAt === undefined ? {} : { writtenAt }) });
    }
  }
  listed.sort((a, b) => drillOrder(b) - drillOrder(a) || b.timestamp - a.timestamp);
  // Newest first, as listed; `records` keeps that order.
  const records: ReadDrillRecord[] = [];
  const unreadable: DrillFacts['unreadable'] = [];
  const limit = input.limit ?? 20;
  let read = 0;
  for (const { key, writtenAt } of listed) {
    if (read >= limit) break;
    read += 1;
    let record: DrillRecord;
    try {
      const result = await input.client.send(new GetObjectCommand({ Bucket: input.bucket, Key: key }));
      record = parseDrillRecord((await result.Body?.transformToString()) ?? '');
    } catch (error) {
      unreadable.push({ key, error: describeError(error) });
      continue;
    }
    if (record.app !== input.app || record.environment !== input.environment) {
      unreadable.push({
        key,
        error: `it is the record of ${record.app} (${record.environment}), not of ${input.app} (${input.environment})`,
      });
      continue;
    }
    const drilled = record.backup?.key;
    if (
      (record.kind ?? 'database') === 'database' &&
      drilled !== undefined &&
      !drilled.startsWith(`${input.app}/${input.environment}/`)
    ) {
      unreadable.push({ key, error: `it drilled ${drilled}, not a dump of ${input.app} (${input.environment})` });
      continue;
    }
    records.push({ ...record, key, ...(writtenAt === undefined ? {} : { writtenAt }) });
    if (
      input.untilPassed &&
      record.status === 'passed' &&
      (input.kind === undefined || (record.kind ?? 'database') === input.kind)
    )
      break;
  }
  return {
    ...summarizeDrills([...records], input.kind),
    records,
    complete: read === listed.length,
    unreadable,
  };
}

/** One line for an operator: the last proven restore, or that there is none. Pure. */
export function describeLastProof(facts: {
  newest?: DrillRecord & { writtenAt?: number };
  lastPassed?: DrillRecord & { writtenAt?: number };
}): string {
  const proof = facts.lastPassed;
  const passed = proof
    ? `last proven restore ${new Date(drillTime(proof) * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC: ${proof.backup?.key ?? '?'}${proof.backup?.tier ? ` (${proof.backup.tier} copy)` : ''} restored in ${proof.restoreSeconds ?? '?'} s and matched its manifest`
    : 'no proven restore yet (no drill has passed)';
  const newest = facts.newest;
  return newest && newest.status !== 'passed'
    ? `${passed}; the newest drill ${newest.status} at ${new Date(drillTime(newest) * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC: ${newest.error ?? newest.reason ?? ''}`
    : passed;
}
