import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_NAME_PATTERN } from '../../common/app-spec';
import { RESTORE_MEDIA_DOCUMENT_NAME, RESTORE_MEDIA_PARAMETER_PATTERNS } from '../../common/names';
import { DOCUMENT_PARAMETER_PATTERNS } from '../../infra/constructs/backup-document';
import { VERIFY_DOCUMENT_PARAMETER_PATTERNS } from '../../infra/constructs/verify-document';
import { AGENT_FILE, exampleConfig, type Synthesized, synthesize } from './synth';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every IAM statement in the template with the logical ID of the resource that holds it. */
function statementsOf(template: Template): Array<{ owner: string; type: string; statement: Statement }> {
  const found: Array<{ owner: string; type: string; statement: Statement }> = [];
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  for (const [owner, resource] of Object.entries(resources)) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
      documents.push(resource.Properties?.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of list(resource.Properties?.Policies as Array<{ PolicyDocument: unknown }> | undefined))
        documents.push(policy.PolicyDocument);
    }
    for (const document of documents) {
      for (const statement of list((document as { Statement: Statement[] }).Statement))
        found.push({ owner, type: resource.Type, statement });
    }
  }
  return found;
}

function documentContent(template: Template): {
  parameters: Record<string, { allowedPattern?: string; default?: string; interpolationType?: string }>;
  mainSteps: Array<{ action: string; name: string; inputs: Record<string, unknown> }>;
} {
  const documents = template.findResources('AWS::SSM::Document');
  return (Object.values(documents)[0] as { Properties: { Content: never } }).Properties.Content;
}

