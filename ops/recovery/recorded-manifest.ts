import type { S3Client } from '@aws-sdk/client-s3';
import { type DumpManifest, manifestForDump } from '../../common/dump-manifest';
import { listRunRecordKeys, readRunRecord } from '../../control/run-records';

/**
 * The manifest the run that made `dump` recorded (its run record, `<app>/<env>/runs/<ts>_<host>.json`),
 * or undefined when there is none; throws when the records cannot be read.
 */
export async function readRecordedManifest(input: {
  s3: S3Client;
  bucket: string;
  app: string;
  environment: string;
  dump: { key: string; timestamp: number; sha256?: string };
}): Promise<DumpManifest | undefined> {
  const keys = (await listRunRecordKeys({ client: input.s3, ...input })).filter(
    (entry) => entry.timestamp === input.dump.timestamp,
  );
  const records = await Promise.all(keys.map((entry) => readRunRecord(input.s3, input.bucket, entry.key)));
  return manifestForDump(records, input.dump);
}
