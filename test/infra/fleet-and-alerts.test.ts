/**
 * The stack's fleet inventory (documents and State Manager associations per environment), the sync's
 * right to read it, and the optional Slack channel, synthesized with cdk-nag on.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentBundle } from '../../infra/constructs/agent-bundle';
import { InventoryCollection } from '../../infra/constructs/inventory-collection';
import { exampleConfig, type Synthesized, synthesize } from './synth';

describe('the stack with a Slack channel for alerts', () => {
  let synthesized: Synthesized;
  let template: Template;
  beforeAll(() => {
    const config = exampleConfig();
    config.alerts = { ...(config.alerts as object), slack: { workspaceId: 'T0123ABCDE', channelId: 'C0123ABCDEF' } };
    synthesized = synthesize(config);
    template = synthesized.template;
  });
  afterAll(() => synthesized?.remove());

  it('posts the alert topic to the Slack channel through AWS Chatbot', () => {
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCDE',
      SlackChannelId: 'C0123ABCDEF',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
    });
  });

  it('has each environment report its apps daily, by tag, with the inventory document and the custom inventory gathered', () => {
    for (const environment of ['staging', 'live']) {
      template.hasResourceProperties('AWS::SSM::Association', {
        Name: 'Backopper-Inventory',
        AssociationName: `backopper-inventory-${environment}`,
        Targets: [{ Key: 'tag:backopper:environment', Values: [environment] }],
        Parameters: { environment: [environment] },
        ScheduleExpression: 'rate(1 day)',
        MaxConcurrency: '100%',
        MaxErrors: '100%',
      });
      template.hasResourceProperties('AWS::SSM::Association', {
        Name: 'AWS-GatherSoftwareInventory',
        Targets: [{ Key: 'tag:backopper:environment', Values: [environment] }],
        Parameters: Match.objectLike({ customInventory: ['Enabled'], applications: ['Disabled'] }),
      });
    }
    const document = Object.values(template.findResources('AWS::SSM::Document')).find(
      (resource) => resource.Properties.Name === 'Backopper-Inventory',
    );
    const script = JSON.stringify(document?.Properties.Content.mainSteps.at(-1).inputs.runCommand);
    expect(script).toContain('inventory --environment \\"$SSM_environment\\"');
    expect(script).not.toContain('aws ssm');
  });

  it('lets the sync read the inventory', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Sid?: string; Action: unknown; Resource: unknown }[],
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'ReadServerInventory',
        Action: ['ssm:GetInventory', 'ssm:DescribeInstanceInformation'],
        Resource: '*',
      }),
    );
  });
});

describe('InventoryCollection without its own gather association', () => {
  it('creates only the inventory writers (the fleet keeps its own AWS-GatherSoftwareInventory association)', () => {
    const stack = new Stack(new App(), 'Inventory');
    new InventoryCollection(stack, 'Inventory', {
      bundle: new AgentBundle(stack, 'Agent'),
      agent: { appsDir: '/srv/apps', backupsDir: '/opt/backups', keepLocal: 5, maxPendingUploads: 30 },
      environments: [{ name: 'live', tagKey: 'backopper:environment', tagValue: 'live' }],
      gather: false,
    });
    const associations = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Association')).map(
      (resource) => resource.Properties.Name,
    );
    expect(associations).toEqual(['Backopper-Inventory']);
  });
});
