import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentConfig, ScheduleConfig } from '../config';

/** Props for {@link ScheduleTarget}. */
export interface ScheduleTargetProps {
  /** `scheduler` (EventBridge Scheduler) or `rules` (EventBridge scheduled rules). @default scheduler */
  readonly backend?: ScheduleConfig['backend'];
  /** Scheduler schedule group the sync Lambda manages. @default backopper */
  readonly group?: string;
  /** ARN of the backup document the schedules run. */
  readonly documentArn: string;
  /** Other documents the schedules may run (the restore check). @default - none */
  readonly extraDocumentArns?: string[];
  /** Environments whose tagged servers the schedules may target. */
  readonly environments: EnvironmentConfig[];
}

/** Prefix of the EventBridge rules the sync Lambda manages with the rules backend. */
export const RULE_NAME_PREFIX = 'backopper-';

/**
 * What the per-app schedules run as and fall back to: the schedule group (Scheduler backend), the
 * execution role EventBridge assumes to call SSM SendCommand, and a dead-letter queue for invocations
 * that could not be delivered. The role can run only the backup document, and only on servers that
 * carry one of the configured environment tags.
 */
export class ScheduleTarget extends Construct {
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly backend: ScheduleConfig['backend'];
  readonly groupName: string;
  readonly group?: scheduler.ScheduleGroup;

  constructor(scope: Construct, id: string, props: ScheduleTargetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.backend = props.backend ?? 'scheduler';
    this.groupName = props.group ?? 'backopper';
    const service = this.backend === 'scheduler' ? 'scheduler.amazonaws.com' : 'events.amazonaws.com';

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: someone has to read why a backup was never started.
      retentionPeriod: Duration.days(14),
    });

    this.role = new iam.Role(this, 'Role', {
      description: 'Assumed by the Backopper schedules to send the backup command to the environment servers.',
      // Confused-deputy guard: only this account's schedules may assume the role.
      assumedBy: new iam.ServicePrincipal(service).withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RunTheBackupDocument',
        actions: ['ssm:SendCommand'],
        resources: [props.documentArn, ...(props.extraDocumentArns ?? [])],
      }),
    );
    for (const [tagKey, tagValues] of groupTags(props.environments)) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:SendCommand'],
          resources: [
            stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
            stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
          ],
          conditions: { StringEquals: { [`ssm:resourceTag/${tagKey}`]: tagValues } },
        }),
      );
    }

    for (const resource of [
      'ec2:<AWS::Region>:<AWS::AccountId>:instance/*',
      'ssm:<AWS::Region>:<AWS::AccountId>:managed-instance/*',
    ]) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${resource}]`,
        reason:
          'Backups target servers by tag, not by ID; the statement only matches servers carrying a configured environment tag (ssm:resourceTag condition).',
      });
    }
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the schedules and alert rules (set on their targets, which cdk-nag cannot see).',
    });

    if (this.backend === 'scheduler') {
      this.group = new scheduler.ScheduleGroup(this, 'Group', {
        scheduleGroupName: this.groupName,
        // Deleting a group deletes its schedules. RetainExceptOnCreate: a failed deploy-time sync, a
        // later rename or `cdk destroy` never takes the schedules with it; only the rollback of the
        // deploy that created the group (which holds no schedule from before) removes it.
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      // Scheduler sends undeliverable invocations to the DLQ with the execution role.
      this.deadLetterQueue.grantSendMessages(this.role);
    } else {
      // EventBridge rules send to a target's DLQ as the service, limited to Backopper's rules.
      this.deadLetterQueue.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage'],
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          resources: [this.deadLetterQueue.queueArn],
          conditions: {
            ArnLike: {
              'aws:SourceArn': stack.formatArn({
                service: 'events',
                resource: 'rule',
                resourceName: `${RULE_NAME_PREFIX}*`,
              }),
            },
          },
        }),
      );
    }
  }
}

/** Environments' tag values grouped by tag key, so each key gets one IAM condition. */
function groupTags(environments: EnvironmentConfig[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const { tagKey, tagValue } of environments) {
    const values = byKey.get(tagKey) ?? [];
    if (!values.includes(tagValue)) values.push(tagValue);
    byKey.set(tagKey, values);
  }
  return byKey;
}