describe('the Backopper stack (worked example, Scheduler backend)', () => {
  let synthesized: Synthesized;
  let template: Template;
  beforeAll(() => {
    synthesized = synthesize();
    template = synthesized.template;
  });
  afterAll(() => synthesized?.remove());

  it('passes the cdk-nag AwsSolutions checks with no unacknowledged finding, error or warning', () => {
    // synthesize() already ran app.synth(), which throws on a cdk-nag error.
    const annotations = Annotations.fromStack(synthesized.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  describe('backup bucket', () => {
    it('is private, encrypted, versioned, TLS-only, access-logged and retained', () => {
      template.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'backups/' }),
        }),
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('expires each retention tier after its own age from cdk.json, by the backopper:tier tag; untagged objects after the longest', () => {
      const bucket = Object.values(template.findResources('AWS::S3::Bucket')).find(
        (resource) => resource.Properties?.VersioningConfiguration,
      );
      const rules = bucket!.Properties.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
      const retention = (exampleConfig().bucket as { retention: Record<string, number> }).retention;
      expect(rules).toEqual([
        ...(['daily', 'weekly', 'monthly', 'yearly'] as const).map((tier) => ({
          Id: `expire-${tier}-backups`,
          Status: 'Enabled',
          TagFilters: [{ Key: 'backopper:tier', Value: tier }],
          ExpirationInDays: retention[tier],
        })),
        {
          Id: 'expire-untagged-backups',
          Status: 'Enabled',
          ExpirationInDays: retention.yearly,
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
        },
        { Id: 'remove-expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
      ]);
      expect(retention).toEqual({ daily: 14, weekly: 56, monthly: 365, yearly: 1095 });
    });

    it('keeps the single-age policy of a deployment that sets bucket.retentionDays', () => {
      const config = exampleConfig();
      const bucket = config.bucket as Record<string, unknown>;
      delete bucket.retention;
      bucket.retentionDays = 90;
      const legacy = synthesize(config);
      try {
        legacy.template.hasResourceProperties('AWS::S3::Bucket', {
          LifecycleConfiguration: {
            Rules: [
              Match.objectLike({
                Id: 'expire-backups',
                ExpirationInDays: 90,
                NoncurrentVersionExpiration: { NoncurrentDays: 30 },
                Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
              }),
              Match.objectLike({ ExpiredObjectDeleteMarker: true }),
            ],
          },
        });
      } finally {
        legacy.remove();
      }
    });
  });

  describe('media restore document', () => {
    it('is Backopper-RestoreMedia with the parameters backopper restore --media sends, projectType optional', () => {
      const documents = Object.values(template.findResources('AWS::SSM::Document')) as Array<{
        Properties: {
          Name: string;
          Content: { parameters: Record<string, { allowedPattern: string; default?: string }> };
        };
      }>;
      const restore = documents.find((document) => document.Properties.Name === RESTORE_MEDIA_DOCUMENT_NAME);
      const parameters = restore!.Properties.Content.parameters;
      expect(Object.keys(parameters).sort()).toEqual([
        'app',
        'archive',
        'environment',
        'executionTimeout',
        'manifestBytes',
        'manifestFiles',
        'path',
        'projectType',
        'sha256',
        'snapshot',
      ]);
      // An archive restore sends archive and sha256, a snapshot restore the other four: each may be empty.
      for (const name of ['archive', 'sha256', 'snapshot', 'path', 'manifestFiles', 'manifestBytes'] as const) {
        expect(parameters[name]!.allowedPattern).toBe(`^(${RESTORE_MEDIA_PARAMETER_PATTERNS[name].slice(1, -1)})?$`);
        expect(parameters[name]).toMatchObject({ default: '' });
      }
      const path = new RegExp(parameters.path!.allowedPattern);
      for (const [value, ok] of [
        ['', true],
        ['2026/12/photo.jpg', true],
        ['../x', false],
        ['a/../../x', false],
        ['a/./x', false],
        ['/etc/passwd', false],
        ['a b', false],
        ['a;b', false],
        ['a`b`', false],
        ["a'b", false],
        ['a\nb', false],
      ] as const)
        expect(path.test(value), value).toBe(ok);
      expect(parameters.projectType).toMatchObject({ default: '' });
      const projectType = new RegExp(parameters.projectType!.allowedPattern);
      for (const [value, ok] of [
        ['', true],
        ['wordpress', true],
        ['a b', false],
        ['x'.repeat(33), false],
      ] as const)
        expect(projectType.test(value), value).toBe(ok);
      const archive = new RegExp(parameters.archive!.allowedPattern);
      for (const [value, ok] of [
        ['media.example.com:/srv/media-backups/live/acme/media_1795909152_3abda07c.tar.gz', true],
        ['media.example.com:/srv/media-backups/live/acme/media_1795909152.tar.gz', true],
        ['media_1795909152.tar.gz', false],
        ['media.example.com:/srv/a b/media_1795909152.tar.gz', false],
        ['media.example.com:/srv/notes.txt', false],
      ] as const) {
        expect(archive.test(value), value).toBe(ok);
      }
    });
  });

  describe('backup document', () => {
    it('is the schema 2.2 command document Backopper-Backup with the five parameters, each guarded', () => {
      template.hasResourceProperties('AWS::SSM::Document', {
        Name: 'Backopper-Backup',
        DocumentType: 'Command',
        UpdateMethod: 'NewVersion',
      });
      const content = documentContent(template);
      expect(Object.keys(content.parameters).sort()).toEqual([
        'app',
        'engine',
        'environment',
        'executionTimeout',
        'projectType',
      ]);
      for (const [name, parameter] of Object.entries(content.parameters)) {
        expect(parameter.allowedPattern, name).toBe(
          DOCUMENT_PARAMETER_PATTERNS[name as keyof typeof DOCUMENT_PARAMETER_PATTERNS],
        );
      }
      for (const name of ['app', 'environment', 'engine', 'projectType'])
        expect(content.parameters[name]?.interpolationType).toBe('ENV_VAR');
      expect(Number(content.parameters.executionTimeout?.default)).toBeGreaterThan(3600);
    });

    it("rejects the values common/app-spec.ts rejects, through the parameters' patterns", () => {
      const matches = (name: keyof typeof DOCUMENT_PARAMETER_PATTERNS, value: string) =>
        new RegExp(DOCUMENT_PARAMETER_PATTERNS[name]).test(value);
      expect(matches('app', 'shop_2.0')).toBe(true);
      for (const hostile of ['../x', '.env', '-rf', '--help', 'a;rm -rf /', 'a b', '$(id)', 'a'.repeat(65), ''])
        expect(matches('app', hostile), hostile).toBe(false);
      // One rule for app names at every layer: the documents' pattern is the app list's.
      expect(DOCUMENT_PARAMETER_PATTERNS.app).toBe(APP_NAME_PATTERN);
      expect(VERIFY_DOCUMENT_PARAMETER_PATTERNS.app).toBe(APP_NAME_PATTERN);
      expect(matches('engine', 'postgresql')).toBe(false);
      expect(matches('environment', 'live"')).toBe(false);
      expect(matches('executionTimeout', '14400')).toBe(true);
      expect(matches('executionTimeout', '1; reboot')).toBe(false);
    });

    it('first checks the app is on the server (ending the document successfully if not), then downloads the agent asset and runs it only if its SHA-256 is the built bundle', () => {
      const [check, download, run] = documentContent(template).mainSteps;
      expect(check).toMatchObject({
        action: 'aws:runShellScript',
        name: 'checkApp',
        inputs: { onFailure: 'successAndExit' },
      });
      expect(JSON.stringify(check?.inputs.runCommand)).not.toContain('aws ssm');
      expect(download?.action).toBe('aws:downloadContent');
      expect(download?.inputs.sourceType).toBe('S3');
      expect(JSON.stringify(download?.inputs.sourceInfo)).toContain('cdk-hnb659fds-assets-');
      expect(run?.action).toBe('aws:runShellScript');
      expect(run?.inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
      const script = JSON.stringify(run?.inputs.runCommand);
      expect(script).toContain(createHash('sha256').update(readFileSync(AGENT_FILE)).digest('hex'));
      expect(script).toContain('--app \\"$SSM_app\\"');
    });
  });

  describe('sync function', () => {
    it('runs on Node.js 24, one at a time, with its own log retention and the stack settings', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        ReservedConcurrentExecutions: 1,
        Environment: {
          Variables: Match.objectLike({
            BACKOPPER_API_URL: 'https://agency.example.com/api/backups/{environment}',
            BACKOPPER_API_SECRET_PARAMETER: '/backopper/api-secret',
            BACKOPPER_SCHEDULE_BACKEND: 'scheduler',
            BACKOPPER_SCHEDULE_GROUP: 'backopper',
            BACKOPPER_DOCUMENT_NAME: 'Backopper-Backup',
            BACKOPPER_TIMEZONE: 'Europe/Amsterdam',
            BACKOPPER_BACKUP_WINDOW: '01:00-05:00',
            BACKOPPER_EXECUTION_TIMEOUT: '14400',
            BACKOPPER_ENVIRONMENTS: JSON.stringify([
              { name: 'staging', tagKey: 'backopper:environment', tagValue: 'staging' },
              { name: 'live', tagKey: 'backopper:environment', tagValue: 'live' },
            ]),
            BACKOPPER_SCHEDULE_ROLE_ARN: Match.anyValue(),
            BACKOPPER_DEAD_LETTER_ARN: Match.anyValue(),
            BACKOPPER_COMMAND_LOG_GROUP: Match.anyValue(),
          }),
        },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    });

    it('runs every 15 minutes and once on deploy', () => {
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
      template.resourceCountIs('Custom::Trigger', 1);
    });
  });

  describe('published CLI settings', () => {
    // CloudFormation values as text: a Ref or GetAtt becomes <LogicalId> / <LogicalId.Attribute>.
    const render = (value: unknown): string => {
      if (typeof value === 'string') return value;
      const node = value as Record<string, any>;
      if ('Ref' in node) return `<${String(node.Ref)}>`;
      if ('Fn::GetAtt' in node) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
      if ('Fn::Join' in node) return (node['Fn::Join'][1] as unknown[]).map(render).join(node['Fn::Join'][0] as string);
      throw new Error(`cannot render ${JSON.stringify(value)}`);
    };

    it("are one parameter /backopper/<stack>/settings holding the sync function's variables, the bucket and the region", () => {
      const parameters = Object.values(
        template.findResources('AWS::SSM::Parameter', { Properties: { Name: '/backopper/Backopper/settings' } }),
      );
      expect(parameters).toHaveLength(1);
      const properties = parameters[0]!.Properties as { Type: string; Tier: string; Value: unknown };
      expect([properties.Type, properties.Tier]).toEqual(['String', 'Intelligent-Tiering']);
      const published = JSON.parse(render(properties.Value)) as {
        format: number;
        stack: string;
        region: string;
        variables: Record<string, string>;
      };
      expect([published.format, published.stack, published.region]).toEqual([1, 'Backopper', '<AWS::Region>']);
      const sync = Object.values(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: { BACKOPPER_SCHEDULE_ROLE_ARN: Match.anyValue() } } },
        }),
      );
      expect(sync).toHaveLength(1);
      const variables = (sync[0]!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
        .Variables;
      const rendered = Object.fromEntries(
        Object.entries(variables)
          .filter(([name]) => name.startsWith('BACKOPPER_'))
          .map(([name, value]) => [name, render(value)]),
      );
      const bucket = Object.keys(template.findResources('AWS::S3::Bucket')).filter((id) =>
        id.startsWith('BackupsBucket'),
      );
      expect(bucket).toHaveLength(1);
      expect(published.variables).toEqual({ ...rendered, BACKOPPER_BUCKET: `<${bucket[0]}>` });
      // `backopper logs` and `run --follow` read the commands' output from this group.
      const outputGroup = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((id) =>
        id.startsWith('CommandsOutput'),
      );
      expect(outputGroup).toHaveLength(1);
      expect(published.variables.BACKOPPER_COMMAND_LOG_GROUP).toBe(`<${outputGroup[0]}>`);
      template.hasOutput('SettingsParameter', { Value: { Ref: Match.anyValue() } });
    });
  });

  describe('schedules', () => {
    it("have their own group and an execution role only the account's Scheduler can assume", () => {
      template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'backopper' });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
            }),
          ],
        },
      });
    });

    it('may send only the backup document, only to servers with an environment tag', () => {
      const sends = statementsOf(template).filter(({ statement }) =>
        list(statement.Action).includes('ssm:SendCommand'),
      );
      const resources = JSON.stringify(sends.map(({ statement }) => statement.Resource));
      expect(resources).toContain('document/Backopper-Backup');
      for (const { statement } of sends) {
        const resource = JSON.stringify(statement.Resource);
        if (resource.includes('instance/*')) {
          expect(statement.Condition).toEqual({
            StringEquals: { 'ssm:resourceTag/backopper:environment': ['staging', 'live'] },
          });
        } else {
          expect(resource).toContain('document/Backopper-Backup');
        }
      }
    });

    it('have an encrypted, TLS-only dead-letter queue that the role may send to', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
      const sends = statementsOf(template).filter(({ statement }) =>
        list(statement.Action).includes('sqs:SendMessage'),
      );
      expect(sends.length).toBeGreaterThan(0);
    });
  });

  describe('least privilege', () => {
    it('grants no wildcard S3 action and no s3:DeleteObject* to anyone', () => {
      const allowed = statementsOf(template).filter(({ statement }) => statement.Effect === 'Allow');
      const s3Actions = allowed
        .flatMap(({ statement }) => list(statement.Action))
        .filter((action) => action.startsWith('s3:') || action === '*');
      expect(s3Actions.filter((action) => action.includes('*'))).toEqual([]);
      expect(s3Actions.filter((action) => /^s3:Delete/.test(action))).toEqual([]);
    });

    it('gives iam:PassRole to the sync function only, for the schedule role only, toward the schedule service only', () => {
      const passes = statementsOf(template).filter(({ statement }) =>
        list(statement.Action).some((action) => action.startsWith('iam:Pass')),
      );
      expect(passes).toHaveLength(1);
      const [pass] = passes;
      expect(pass?.owner).toMatch(/^SyncRole/);
      expect(pass?.statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SchedulesRole/), 'Arn'] });
      expect(pass?.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    });

    it('lets the sync function touch only schedules in its own group', () => {
      const writes = statementsOf(template).filter(({ statement }) =>
        list(statement.Action).includes('scheduler:DeleteSchedule'),
      );
      expect(writes).toHaveLength(1);
      expect(JSON.stringify(writes[0]?.statement.Resource)).toContain(':schedule/backopper/*');
    });
  });

  describe('server policies', () => {
    it('are one managed policy per environment that adds dumps under that environment only', () => {
      template.resourceCountIs('AWS::IAM::ManagedPolicy', 2);
      for (const environment of ['staging', 'live']) {
        template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
          Description: Match.stringLikeRegexp(`the ${environment} servers`),
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Sid: 'UploadDumps',
                Effect: 'Allow',
                Action: Match.arrayWith(['s3:PutObject']),
                Resource: {
                  'Fn::Join': [
                    '',
                    [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupsBucket'), 'Arn'] }, `/*/${environment}/*`],
                  ],
                },
              }),
            ]),
          },
        });
      }
    });

    it('may tag what they create, never re-tag a backup that has its tier (which would shorten its life)', () => {
      const servers = statementsOf(template).filter(({ type }) => type === 'AWS::IAM::ManagedPolicy');
      const upload = servers.find(({ statement }) => statement.Sid === 'UploadDumps')!.statement;
      expect(list(upload.Action)).toContain('s3:PutObjectTagging');
      const retag = servers
        .filter(({ statement }) => statement.Sid === 'NeverRetagBackups')
        .map(({ statement }) => statement);
      expect(retag.length).toBeGreaterThan(0);
      for (const statement of retag) {
        expect(statement).toMatchObject({
          Effect: 'Deny',
          Action: 's3:PutObjectTagging',
          Condition: { Null: { 's3:ExistingObjectTag/backopper:tier': 'false' } },
        });
      }
      const denied = servers
        .filter(({ statement }) => statement.Effect === 'Deny')
        .flatMap(({ statement }) => list(statement.Action));
      expect(denied).toContain('s3:PutObjectVersionTagging');
      const allowed = servers
        .filter(({ statement }) => statement.Effect === 'Allow')
        .flatMap(({ statement }) => list(statement.Action));
      expect(allowed.filter((action) => /Tagging/.test(action))).toEqual(
        servers.filter(({ statement }) => statement.Sid === 'UploadDumps').map(() => 's3:PutObjectTagging'),
      );
    });

    it('deny deleting, unlocking or reconfiguring the backups, and read the media key', () => {
      const servers = statementsOf(template).filter(({ type }) => type === 'AWS::IAM::ManagedPolicy');
      const denied = servers
        .filter(({ statement }) => statement.Effect === 'Deny')
        .flatMap(({ statement }) => list(statement.Action));
      for (const action of [
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:PutObjectRetention',
        's3:BypassGovernanceRetention',
        's3:PutLifecycleConfiguration',
      ]) {
        expect(denied).toContain(action);
      }
      const reads = servers.filter(({ statement }) => statement.Sid === 'ReadBackupSecrets');
      expect(JSON.stringify(reads[0]?.statement.Resource)).toContain(':parameter/backopper/media-ssh-key');
      const bundle = servers.filter(({ statement }) => statement.Sid === 'ReadAgentBundle');
      expect(JSON.stringify(bundle[0]?.statement)).toContain('.js');
    });
  });

  describe('alerts', () => {
    it('e-mail the configured addresses through an encrypted topic', () => {
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('queue failed, timed out, cancelled and undeliverable runs (per server and per command) of the backup document', () => {
      for (const detailType of [
        'EC2 Command Invocation Status-change Notification',
        'EC2 Command Status-change Notification',
      ]) {
        template.hasResourceProperties('AWS::Events::Rule', {
          EventPattern: {
            source: ['aws.ssm'],
            'detail-type': [detailType],
            detail: {
              // The weekly drills (on by default) alert on failure like the backups.
              'document-name': ['Backopper-Backup', 'Backopper-Verify'],
              status: ['Failed', 'TimedOut', 'Cancelled', 'Undeliverable'],
            },
          },
          Targets: [
            Match.objectLike({
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsFailureEvents'), 'Arn'] },
              DeadLetterConfig: Match.anyValue(),
            }),
          ],
        });
      }
    });

    it('hand the queue to the describer in batches (one message per environment), which publishes to the topic', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsFailureEvents'), 'Arn'] },
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 120,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ BACKOPPER_ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^AlertsTopic') } }),
        },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
        VisibilityTimeout: 360,
      });
      template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    });

    it('alarm on sync errors, the dead-letter queue, the describer and the freshness check, into the topic', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      });
    });
  });

  describe('audit trail and dashboard', () => {
    it('keeps the command output and every run status, and counts succeeded and failed backups', () => {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        MetricTransformations: [Match.objectLike({ MetricName: 'BackupsSucceeded', MetricNamespace: 'Backopper' })],
      });
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        MetricTransformations: [Match.objectLike({ MetricName: 'BackupsFailed', MetricNamespace: 'Backopper' })],
      });
      expect(JSON.stringify(template.findResources('AWS::Logs::ResourcePolicy'))).toContain('events.amazonaws.com');
    });

    it('shows backups per day, sync errors and the dead-letter depth on one dashboard', () => {
      const dashboard = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
      // Backups per day come from the run records (RunsSucceeded): SSM's Success count includes servers that skipped.
      for (const text of [
        'Backups per day',
        'RunsSucceeded',
        'RunsFailed',
        'BackupsFailed',
        'Errors',
        'ApproximateNumberOfMessagesVisible',
      ])
        expect(dashboard).toContain(text);
    });
  });
  describe('a deploy never deletes schedules', () => {
    it('keeps the schedule group through a failed deploy-time sync, an update that replaces it and cdk destroy', () => {
      const groups = template.findResources('AWS::Scheduler::ScheduleGroup');
      expect(Object.values(groups)).toEqual([
        expect.objectContaining({
          DeletionPolicy: 'RetainExceptOnCreate',
          UpdateReplacePolicy: 'Retain',
          Properties: { Name: 'backopper' },
        }),
      ]);
    });

    it('still reports a failed deploy-time sync (the trigger waits for the sync, so the deploy fails and says why)', () => {
      template.hasResourceProperties('Custom::Trigger', { InvocationType: 'RequestResponse' });
    });
  });
});

describe('the Backopper stack with the rules backend and Object Lock', () => {
  let synthesized: Synthesized;
  let template: Template;
  beforeAll(() => {
    const config = exampleConfig();
    Object.assign(config.schedule as object, { backend: 'rules' });
    Object.assign(config.bucket as object, { objectLock: { mode: 'COMPLIANCE', days: 14 } });
    synthesized = synthesize(config);
    template = synthesized.template;
  });
  afterAll(() => synthesized?.remove());

  it('locks every new dump for the configured days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 14 } },
      },
    });
  });

  it('lets EventBridge rules assume the schedule role and dead-letter into the queue, with no schedule group', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' }),
        ]),
      },
    });
  });

  it('lets the sync function manage only backopper- rules and pass the role only to EventBridge', () => {
    const statements = statementsOf(template);
    const writes = statements.filter(({ statement }) => list(statement.Action).includes('events:PutRule'));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.statement.Resource)).toContain(':rule/backopper-*');
    expect(
      statements.some(({ statement }) => list(statement.Action).some((action) => action.startsWith('scheduler:'))),
    ).toBe(false);
    const pass = statements.find(({ statement }) => list(statement.Action).includes('iam:PassRole'));
    expect(pass?.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'events.amazonaws.com' } });
  });
});
