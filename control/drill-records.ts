/**
 * Reads an app's drill records (`<app>/<environment>/drills/<ts>_<host id>.json`, common/drill-record.ts):
 * the proof that its backups restore. Shared by `backopper status`, `backopper backups` and the
 * freshness monitor.
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { DRILL_RECORD_PATTERN, drillRecordPrefix, type DrillRecord, parseDrillRecord } from '../common/drill-record';
import { describeError } from './errors';

/** What the newest drill records of one app say. */
export interface DrillFacts {
  /** The newest drill, whatever its outcome. */
  newest?: DrillRecord;
  /** The newest drill that passed: the last proven restore. */
  lastPassed?: DrillRecord;
  /** Records that could not be read: key and reason. */
  unreadable: { key: string; error: string }[];
}

/** The newest of `records` and the newest that passed. Pure. */
export function summarizeDrills(records: DrillRecord[]): Omit<DrillFacts, 'unreadable'> {
  const sorted = [...records].sort((a, b) => b.timestamp - a.timestamp);
  return { newest: sorted[0], lastPassed: sorted.find((record) => record.status === 'passed') };
}

/** Reads the newest `limit` drill records of an app (default 20). */
export async function readDrillFacts(input: {
  client: S3Client;
  bucket: string;
  app: string;
  environment: string;
  limit?: number;
}): Promise<DrillFacts> {
  const keys: { key: string; timestamp: number }[] = [];
  const prefix = drillRecordPrefix(input.app, input.environment);
  for await (const page of paginateListObjectsV2({ client: input.client }, { Bucket: input.bucket, Prefix: prefix })) {
    for (const item of page.Contents ?? []) {
      const match = item.Key ? DRILL_RECORD_PATTERN.exec(item.Key) : null;
      if (match) keys.push({ key: item.Key!, timestamp: Number(match[3]) });
    }
  }
  keys.sort((a, b) => b.timestamp - a.timestamp);
  const records: DrillRecord[] = [];
  const unreadable: DrillFacts['unreadable'] = [];
  for (const { key } of keys.slice(0, input.limit ?? 20)) {
    try {
      const result = await input.client.send(new GetObjectCommand({ Bucket: input.bucket, Key: key }));
      records.push(parseDrillRecord((await result.Body?.transformToString()) ?? ''));
    } catch (error) {
      unreadable.push({ key, error: describeError(error) });
    }
  }
  return { ...summarizeDrills(records), unreadable };
}

/** One line for an operator: the last proven restore, or that there is none. Pure. */
export function describeLastProof(facts: Omit<DrillFacts, 'unreadable'>): string {
  const proof = facts.lastPassed;
  const passed = proof
    ? `last proven restore ${new Date(proof.timestamp * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC: ${proof.backup?.key ?? '?'} restored in ${proof.restoreSeconds ?? '?'} s and matched its manifest`
    : 'no proven restore yet (no drill has passed)';
  const newest = facts.newest;
  return newest && newest.status !== 'passed'
    ? `${passed}; the newest drill ${newest.status} at ${new Date(newest.timestamp * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC: ${newest.error ?? newest.reason ?? ''}`
    : passed;
}
