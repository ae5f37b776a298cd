import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { TIER_TAG } from '../../common/run-record';

/** Props for {@link ServerPolicy}. */
export interface ServerPolicyProps {
  /** The environment whose servers attach this policy; they may write only under `<app>/<environment>/`. */
  readonly environment: string;
  readonly bucket: s3.IBucket;
  readonly agentAsset: s3assets.Asset;
  readonly commandLogGroup: logs.ILogGroup;
  /** SecureString parameters the backup document fetches on the server (media key, report secret). @default - none */
  readonly secretParameters?: string[];
}

/** Object-level S3 actions a server must never have, even if another policy grants them. */
export const SERVER_DENIED_S3_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:DeleteObjectTagging',
  's3:DeleteObjectVersionTagging',
  's3:PutObjectVersionTagging',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  's3:PutObjectAcl',
  's3:PutObjectVersionAcl',
  's3:PutLifecycleConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketVersioning',
  's3:PutBucketObjectLockConfiguration',
  's3:DeleteBucket',
];

/**
 * The managed policy the servers of one environment attach to their instance role (next to
 * AmazonSSMManagedInstanceCore): read the agent bundle, add dumps under their own environment's
 * prefix, read the secrets the document fetches, and write the command output. A compromised
 * server can add objects but never delete, overwrite retention of, or reconfigure the backups.
 */
export class ServerPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ServerPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const dumps = props.bucket.arnForObjects(`*/${props.environment}/*`);
    const statements = [
      new iam.PolicyStatement({
        sid: 'ReadAgentBundle',
        actions: ['s3:GetObject'],
        resources: [props.agentAsset.bucket.arnForObjects(props.agentAsset.s3ObjectKey)],
      }),
      new iam.PolicyStatement({
        sid: 'UploadDumps',
        // PutObject covers multipart create/upload/complete; the agent aborts a failed upload; HeadObject
        // (which needs GetObject) verifies the stored size. A PutObject or CreateMultipartUpload that
        // carries tags (x-amz-tagging: the retention tier) also needs PutObjectTagging.
        actions: [
          's3:PutObject',
          's3:PutObjectTagging',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
          's3:GetObject',
          's3:GetObjectAttributes',
        ],
        resources: [dumps],
      }),
      new iam.PolicyStatement({
        sid: 'ListOwnEnvironmentForDrills',
        // Drills pick a dump and read its run record: listing `<app>/<environment>/...` of this environment only.
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`*/${props.environment}/*`] } },
      }),
      new iam.PolicyStatement({
        sid: 'NeverRetagBackups',
        // The tier decides when S3 deletes a backup: a server must not shorten one by re-tagging it
        // (`daily` on a yearly dump). An object that already has the tag cannot be tagged again; the
        // tag a new object is created with has no existing tag to match.
        effect: iam.Effect.DENY,
        actions: ['s3:PutObjectTagging'],
        resources: [props.bucket.arnForObjects('*')],
        conditions: { Null: { [`s3:ExistingObjectTag/${TIER_TAG}`]: 'false' } },
      }),
      new iam.PolicyStatement({
        sid: 'NeverDeleteOrUnprotectBackups',
        effect: iam.Effect.DENY,
        actions: SERVER_DENIED_S3_ACTIONS,
        resources: [props.bucket.bucketArn, props.bucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'WriteCommandOutput',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [props.commandLogGroup.logGroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'FindCommandLogGroup',
        // The SSM agent checks that the output log group exists; DescribeLogGroups is not scoped to a group.
        actions: ['logs:DescribeLogGroups'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    ];
    const secrets = [...new Set(props.secretParameters ?? [])];
    if (secrets.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ReadBackupSecrets',
          actions: ['ssm:GetParameter'],
          resources: secrets.map((name) =>
            stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') }),
          ),
        }),
      );
    }
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Backopper: what the ${props.environment} servers need to run backups (attach to their instance role).`,
      statements,
    });
    const bucketLogicalId = stack.resolve((props.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*/${props.environment}/*]`,
      reason: `Dump keys are <app>/${props.environment}/backup_<ts>: the servers may add objects for any app, but only under their own environment.`,
    });
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
      reason:
        'logs:DescribeLogGroups cannot be scoped to one group; the SSM agent calls it to find the command output group.',
    });
  }
}
