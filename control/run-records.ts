/**
 * Reads an app's run records from the backup bucket (`<app>/<environment>/runs/<ts>_<host id>.json`,
 * see common/run-record.ts): lists every page under the prefix, downloads the newest `limit`, parses
 * each with the contract's reader. A record that cannot be fetched or parsed is never silently
 * skipped: it comes back in `unreadable` with its key and the reason, for the caller to say out loud.
 * Shared by the freshness monitor and the ops CLI (`status`, `backups`, `restore --media`).
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { parseRunRecord, RUN_RECORD_PATTERN, runRecordPrefix, type RunRecord } from '../common/run-record';
import { settleConcurrently } from './concurrency';
import { describeError } from './errors';

/** A run record's key, read. */
export interface RunRecordKey {
  key: string;
  timestamp: number;
  hostId: string;
}

/** A fetched and parsed record, with the key it was read from. */
export interface StoredRunRecord {
  key: string;
  record: RunRecord;
}

/** What {@link readRunRecords} found. */
export interface RunRecords {
  /** Parsed records, newest first. */
  records: StoredRunRecord[];
  /** Records among the newest `limit` that could not be fetched or parsed: key and reason. */
  unreadable: { key: string; error: string }[];
  /** How many record keys the prefix holds (all pages), read or not. */
  total: number;
}

/** Reads a listed key: undefined unless it is a run record of `<app>/<environment>`. Pure. */
export function parseRunRecordKey(key: string, app: string, environment: string): RunRecordKey | undefined {
  const match = RUN_RECORD_PATTERN.exec(key);
  if (!match || match[1] !== app || match[2] !== environment) return undefined;
  return { key, timestamp: Number(match[3]), hostId: match[4] as string };
}

/** Newest first; for equal timestamps (two servers in one second) by key, so the order is stable. Pure. */
export function newestFirst<T extends { timestamp: number; key: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => b.timestamp - a.timestamp || b.key.localeCompare(a.key));
}

/** Lists every run record key of one app (all pages), newest first. */
export async function listRunRecordKeys(input: {
  client: S3Client;
  bucket: string;
  app: string;
  environment: string;
  pageSize?: number;
}): Promise<RunRecordKey[]> {
  const keys: RunRecordKey[] = [];
  const pages = paginateListObjectsV2(
    { client: input.client, pageSize: input.pageSize },
    { Bucket: input.bucket, Prefix: runRecordPrefix(input.app, input.environment) },
  );
  for await (const page of pages) {
    for (const item of page.Contents ?? []) {
      const parsed = item.Key ? parseRunRecordKey(item.Key, input.app, input.environment) : undefined;
      if (parsed) keys.push(parsed);
    }
  }
  return newestFirst(keys);
}

/** Fetches and parses one record; throws naming the key. */
export async function readRunRecord(client: S3Client, bucket: string, key: string): Promise<RunRecord> {
  const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await result.Body?.transformToString()) ?? '';
  return parseRunRecord(text);
}

/** The newest `limit` run records of one app (default 20), newest first, with the unreadable ones named. */
export async function readRunRecords(input: {
  client: S3Client;
  bucket: string;
  app: string;
  environment: string;
  limit?: number;
  /** GetObject calls in flight. @default 4 */
  concurrency?: number;
  pageSize?: number;
}): Promise<RunRecords> {
  const keys = await listRunRecordKeys(input);
  const wanted = keys.slice(0, input.limit ?? 20);
  const fetched = await settleConcurrently(wanted, input.concurrency ?? 4, (entry) =>
    readRunRecord(input.client, input.bucket, entry.key),
  );
  const records: StoredRunRecord[] = [];
  const unreadable: RunRecords['unreadable'] = [];
  fetched.forEach((result, index) => {
    const key = (wanted[index] as RunRecordKey).key;
    if (result.status === 'fulfilled') records.push({ key, record: result.value });
    else unreadable.push({ key, error: describeError(result.reason) });
  });
  return { records, unreadable, total: keys.length };
}

/** The line an operator reads for an unreadable record. */
export function describeUnreadable(bucket: string, entry: { key: string; error: string }): string {
  return `run record s3://${bucket}/${entry.key} is unreadable (skipped): ${entry.error}`;
}

/**
 * The app's newest run record with status `succeeded` (its newest good backup), reading records newest
 * first, one at a time, at most `maxReads` of them: a failing app usually succeeded a day ago, so this
 * costs one listing and a GetObject or two. `read` says how many were read; an unreadable record throws.
 */
export async function findNewestGoodRun(input: {
  client: S3Client;
  bucket: string;
  app: string;
  environment: string;
  /** @default 10 */
  maxReads?: number;
}): Promise<{ found: StoredRunRecord | undefined; read: number }> {
  const keys = await listRunRecordKeys(input);
  let read = 0;
  for (const entry of keys.slice(0, input.maxReads ?? 10)) {
    const record = await readRunRecord(input.client, input.bucket, entry.key);
    read += 1;
    if (record.status === 'succeeded') return { found: { key: entry.key, record }, read };
  }
  return { found: undefined, read };
}
