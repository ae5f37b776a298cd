import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RETENTION_TIERS, TIER_TAG } from '../../common/run-record';
import { type BucketConfig, DEFAULT_TIER_DAYS, type TierDays } from '../config';
import { denyOverwrites } from './conditional-writes';

/** Props for {@link BackupBucket}. */
export interface BackupBucketProps {
  /**
   * The older single-age policy: days every backup is kept after it is written; then it expires
   * (becomes a noncurrent version). Used only when `tiers` is not given.
   * @default - tiered retention with the default tiers
   */
  readonly retentionDays?: number;
  /**
   * Days each retention tier is kept, by the `backopper:tier` tag the agent puts on every object.
   * Objects without the tag (written before tiers, or by hand) expire after the longest tier.
   * @default 14, 56, 365 and 1095 days (`DEFAULT_TIER_DAYS`), unless `retentionDays` is given
   */
  readonly tiers?: TierDays;
  /** Days a noncurrent (overwritten or expired) version is kept before it is deleted for good. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** Move dumps to a cheaper storage class after some days. @default - no transition */
  readonly transition?: BucketConfig['transition'];
  /** Object Lock default retention, which makes each dump undeletable for that many days. @default - no Object Lock */
  readonly objectLock?: BucketConfig['objectLock'];
}

/**
 * The S3 bucket the servers upload database dumps to, hardened so that a compromised server (or a
 * mistaken `cdk destroy`) cannot take the backups with it: private, encrypted, TLS only, versioned,
 * retained, access-logged, with lifecycle rules that bound its cost.
 */
export class BackupBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** Server access logs of the backup bucket: who read or wrote which dump. */
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: BackupBucketProps = {}) {
    super(scope, id);
    const tiers = props.tiers ?? (props.retentionDays === undefined ? DEFAULT_TIER_DAYS : undefined);
    // The age after which every backup is gone at the latest.
    const retentionDays = tiers ? Math.max(...Object.values(tiers)) : props.retentionDays!;
    const noncurrentDays = props.noncurrentVersionDays ?? 30;
    // Deliver access logs by bucket policy, not the legacy LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // RETAIN: the audit trail of the backups must outlive the stack too.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(Math.max(retentionDays, 90)) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination of the backup bucket; logging it into itself would loop.',
    });

    // S3 honours the shorter of two overlapping expirations: each tier's rule wins over the catch-all
    // rule below (the longest age), which bounds untagged objects and carries what tag-filtered rules
    // cannot (the multipart abort) or need not repeat (noncurrent expiry, transition).
    const tierRules: s3.LifecycleRule[] = tiers
      ? RETENTION_TIERS.map((tier) => ({
          id: `expire-${tier}-backups`,
          tagFilters: { [TIER_TAG]: tier },
          expiration: Duration.days(tiers[tier]),
        }))
      : [];
    const lifecycleRules: s3.LifecycleRule[] = [
      ...tierRules,
      {
        id: tiers ? 'expire-untagged-backups' : 'expire-backups',
        expiration: Duration.days(retentionDays),
        noncurrentVersionExpiration: Duration.days(noncurrentDays),
        // The agent streams multipart uploads; a killed run must not leave parts billing forever.
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        transitions: props.transition
          ? [
              {
                storageClass: storageClassOf(props.transition.storageClass),
                transitionAfter: Duration.days(props.transition.afterDays),
              },
            ]
          : undefined,
      },
      // Expiration leaves delete markers once their versions are gone; S3 cannot combine this with days above.
      { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
    ];

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Versioning keeps an overwritten or deleted dump recoverable for noncurrentVersionDays.
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // RETAIN: backups must outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'backups/',
      lifecycleRules,
      objectLockEnabled: props.objectLock !== undefined ? true : undefined,
      objectLockDefaultRetention: props.objectLock
        ? props.objectLock.mode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(Duration.days(props.objectLock.days))
          : s3.ObjectLockRetention.governance(Duration.days(props.objectLock.days))
        : undefined,
    });
    // An overwrite is a delete with a delay (the old version expires as noncurrent): no one may write one.
    denyOverwrites(this.bucket);
  }
}

function storageClassOf(name: NonNullable<BucketConfig['transition']>['storageClass']): s3.StorageClass {
  const classes: Record<typeof name, s3.StorageClass> = {
    STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
    ONEZONE_IA: s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS,
    INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
    GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
    GLACIER: s3.StorageClass.GLACIER,
    DEEP_ARCHIVE: s3.StorageClass.DEEP_ARCHIVE,
  };
  return classes[name];
}
