import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RetentionTier } from '../../common/run-record';
import { messageOf } from '../errors';
import { type DumpRecord, readDumpRecord, writeDumpRecord } from './dump-record';
import { datedDumps } from './retention';
import { describeS3Error } from './s3-client';
import { type ObjectTarget, headObject } from './s3-upload';
import { uploadDump } from './upload-dump';

export interface CatchUpInput {
  backupDir: string;
  bucket: string;
  /** The dump this run made and uploaded itself: not caught up again. */
  current?: string;
  /** The S3 object of a local dump (its name gives its time and engine), tagged with its tier. */
  targetOf: (dumpName: string, timestamp: number, tier: RetentionTier) => ObjectTarget;
  client: () => S3Client;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface CatchUpOutcome {
  /** S3 keys of the earlier dumps uploaded by this run, oldest first. */
  caughtUp: string[];
  /** Earlier dumps found already in S3 (their local record had been lost), oldest first. */
  found: string[];
  /** What could not be caught up, one line each; those dumps stay local for the next run. */
  errors: string[];
}

/**
 * Uploads, oldest first, the local dumps that earlier runs could not get into S3 (their `.json` record
 * does not say they are in this bucket). Each is hashed again first: a dump that no longer matches the
 * checksum it was made with is not uploaded. A dump whose key S3 already holds, with the same checksum
 * in its `.sha256`, is recorded as in S3; with another, it is another run's dump and an error. Each
 * dump keeps the tier it was given when it was made (`yearly` when that record was lost).
 */
export async function catchUpDumps(input: CatchUpInput): Promise<CatchUpOutcome> {
  const { backupDir, bucket, signal } = input;
  const outcome: CatchUpOutcome = { caughtUp: [], found: [], errors: [] };
  const names = await readdir(backupDir);
  const dumps = datedDumps(names)
    .filter((dump) => dump.name !== input.current)
    .sort((a, b) => a.timestamp - b.timestamp || a.name.localeCompare(b.name));
  for (const { name, timestamp } of dumps) {
    signal.throwIfAborted();
    const record = await readDumpRecord(backupDir, name);
    if (record?.uploaded?.bucket === bucket) continue;
    const path = join(backupDir, name);
    try {
      const local = await hashFile(path);
      if (record && (record.sha256 !== local.sha256 || record.bytes !== local.bytes)) {
        throw new Error(
          `${path} no longer matches the checksum it was made with (${record.sha256.slice(0, 12)}, ${record.bytes} bytes; now ${local.sha256.slice(0, 12)}, ${local.bytes} bytes); not uploading it`,
        );
      }
      const tier = record?.tier ?? 'yearly';
      const target = input.targetOf(name, timestamp, tier);
      const url = `s3://${target.bucket}/${target.key}`;
      const client = input.client();
      const kept: DumpRecord = {
        sha256: local.sha256,
        bytes: local.bytes,
        tier,
        uploaded: { bucket: target.bucket, key: target.key },
      };
      if (await headObject(client, target.bucket, target.key, signal)) {
        const stored = await storedChecksum(client, target.bucket, `${target.key}.sha256`, signal);
        if (stored !== local.sha256)
          throw new Error(
            `${url} already holds another dump (its .sha256 says ${stored ?? 'nothing'}); ${path} stays local`,
          );
        await writeDumpRecord(backupDir, name, kept);
        outcome.found.push(target.key);
        continue;
      }
      await uploadDump({
        dump: { path, ...local },
        target,
        client: input.client,
        moveToNextTimestamp: () =>
          Promise.reject(new Error(`${url} was stored by another run meanwhile; ${path} stays local`)),
        log: input.log,
        signal,
      });
      await writeDumpRecord(backupDir, name, kept);
      outcome.caughtUp.push(target.key);
      input.log(`catch-up  uploaded ${path} to ${url} (${tier})`);
    } catch (error) {
      if (signal.aborted) throw error;
      outcome.errors.push(`${name}: ${describeS3Error(error)}`);
    }
  }
  return outcome;
}

/** The sha256 a stored `.sha256` gives: its `sha256` metadata, or else its `sha256sum` line; undefined without one. */
async function storedChecksum(
  client: S3Client,
  bucket: string,
  key: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const head = await headObject(client, bucket, key, signal);
  if (!head) return undefined;
  if (head.metadata.sha256) return head.metadata.sha256;
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  return /^([0-9a-f]{64})\s/.exec((await object.Body?.transformToString()) ?? '')?.[1];
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (error) {
    throw new Error(`reading ${path} failed: ${messageOf(error)}`, { cause: error });
  }
  return { sha256: hash.digest('hex'), bytes };
}
