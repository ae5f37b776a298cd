import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** The Sid of the bucket policy statement that refuses writes which could replace an object. */
export const DENY_OVERWRITES_SID = 'DenyWritesWithoutIfNoneMatch';

/**
 * Makes the bucket refuse every object write that could replace an existing object: a PutObject or
 * CompleteMultipartUpload without `If-None-Match` (condition key `s3:if-none-match`; AWS, "Enforce
 * conditional writes on Amazon S3 buckets"). The servers promise to write only with `If-None-Match: *`;
 * this holds them (and anyone else) to it, so no write can turn a backup into a noncurrent version that
 * the lifecycle deletes. CreateMultipartUpload and UploadPart take no conditional header
 * (`s3:ObjectCreationOperation` is false for them) and stay allowed; CopyObject into the bucket is refused.
 */
export function denyOverwrites(bucket: s3.IBucket): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: DENY_OVERWRITES_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: {
        Null: { 's3:if-none-match': 'true' },
        Bool: { 's3:ObjectCreationOperation': 'true' },
      },
    }),
  );
}
