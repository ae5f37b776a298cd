/**
 * Reads one app's backup schedule by its deterministic name, from whichever backend the sync uses,
 * and checks it is Backopper's (the marker names this environment and app).
 */
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { createAwsClient } from '../../control/aws-clients';
import { listRuleTargets } from '../../control/sync/backends/rules';
import { rulesDefinition } from '../../control/sync/backends/rules-definition';
import { schedulerDefinition } from '../../control/sync/backends/scheduler-definition';
import { parseManagedMarker, scheduleName } from '../../common/schedule-name';
import type { OversightConfig } from '../status/config';
import { readScheduleFacts, type ScheduleFacts } from '../status/schedule-facts';

/** Clients of {@link readAppSchedule}. */
export interface ReadScheduleDependencies {
  scheduler?: SchedulerClient;
  eventBridge?: EventBridgeClient;
}

/** The app's managed backup schedule, or undefined when there is none (or it is not Backopper's). */
export async function readAppSchedule(input: {
  config: OversightConfig;
  environment: string;
  app: string;
  deps: ReadScheduleDependencies;
}): Promise<ScheduleFacts | undefined> {
  const { config, environment, app, deps } = input;
  const name = scheduleName(environment, app);
  const owned = (description: string | undefined) => {
    const marker = parseManagedMarker(description);
    return marker?.environment === environment && marker.app === app;
  };
  if (config.backend === 'scheduler') {
    const client = deps.scheduler ?? createAwsClient(SchedulerClient);
    let schedule;
    try {
      schedule = await client.send(new GetScheduleCommand({ Name: name, GroupName: config.scheduleGroup }));
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
    if (!owned(schedule.Description)) return undefined;
    return readScheduleFacts({ kind: 'scheduler', name, environment, app, definition: schedulerDefinition(schedule) });
  }
  const client = deps.eventBridge ?? createAwsClient(EventBridgeClient);
  const EventBusName = config.eventBusName;
  const rules = await client.send(new ListRulesCommand({ EventBusName, NamePrefix: name, Limit: 100 }));
  const rule = rules.Rules?.find((candidate) => candidate.Name === name);
  if (!rule || !owned(rule.Description)) return undefined;
  const targets = await listRuleTargets(client, name, EventBusName);
  return readScheduleFacts({ kind: 'rules', name, environment, app, definition: rulesDefinition(rule, targets) });
}
