/**
 * The freshness monitor's drill settings in the synthesized stack: with drills off (cdk.json
 * `verify.enabled: false`) the monitor is told so and the dashboard has no drill widgets; with them on,
 * the monitor may read the drill records it judges (and cdk-nag accepts the grant).
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfig, type Synthesized, synthesize } from './synth';

describe('the freshness monitor with drills off', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    const config = exampleConfig();
    config.verify = { enabled: false };
    synthesized = synthesize(config);
  });
  afterAll(() => synthesized?.remove());

  it('tells the monitor drills are off and draws no drill widgets, cdk-nag clean', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Backopper: daily check'),
      Environment: { Variables: Match.objectLike({ BACKOPPER_DRILLS_ENABLED: 'false' }) },
    });
    expect(
      Object.keys(template.findResources('AWS::SSM::Document', { Properties: { Name: 'Backopper-Verify' } })),
    ).toEqual([]);
    const dashboard = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard).toContain('FreshnessStale');
    expect(dashboard).not.toContain('Drill');
    const annotations = Annotations.fromStack(synthesized.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});
