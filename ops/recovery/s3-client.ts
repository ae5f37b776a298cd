import { S3Client } from '@aws-sdk/client-s3';
import { createAwsClient } from '../../control/aws-clients';

/**
 * The S3 client of `backopper backups` and `restore`: the shared retry settings, and path-style
 * addressing when a custom endpoint (an S3-compatible server) is set, as the agent does.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return createAwsClient(S3Client, { forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
}
