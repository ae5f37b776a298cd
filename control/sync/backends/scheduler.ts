/**
 * The EventBridge Scheduler adapter: schedules live in Backopper's own schedule group, and within it
 * only names under `backopper-<environment>-` whose description carries the marker are managed.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleOutput,
  paginateListSchedules,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { createAwsClient } from '../../aws-clients';
import { settleConcurrently } from '../../concurrency';
import { describeError, ScheduleWriteError } from '../../errors';
import { environmentPrefix, parseManagedMarker } from '../../../common/schedule-name';
import { schedulerDefinition, type SchedulerSettings, scheduleRequest } from './scheduler-definition';
import type { ActualSchedule, DesiredSchedule, ManagedListing, ScheduleBackend } from './types';

/** Options of {@link createSchedulerBackend}. */
export interface SchedulerBackendOptions extends SchedulerSettings {
  /** @default createAwsClient(SchedulerClient) */
  client?: SchedulerClient;
  /** Parallel GetSchedule calls while listing. @default 8 */
  concurrency?: number;
}

/** Creates the Scheduler backend. */
export function createSchedulerBackend(options: SchedulerBackendOptions): ScheduleBackend {
  const client = options.client ?? createAwsClient(SchedulerClient);
  const settings: SchedulerSettings = {
    groupName: options.groupName,
    roleArn: options.roleArn,
    deadLetterArn: options.deadLetterArn,
  };
  const GroupName = options.groupName;

  const read = async (name: string): Promise<GetScheduleOutput | undefined> => {
    try {
      return await client.send(new GetScheduleCommand({ Name: name, GroupName }));
    } catch (error) {
      if (isNotFound(error)) return undefined; // deleted since it was listed
      throw new ScheduleWriteError({ schedule: name, action: 'read', problem: describeError(error), cause: error });
    }
  };

  return {
    kind: 'scheduler',
    describe(spec) {
      return { name: spec.name, app: spec.app, spec, definition: schedulerDefinition(scheduleRequest(spec, settings)) };
    },
    async list(environment): Promise<ManagedListing> {
      const names: string[] = [];
      const pages = paginateListSchedules(
        { client, pageSize: 100 },
        { GroupName, NamePrefix: environmentPrefix(environment) },
      );
      for await (const page of pages)
        for (const summary of page.Schedules ?? []) if (summary.Name) names.push(summary.Name);
      const results = await settleConcurrently(names, options.concurrency ?? 8, read);
      const listing: ManagedListing = { managed: [], foreign: [] };
      results.forEach((result, index) => {
        if (result.status === 'rejected') throw result.reason;
        const schedule = result.value;
        if (!schedule) return;
        const marker = parseManagedMarker(schedule.Description);
        if (marker?.environment === environment) {
          listing.managed.push({
            name: names[index] as string,
            app: marker.app,
            definition: schedulerDefinition(schedule),
          });
        } else {
          listing.foreign.push(names[index] as string);
        }
      });
      return listing;
    },
    async create(desired) {
      await write(desired.name, 'create', () =>
        client.send(new CreateScheduleCommand(scheduleRequest(desired.spec, settings))),
      );
    },
    async update(desired: DesiredSchedule) {
      const request = scheduleRequest(desired.spec, settings);
      try {
        await client.send(new UpdateScheduleCommand(request));
      } catch (error) {
        // Deleted by hand between listing and now: create it again.
        if (!isNotFound(error)) throw wrap(desired.name, 'update', error);
        await write(desired.name, 'create', () => client.send(new CreateScheduleCommand(request)));
      }
    },
    async remove(actual: ActualSchedule) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: actual.name, GroupName }));
      } catch (error) {
        if (!isNotFound(error)) throw wrap(actual.name, 'delete', error); // already gone is fine
      }
    },
  };

  async function write(
    name: string,
    action: ScheduleWriteError['action'],
    send: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await send();
    } catch (error) {
      throw wrap(name, action, error);
    }
  }
}

function wrap(schedule: string, action: ScheduleWriteError['action'], error: unknown): ScheduleWriteError {
  return new ScheduleWriteError({ schedule, action, problem: describeError(error), cause: error });
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'ResourceNotFoundException';
}
