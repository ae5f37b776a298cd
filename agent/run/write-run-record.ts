import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type RetentionTier, TIER_TAG, runRecordKey } from '../../common/run-record';
import { describeS3Error } from '../steps/s3-client';
import { describeWriter, headObject, isKeyTaken, taggingOf } from '../steps/s3-upload';
import type { RunReport } from './report';

/**
 * Writes the run's whole report to S3 as its run record (common/run-record.ts), only if the key is
 * free (`If-None-Match: *`, as for dumps: no run replaces another's record), tagged with the run's
 * tier so it lives as long as the dump it describes. Returns the key; throws naming it.
 */
export async function writeRunRecord(input: {
  client: S3Client;
  bucket: string;
  report: RunReport;
  hostId: string;
  tier: RetentionTier;
  signal?: AbortSignal;
}): Promise<string> {
  const { client, bucket, report } = input;
  const key = runRecordKey({
    app: report.app,
    environment: report.environment,
    timestamp: report.timestamp,
    hostId: input.hostId,
  });
  const metadata = {
    app: report.app,
    environment: report.environment,
    host: report.host,
    ...(report.runId ? { 'run-id': report.runId } : {}),
  };
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(report)}\n`,
        ContentType: 'application/json',
        Metadata: metadata,
        Tagging: taggingOf({ [TIER_TAG]: input.tier }),
        IfNoneMatch: '*',
      }),
      { abortSignal: input.signal },
    );
  } catch (error) {
    if (!isKeyTaken(error))
      throw new Error(`writing the run record s3://${bucket}/${key} failed: ${describeS3Error(error)}`, {
        cause: error,
      });
    // A retried PUT can find its own first attempt stored.
    const head = await headObject(client, bucket, key, input.signal).catch(() => undefined);
    if (!report.runId || head?.metadata['run-id'] !== report.runId) {
      throw new Error(
        `the run record s3://${bucket}/${key} already exists, written by ${describeWriter(head?.metadata ?? {})}`,
        { cause: error },
      );
    }
  }
  return key;
}
