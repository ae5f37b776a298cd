/**
 * EventBridge Scheduler shapes, pure: the CreateSchedule/UpdateSchedule request for a spec, and the
 * canonical definition of a desired or existing schedule (the planner compares these).
 */
import type { CreateScheduleInput, GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { canonicalize, canonicalJsonText } from '../canonical';
import type { CommandSpec, ScheduleSpec } from '../desired-schedules';
import { cronExpression } from '../slots';
import type { Definition } from './types';

/** The universal target that calls SSM SendCommand with the schedule's `Input` as the request. */
export const SEND_COMMAND_TARGET_ARN = 'arn:aws:scheduler:::aws-sdk:ssm:sendCommand';

/** How Scheduler retries a failed SendCommand: for up to an hour, three times. */
export const SCHEDULER_RETRY_POLICY = { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 };

/** Account-level settings of the Scheduler backend. */
export interface SchedulerSettings {
  groupName: string;
  roleArn: string;
  deadLetterArn: string | undefined;
}

/** The SSM SendCommand request a schedule sends (the universal target's `Input`). */
export function sendCommandRequest(command: CommandSpec): Record<string, unknown> {
  return {
    DocumentName: command.documentName,
    Targets: command.targets.map((target) => ({ Key: target.key, Values: target.values })),
    Parameters: Object.fromEntries(Object.entries(command.parameters).map(([key, value]) => [key, [value]])),
    MaxConcurrency: command.maxConcurrency,
    MaxErrors: command.maxErrors,
    TimeoutSeconds: command.deliveryTimeoutSeconds,
    CloudWatchOutputConfig: {
      CloudWatchOutputEnabled: true,
      ...(command.logGroupName ? { CloudWatchLogGroupName: command.logGroupName } : {}),
    },
    Comment: command.comment,
  };
}

/** The full CreateSchedule (and UpdateSchedule) request for a spec: every field set explicitly. */
export function scheduleRequest(spec: ScheduleSpec, settings: SchedulerSettings): CreateScheduleInput {
  return {
    Name: spec.name,
    GroupName: settings.groupName,
    Description: spec.description,
    ScheduleExpression: cronExpression(spec.timing),
    ScheduleExpressionTimezone: spec.timeZone,
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'NONE',
    Target: {
      Arn: SEND_COMMAND_TARGET_ARN,
      RoleArn: settings.roleArn,
      Input: JSON.stringify(sendCommandRequest(spec.command)),
      RetryPolicy: SCHEDULER_RETRY_POLICY,
      ...(settings.deadLetterArn ? { DeadLetterConfig: { Arn: settings.deadLetterArn } } : {}),
    },
  };
}

/**
 * The canonical definition of a schedule as GetSchedule returns it (or as we would create it): every
 * field a person could edit by hand, so any drift shows up as a difference.
 */
export function schedulerDefinition(schedule: GetScheduleOutput | CreateScheduleInput): Definition {
  const target = schedule.Target;
  const definition = canonicalize({
    groupName: schedule.GroupName,
    description: schedule.Description,
    scheduleExpression: schedule.ScheduleExpression,
    scheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
    state: schedule.State,
    flexibleTimeWindow: schedule.FlexibleTimeWindow,
    actionAfterCompletion: schedule.ActionAfterCompletion,
    startDate: schedule.StartDate,
    endDate: schedule.EndDate,
    kmsKeyArn: schedule.KmsKeyArn,
    target: target && {
      ...target,
      Input: canonicalJsonText(target.Input),
    },
  });
  return definition as Definition;
}
