/**
 * A stateful in-memory EventBridge Scheduler at the SDK's deserialize step: schedule groups, name rules,
 * ConflictException on creating an existing name, ResourceNotFoundException on a missing one,
 * defaults filled in like the service, small pages with NextToken, injected throttling.
 */
import {
  ConflictException,
  type CreateScheduleInput,
  type DeleteScheduleInput,
  type GetScheduleInput,
  type GetScheduleOutput,
  type ListSchedulesInput,
  type ListSchedulesOutput,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { CallCounter, copy, decodeToken, encodeToken, isValidScheduleExpression, Throttle } from './call-counter';
import { InstallableFake } from './sdk-boundary';

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const ACCOUNT = 'arn:aws:scheduler:eu-west-1:123456789012';
// Scheduler exceptions carry both `message` and the service's `Message`, and the HTTP status.
const details = (message: string, httpStatusCode: number) => ({
  message,
  Message: message,
  $metadata: { httpStatusCode },
});

/** Options of the fake. */
export interface FakeSchedulerOptions {
  /** Largest page ListSchedules returns, whatever MaxResults asks. @default 7 */
  pageSize?: number;
  /** Throttle every n-th call. @default 0 (never) */
  throttleEvery?: number;
  /** Groups that exist besides `default`. @default ['backopper'] */
  groups?: string[];
}

/** The fake Scheduler. `install()` routes every SchedulerClient to it. */
export class FakeScheduler extends InstallableFake {
  readonly name = 'FakeScheduler';
  readonly groups = new Map<string, Map<string, GetScheduleOutput>>();
  readonly calls = new CallCounter(['CreateSchedule', 'UpdateSchedule', 'DeleteSchedule']);
  readonly throttle: Throttle;
  private readonly pageSize: number;

  constructor(options: FakeSchedulerOptions = {}) {
    super(SchedulerClient);
    this.pageSize = options.pageSize ?? 7;
    this.throttle = new Throttle(options.throttleEvery ?? 0);
    for (const group of ['default', ...(options.groups ?? ['backopper'])]) this.groups.set(group, new Map());
  }

  /** One attempt of `command`, as the service would answer it (each attempt counted, throttled or not). */
  answer(command: string, input: any): unknown {
    const handlers: Record<string, (() => unknown) | undefined> = {
      CreateSchedule: () => this.create(input as CreateScheduleInput),
      UpdateSchedule: () => this.update(input as CreateScheduleInput),
      DeleteSchedule: () => this.delete(input as DeleteScheduleInput),
      GetSchedule: () => this.get(input as GetScheduleInput),
      ListSchedules: () => this.list(input as ListSchedulesInput),
    };
    const run = handlers[command];
    if (!run) throw new Error(`FakeScheduler: unexpected ${command}Command`);
    return this.handle(command, run);
  }

  /** The stored schedule (a copy), or undefined. */
  schedule(name: string, group = 'backopper'): GetScheduleOutput | undefined {
    const found = this.groups.get(group)?.get(name);
    return found && copy(found);
  }

  /** Names in a group, sorted. */
  names(group = 'backopper'): string[] {
    return [...(this.groups.get(group)?.keys() ?? [])].sort();
  }

  /** Changes a stored schedule directly, as a person in the console would. */
  edit(name: string, change: (schedule: GetScheduleOutput) => void, group = 'backopper'): void {
    const schedule = this.groups.get(group)?.get(name);
    if (!schedule) throw new Error(`FakeScheduler.edit: no schedule ${group}/${name}`);
    change(schedule);
  }

  /** Adds a schedule directly (someone else's, or one made by hand), bypassing the call counts. */
  seed(input: CreateScheduleInput): void {
    this.create(input);
  }

  private handle<T>(command: string, run: () => T): T {
    this.calls.record(command);
    if (this.throttle.hit(command)) {
      this.calls.recordThrottled(command);
      throw new ThrottlingException(details('Rate exceeded', 429));
    }
    return copy(run());
  }

  private group(name: string | undefined): Map<string, GetScheduleOutput> {
    const group = this.groups.get(name ?? 'default');
    if (!group) throw new ResourceNotFoundException(details(`Schedule group ${name} does not exist.`, 404));
    return group;
  }

  private validate(input: CreateScheduleInput): void {
    const problems: string[] = [];
    if (!input.Name || !NAME.test(input.Name))
      problems.push(`Name ${JSON.stringify(input.Name)} must match [0-9a-zA-Z-_.]{1,64}`);
    if (!isValidScheduleExpression(input.ScheduleExpression))
      problems.push(`Invalid ScheduleExpression ${input.ScheduleExpression}`);
    if (input.ScheduleExpressionTimezone) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: input.ScheduleExpressionTimezone });
      } catch {
        problems.push(`Invalid ScheduleExpressionTimezone ${input.ScheduleExpressionTimezone}`);
      }
    }
    if ((input.Description?.length ?? 0) > 512) problems.push('Description longer than 512');
    if (!input.FlexibleTimeWindow?.Mode) problems.push('FlexibleTimeWindow is required');
    if (!input.Target?.Arn || !input.Target.RoleArn) problems.push('Target.Arn and Target.RoleArn are required');
    if (input.Target?.Input !== undefined) {
      try {
        JSON.parse(input.Target.Input);
      } catch {
        problems.push('Target.Input must be valid JSON for a universal target');
      }
    }
    if (problems.length) throw new ValidationException(details(problems.join('; '), 400));
  }

  // What the service stores: the request with its defaults filled in.
  private stored(input: CreateScheduleInput, created: Date): GetScheduleOutput {
    const fields = { ...input };
    delete fields.ClientToken;
    const groupName = input.GroupName ?? 'default';
    return copy({
      ...fields,
      GroupName: groupName,
      Arn: `${ACCOUNT}:schedule/${groupName}/${input.Name}`,
      State: input.State ?? 'ENABLED',
      ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
      Target: input.Target && {
        ...input.Target,
        RetryPolicy: input.Target.RetryPolicy ?? { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      },
      CreationDate: created,
      LastModificationDate: new Date(),
    });
  }

  private create(input: CreateScheduleInput): { ScheduleArn: string } {
    this.validate(input);
    const group = this.group(input.GroupName);
    if (group.has(input.Name as string)) {
      throw new ConflictException(details(`Schedule ${input.Name} already exists.`, 409));
    }
    const schedule = this.stored(input, new Date());
    group.set(input.Name as string, schedule);
    return { ScheduleArn: schedule.Arn as string };
  }

  private update(input: CreateScheduleInput): { ScheduleArn: string } {
    this.validate(input);
    const group = this.group(input.GroupName);
    const existing = group.get(input.Name as string);
    if (!existing) throw new ResourceNotFoundException(details(`Schedule ${input.Name} does not exist.`, 404));
    // UpdateSchedule replaces the whole definition: fields left out are cleared.
    const schedule = this.stored(input, existing.CreationDate as Date);
    group.set(input.Name as string, schedule);
    return { ScheduleArn: schedule.Arn as string };
  }

  private delete(input: DeleteScheduleInput): Record<string, never> {
    const group = this.group(input.GroupName);
    if (!group.delete(input.Name as string)) {
      throw new ResourceNotFoundException(details(`Schedule ${input.Name} does not exist.`, 404));
    }
    return {};
  }

  private get(input: GetScheduleInput): GetScheduleOutput {
    const schedule = this.group(input.GroupName).get(input.Name as string);
    if (!schedule) throw new ResourceNotFoundException(details(`Schedule ${input.Name} does not exist.`, 404));
    return schedule;
  }

  private list(input: ListSchedulesInput): ListSchedulesOutput {
    const max = input.MaxResults ?? 100;
    if (max < 1 || max > 100) throw new ValidationException(details('MaxResults must be 1-100', 400));
    const groups = input.GroupName
      ? [[input.GroupName, this.group(input.GroupName)] as const]
      : [...this.groups.entries()];
    const all = groups
      .flatMap(([, group]) => [...group.values()])
      .filter((schedule) => !input.NamePrefix || schedule.Name?.startsWith(input.NamePrefix))
      .filter((schedule) => !input.State || schedule.State === input.State)
      .sort((a, b) => `${a.GroupName}/${a.Name}`.localeCompare(`${b.GroupName}/${b.Name}`));
    const scope = `${input.GroupName}|${input.NamePrefix}|${input.State}`;
    const offset = input.NextToken === undefined ? 0 : decodeToken(input.NextToken, scope);
    if (offset === undefined) throw new ValidationException(details('Invalid NextToken', 400));
    const end = offset + Math.min(max, this.pageSize);
    return {
      Schedules: all.slice(offset, end).map((schedule) => ({
        Arn: schedule.Arn,
        Name: schedule.Name,
        GroupName: schedule.GroupName,
        State: schedule.State,
        CreationDate: schedule.CreationDate,
        LastModificationDate: schedule.LastModificationDate,
        Target: { Arn: schedule.Target?.Arn },
      })),
      NextToken: end < all.length ? encodeToken(end, scope) : undefined,
    };
  }
}
