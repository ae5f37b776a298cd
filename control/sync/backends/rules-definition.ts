/**
 * EventBridge rules shapes, pure: the PutRule and PutTargets requests for a spec (cron in UTC, the SSM
 * Run Command target), and the canonical definition the planner compares.
 */
import type { PutRuleRequest, Rule, Target } from '@aws-sdk/client-eventbridge';
import { canonicalize, canonicalJsonText } from '../canonical';
import type { ScheduleSpec } from '../desired-schedules';
import { cronExpression, toUtcTiming } from '../slots';
import type { Definition } from './types';

/** The Id of the one target a managed rule has. */
export const RULE_TARGET_ID = 'backopper-backup';

/** How EventBridge retries a failed Run Command delivery: for up to an hour, three times. */
export const RULE_RETRY_POLICY = { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 };

/** Account-level settings of the rules backend. */
export interface RulesSettings {
  eventBusName: string;
  documentArn: string;
  roleArn: string;
  deadLetterArn: string | undefined;
}

/** The rule and its target for a spec; the local slot is converted to UTC with today's offset (`at`). */
export function ruleRequests(
  spec: ScheduleSpec,
  settings: RulesSettings,
  at: Date,
): { rule: PutRuleRequest; target: Target } {
  const utc = toUtcTiming(spec.timing, spec.timeZone, at);
  return {
    rule: {
      Name: spec.name,
      EventBusName: settings.eventBusName,
      ScheduleExpression: cronExpression(utc),
      State: 'ENABLED',
      Description: spec.description,
    },
    target: {
      Id: RULE_TARGET_ID,
      // The configured ARN names the backup document; a restore check runs its own document, same account.
      Arn: settings.documentArn.replace(/document\/[^/]+$/, `document/${spec.command.documentName}`),
      RoleArn: settings.roleArn,
      // Run Command targets take the document parameters as {"name": ["value"]}.
      Input: JSON.stringify(
        Object.fromEntries(Object.entries(spec.command.parameters).map(([key, value]) => [key, [value]])),
      ),
      RunCommandParameters: {
        RunCommandTargets: spec.command.targets.map((target) => ({ Key: target.key, Values: target.values })),
      },
      RetryPolicy: RULE_RETRY_POLICY,
      ...(settings.deadLetterArn ? { DeadLetterConfig: { Arn: settings.deadLetterArn } } : {}),
    },
  };
}

/** The rule-level part of a definition (what PutRule sets). */
export function ruleDefinition(rule: Rule | PutRuleRequest): Definition {
  return canonicalize({
    description: rule.Description,
    scheduleExpression: rule.ScheduleExpression,
    eventPattern: rule.EventPattern,
    roleArn: rule.RoleArn,
    state: rule.State,
  }) as Definition;
}

/** The target-level part of a definition (what PutTargets sets), sorted by Id. */
export function targetsDefinition(targets: readonly Target[]): Definition[] {
  return [...targets]
    .sort((a, b) => String(a.Id).localeCompare(String(b.Id)))
    .map((target) => canonicalize({ ...target, Input: canonicalJsonText(target.Input) }) as Definition);
}

/** The full canonical definition: rule plus targets. */
export function rulesDefinition(rule: Rule | PutRuleRequest, targets: readonly Target[]): Definition {
  return { rule: ruleDefinition(rule), targets: targetsDefinition(targets) };
}
