import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RetentionTier } from '../../common/run-record';
import { messageOf } from '../errors';
import { checkDumpFile } from './check-dump-file';
import { readDumpRecord, writeDumpRecord } from './dump-record';
import { placePendingDump } from './place-pending-dump';
import { datedDumps } from './retention';
import { describeS3Error } from './s3-client';
import type { ObjectTarget } from './s3-upload';

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
  /** `.sha256` objects this run wrote beside dumps S3 held without one (their dumps are in `found`). */
  repaired: string[];
  /** What could not be caught up, one line each; those dumps stay local for the next run. */
  errors: string[];
}

/**
 * Uploads, oldest first, the local dumps that earlier runs could not get into S3 (their `.json` record
 * does not say they are in this bucket). Each is hashed again first: a dump that no longer matches the
 * checksum it was made with is not uploaded, and one without a record must be whole (checkDumpFile).
 * A dump S3 already holds is recorded as in S3 (see placePendingDump: a missing `.sha256` is written);
 * another dump at its key is an error. Each dump keeps the tier it was given when it was made
 * (`yearly` when that record was lost).
 */
export async function catchUpDumps(input: CatchUpInput): Promise<CatchUpOutcome> {
  const { backupDir, bucket, signal } = input;
  const outcome: CatchUpOutcome = { caughtUp: [], found: [], repaired: [], errors: [] };
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
      // A dump no record vouches for (written before records, or its record was lost) counts only if it
      // is whole, as a fresh dump must be: a truncated one is never uploaded as a good backup.
      if (!record) await checkDumpFile(path, signal);
      const tier = record?.tier ?? 'yearly';
      const target = input.targetOf(name, timestamp, tier);
      const placed = await placePendingDump({
        dump: { path, ...local },
        target,
        madeBy: record?.runId,
        client: input.client,
        log: input.log,
        signal,
      });
      await writeDumpRecord(backupDir, name, {
        sha256: local.sha256,
        bytes: local.bytes,
        tier,
        ...(record?.runId ? { runId: record.runId } : {}),
        uploaded: { bucket: target.bucket, key: target.key },
      });
      if (placed === 'uploaded') {
        outcome.caughtUp.push(target.key);
        input.log(`catch-up  uploaded ${path} to s3://${target.bucket}/${target.key} (${tier})`);
      } else {
        outcome.found.push(target.key);
        if (placed === 'repaired') outcome.repaired.push(`${target.key}.sha256`);
      }
    } catch (error) {
      if (signal.aborted) throw error;
      outcome.errors.push(`${name}: ${describeS3Error(error)}`);
    }
  }
  return outcome;
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
