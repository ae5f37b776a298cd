import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../infra/config';
import { VERIFY_DOCUMENT_PARAMETER_PATTERNS } from '../../infra/constructs/verify-document';
import { parseBackupWindow } from '../../common/settings/rules';
import { buildVerifySchedules } from '../../control/sync/desired-schedules';
import { exampleConfig, type Synthesized, synthesize } from './synth';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function problemsOf(change: (config: Record<string, unknown>) => void): string[] {
  const config = exampleConfig();
  change(config);
  try {
    parseConfig(config);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('freshness and verify settings', () => {
  it('default to a daily freshness check at 06:00 UTC and weekly restore drills', () => {
    const config = parseConfig(exampleConfig());
    expect(config.freshness).toEqual({ enabled: true, hourUtc: 6 });
    expect(config.verify).toEqual({
      enabled: true,
      weeklyDay: 'SUN',
      window: '06:00-08:00',
      adminUrlParameter: undefined,
      executionTimeoutSeconds: 3600,
    });
  });

  it.each([
    [
      (c: Record<string, unknown>) => void (c.freshness = { hourUtc: 24 }),
      'backopper.freshness.hourUtc: 24 is not a whole number from 0 to 23',
    ],
    [
      (c: Record<string, unknown>) => void (c.freshness = { enabled: 'yes' }),
      'backopper.freshness.enabled: expected true or false, got "yes"',
    ],
    [
      (c: Record<string, unknown>) => void (c.verify = { enabled: true, weeklyDay: 'Caturday' }),
      'backopper.verify.weeklyDay: "Caturday" is not a day of the week (SUN..SAT or sunday..saturday)',
    ],
    [
      (c: Record<string, unknown>) => void (c.verify = { window: '6-8' }),
      'backopper.verify.window: "6-8" is not a window like 01:00-05:00 (HH:MM-HH:MM from 00:00 to 23:59, start != end)',
    ],
    [
      (c: Record<string, unknown>) => void (c.verify = { adminUrlParameter: 'not a name' }),
      'backopper.verify.adminUrlParameter: "not a name" is not an SSM parameter name',
    ],
    [
      (c: Record<string, unknown>) => void (c.verify = { executionTimeoutSeconds: 10 }),
      'backopper.verify.executionTimeoutSeconds: expected a whole number from 60 to 172800, got 10',
    ],
  ])('refuses a bad value, naming the key (%#)', (change, problem) => {
    expect(problemsOf(change)).toEqual([problem]);
  });

  it('restore-check schedules send parameters the Backopper-Verify document accepts', () => {
    const specs = buildVerifySchedules(
      [
        { name: `_${'x'.repeat(63)}`, frequency: 'hourly', engine: 'postgres', projectType: 'laravel' },
        { name: 'v1.2-shop', frequency: 'daily', engine: 'mysql', projectType: 'wordpress' },
      ],
      {
        environment: { name: `E${'e'.repeat(31)}`, tagKey: 'backopper:environment', tagValue: 'live' },
        timeZone: 'UTC',
        window: parseBackupWindow('06:00-08:00'),
        weeklyDay: 'SUN',
        documentName: 'Backopper-Verify',
        executionTimeoutSeconds: 172_800,
        deliveryTimeoutSeconds: 600,
        logGroupName: undefined,
      },
    );
    expect(specs).toHaveLength(2);
    for (const spec of specs) {
      expect(Object.keys(spec.command.parameters).sort()).toEqual(
        Object.keys(VERIFY_DOCUMENT_PARAMETER_PATTERNS).sort(),
      );
      for (const [name, value] of Object.entries(spec.command.parameters)) {
        expect(value).toMatch(
          new RegExp(VERIFY_DOCUMENT_PARAMETER_PATTERNS[name as keyof typeof VERIFY_DOCUMENT_PARAMETER_PATTERNS]),
        );
      }
    }
  });
});

describe('the stack with the freshness monitor and restore checks on', () => {
  let synthesized: Synthesized;
  let template: Template;
  let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const logicalId = (type: string, pattern: RegExp) =>
    Object.keys(resources).find((id) => resources[id]?.Type === type && pattern.test(id)) as string;

  beforeAll(() => {
    const config = exampleConfig();
    config.freshness = { hourUtc: 5 };
    config.verify = {
      enabled: true,
      weeklyDay: 'SAT',
      window: '07:00-09:00',
      adminUrlParameter: '/backopper/verify-admin-url',
    };
    synthesized = synthesize(config);
    template = synthesized.template;
    resources = template.toJSON().Resources as typeof resources;
  });
  afterAll(() => synthesized?.remove());

  it('passes the cdk-nag AwsSolutions checks with no unacknowledged finding, error or warning', () => {
    const annotations = Annotations.fromStack(synthesized.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('runs the freshness function daily at the configured hour with the bucket, topic and API settings', () => {
    const fn = logicalId('AWS::Lambda::Function', /^FreshnessFunction/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          BACKOPPER_BUCKET: { Ref: logicalId('AWS::S3::Bucket', /^BackupsBucket/) },
          BACKOPPER_ALERT_TOPIC_ARN: { Ref: logicalId('AWS::SNS::Topic', /^AlertsTopic/) },
          BACKOPPER_API_SECRET_PARAMETER: '/backopper/api-secret',
          BACKOPPER_ENVIRONMENTS: Match.stringLikeRegexp('"name":"live"'),
          // Drills are on by default (verify.enabled): the monitor alerts on failed and overdue ones.
          BACKOPPER_DRILLS_ENABLED: 'true',
        }),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 5 * * ? *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
      AlarmActions: [{ Ref: logicalId('AWS::SNS::Topic', /^AlertsTopic/) }],
    });
    const dashboard = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const metric of [
      'FreshnessStale',
      'FreshnessMissing',
      'FreshnessShrunk',
      'FreshnessErrors',
      'FreshnessAppsChecked',
      'DrillsFailed',
      'DrillsOverdue',
      'DrillAgeHours',
    ])
      expect(dashboard).toContain(metric);
  });

  it("lets the freshness function list the bucket, read the run records, the API secret and the servers' inventory and publish the alert, and nothing else", () => {
    const role = logicalId('AWS::IAM::Role', /^FreshnessRole/);
    const policies = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(resource.Properties.Roles) === JSON.stringify([{ Ref: role }]),
    );
    const statements = policies.flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    const actions = statements.flatMap((statement) => list(statement.Action)).sort();
    expect(actions).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        'sns:Publish',
        'ssm:DescribeParameters',
        'ssm:GetParameter',
        'ssm:GetParameterHistory',
        'ssm:GetParameters',
        'ssm:GetInventory',
        'ssm:DescribeInstanceInformation',
      ].sort(),
    );
    const resourceOf = (action: string) =>
      statements.find((statement) => list(statement.Action).includes(action))?.Resource;
    expect(resourceOf('s3:ListBucket')).toEqual({
      'Fn::GetAtt': [logicalId('AWS::S3::Bucket', /^BackupsBucket/), 'Arn'],
    });
    // Objects: the run and drill records only (`<app>/<environment>/{runs,drills}/*.json`), never a dump.
    const objects = (suffix: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId('AWS::S3::Bucket', /^BackupsBucket/), 'Arn'] }, suffix]],
    });
    expect(resourceOf('s3:GetObject')).toEqual([objects('/*/runs/*.json'), objects('/*/drills/*.json')]);
    expect(resourceOf('sns:Publish')).toEqual({ Ref: logicalId('AWS::SNS::Topic', /^AlertsTopic/) });
    expect(resourceOf('kms:Decrypt')).toEqual({ 'Fn::GetAtt': [logicalId('AWS::KMS::Key', /^AlertsTopicKey/), 'Arn'] });
    expect(JSON.stringify(resourceOf('ssm:GetParameter'))).toContain(':parameter/backopper/api-secret');
    // GetInventory and DescribeInstanceInformation have no resource-level permissions; everything else is scoped.
    expect(statements.filter((statement) => statement.Resource === '*').map((statement) => statement.Action)).toEqual([
      ['ssm:GetInventory', 'ssm:DescribeInstanceInformation'],
    ]);
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
  });

  it('adds the Backopper-Verify document, which skips servers without the app and fetches the admin URL', () => {
    const documents = Object.values(template.findResources('AWS::SSM::Document')) as {
      Properties: {
        Name: string;
        Content: {
          parameters: Record<string, { allowedPattern: string }>;
          mainSteps: { name: string; inputs: { runCommand?: string[] } }[];
        };
      };
    }[];
    const verify = documents.find((document) => document.Properties.Name === 'Backopper-Verify')?.Properties.Content;
    expect(documents.map((document) => document.Properties.Name).sort()).toEqual([
      'Backopper-Backup',
      'Backopper-Inventory',
      'Backopper-RestoreMedia',
      'Backopper-Verify',
    ]);
    expect(verify?.mainSteps.map((step) => step.name)).toEqual(['checkApp', 'downloadAgent', 'runAgent']);
    expect(
      Object.fromEntries(Object.entries(verify?.parameters ?? {}).map(([name, spec]) => [name, spec.allowedPattern])),
    ).toEqual(VERIFY_DOCUMENT_PARAMETER_PATTERNS);
    const script = (verify?.mainSteps.find((step) => step.name === 'runAgent')?.inputs.runCommand ?? []).join('\n');
    expect(script).toContain('if [ ! -d "$BACKOPPER_APPS_DIR/$SSM_app" ]; then');
    expect(script).toContain(
      '"$node" "$work/backopper-agent.js" drill --app "$SSM_app" --environment "$SSM_environment" --rotate',
    );
    expect(script).toContain("--name '/backopper/verify-admin-url' --with-decryption");
  });

  it('lets the schedules run it, the sync schedule it weekly, the servers read the admin URL, and alerts on its failures', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'RunTheBackupDocument',
            Resource: [
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':document/Backopper-Backup'])] }),
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':document/Backopper-Verify'])] }),
            ],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          BACKOPPER_VERIFY_DOCUMENT_NAME: 'Backopper-Verify',
          BACKOPPER_VERIFY_DAY: 'SAT',
          BACKOPPER_VERIFY_WINDOW: '07:00-09:00',
          BACKOPPER_VERIFY_EXECUTION_TIMEOUT: '3600',
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadBackupSecrets',
            Resource: Match.arrayWith([
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':parameter/backopper/verify-admin-url'])] }),
            ]),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ 'document-name': ['Backopper-Backup', 'Backopper-Verify'] }),
      }),
    });
  });
});
