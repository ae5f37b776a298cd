import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DUMP_OBJECT_PATTERN } from '../../common/app-spec';
import { drillRecordKey } from '../../common/drill-record';
import { parseRunRecord, RUN_RECORD_PATTERN, runRecordPrefix, type RunRecord } from '../../common/run-record';
import { describeS3Error } from '../steps/s3-client';

/** A dump in S3, as a drill picks it. */
export interface DrilledDump {
  key: string;
  timestamp: number;
  engine: 'mysql' | 'postgres';
  size: number;
  storageClass?: string;
}

/** Every dump of the app in S3, newest first. */
export async function listDumps(
  s3: S3Client,
  bucket: string,
  app: string,
  environment: string,
): Promise<DrilledDump[]> {
  const dumps: DrilledDump[] = [];
  for await (const page of paginateListObjectsV2(
    { client: s3 },
    { Bucket: bucket, Prefix: `${app}/${environment}/backup_` },
  )) {
    for (const item of page.Contents ?? []) {
      const match = item.Key ? DUMP_OBJECT_PATTERN.exec(item.Key) : null;
      if (!match) continue;
      dumps.push({
        key: item.Key!,
        timestamp: Number(match[3]),
        engine: match[4] === 'tar' ? 'postgres' : 'mysql',
        size: item.Size ?? 0,
        ...(item.StorageClass && item.StorageClass !== 'STANDARD' ? { storageClass: item.StorageClass } : {}),
      });
    }
  }
  return dumps.sort((a, b) => b.timestamp - a.timestamp);
}

/** The dump a drill restores: exactly `key`, the newest at or before `at`, or the newest. Throws naming what exists. Pure. */
export function chooseDump(dumps: DrilledDump[], pick: { at?: number; key?: string }, where: string): DrilledDump {
  if (dumps.length === 0) throw new Error(`no dumps in ${where}`);
  if (pick.key !== undefined) {
    const found = dumps.find((dump) => dump.key === pick.key);
    if (!found) throw new Error(`${pick.key} is not in ${where}; the newest is ${dumps[0]!.key}`);
    return found;
  }
  const found = pick.at === undefined ? dumps[0] : dumps.find((dump) => dump.timestamp <= pick.at!);
  if (!found)
    throw new Error(
      `no dump in ${where} at or before ${new Date(pick.at! * 1000).toISOString()}; the oldest is ${dumps.at(-1)!.key}`,
    );
  return found;
}

const WEEK = 7 * 86_400;
const MONTH = 30 * 86_400;

/**
 * The scheduled drill's pick: the newest dump, except every fourth week an older copy: alternately
 * the newest dump at least a month old (a monthly copy) and the oldest one kept (a yearly copy), so
 * old copies are proven too. Pure.
 */
export function rotationPick(dumps: DrilledDump[], now: number): DrilledDump | undefined {
  const week = Math.floor(now / WEEK);
  const old = dumps.filter((dump) => dump.timestamp <= now - MONTH);
  if (week % 4 !== 3 || old.length === 0) return dumps[0];
  return week % 8 === 3 ? old[0] : old.at(-1);
}

/** The hex sha256 in a dump's `.sha256` companion; throws when it is missing or holds none. */
export async function readChecksum(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<string> {
  let text: string;
  try {
    const result = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${key}.sha256` }), {
      abortSignal: signal,
    });
    text = (await result.Body?.transformToString()) ?? '';
  } catch (error) {
    throw new Error(`reading s3://${bucket}/${key}.sha256 failed: ${describeS3Error(error)}`, { cause: error });
  }
  const hash = /^([0-9a-f]{64})\b/.exec(text.trim())?.[1];
  if (!hash) throw new Error(`s3://${bucket}/${key}.sha256 holds no sha256`);
  return hash;
}

/** The app's run records with this timestamp (the run that made a dump). Unreadable ones are skipped: the caller reports a missing manifest. */
export async function readRunRecordsAt(
  s3: S3Client,
  input: { bucket: string; app: string; environment: string; timestamp: number },
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const prefix = `${runRecordPrefix(input.app, input.environment)}${input.timestamp}_`;
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: input.bucket, Prefix: prefix })) {
    for (const item of page.Contents ?? []) {
      if (!item.Key || !RUN_RECORD_PATTERN.test(item.Key)) continue;
      const result = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: item.Key }));
      records.push(parseRunRecord((await result.Body?.transformToString()) ?? ''));
    }
  }
  return records;
}

/**
 * The app's newest run records made before `timestamp` (at most `limit`), newest first; unreadable ones
 * are left out. What a dump without a manifest is judged by: did the runs before it record one?
 */
export async function readRunRecordsBefore(
  s3: S3Client,
  input: { bucket: string; app: string; environment: string; timestamp: number; limit: number },
): Promise<RunRecord[]> {
  const earlier: { key: string; timestamp: number }[] = [];
  const prefix = runRecordPrefix(input.app, input.environment);
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: input.bucket, Prefix: prefix })) {
    for (const item of page.Contents ?? []) {
      const match = item.Key ? RUN_RECORD_PATTERN.exec(item.Key) : null;
      if (match && Number(match[3]) < input.timestamp) earlier.push({ key: item.Key!, timestamp: Number(match[3]) });
    }
  }
  earlier.sort((a, b) => b.timestamp - a.timestamp);
  const records: RunRecord[] = [];
  for (const { key } of earlier.slice(0, input.limit)) {
    try {
      const result = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: key }));
      records.push(parseRunRecord((await result.Body?.transformToString()) ?? ''));
    } catch {
      // unreadable: it says nothing about manifests
    }
  }
  return records;
}

/** Downloads an object to `path` (created 0600, never over an existing file), hashing on the way. */
export async function downloadObject(
  s3: S3Client,
  input: { bucket: string; key: string; path: string; signal?: AbortSignal },
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: input.key }), {
      abortSignal: input.signal,
    });
    await pipeline(object.Body as Readable, meter, createWriteStream(input.path, { flags: 'wx', mode: 0o600 }), {
      signal: input.signal,
    });
  } catch (error) {
    throw new Error(`downloading s3://${input.bucket}/${input.key} failed: ${describeS3Error(error)}`, {
      cause: error,
    });
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Writes a drill's record beside the run records, only if its key is free (`If-None-Match: *`). Returns the key. */
export async function writeDrillRecord(
  s3: S3Client,
  input: { bucket: string; record: { app: string; environment: string; timestamp: number }; hostId: string },
): Promise<string> {
  // Never over another record: a drill of the same second on this server (412) takes the next free second.
  for (let attempt = 0; ; attempt++) {
    const key = drillRecordKey({ ...input.record, hostId: input.hostId });
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: input.bucket,
          Key: key,
          Body: `${JSON.stringify(input.record)}\n`,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
      return key;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((status === 412 || status === 409) && attempt < 10) {
        input.record.timestamp += 1;
        continue;
      }
      throw new Error(`writing the drill record s3://${input.bucket}/${key} failed: ${describeS3Error(error)}`, {
        cause: error,
      });
    }
  }
}
