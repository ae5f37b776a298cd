/**
 * What a managed schedule says, read back from either backend's canonical definition: its expression,
 * time zone and state, and the exact SSM SendCommand it sends. Pure.
 */
import type { Json } from '../../control/sync/canonical';
import type { Definition } from '../../control/sync/backends/types';

/** The SendCommand request a schedule sends (what `backopper run` sends now). */
export interface SendCommandRequest {
  DocumentName: string;
  Targets: { Key: string; Values: string[] }[];
  Parameters: Record<string, string[]>;
  TimeoutSeconds?: number;
  CloudWatchOutputConfig?: { CloudWatchOutputEnabled?: boolean; CloudWatchLogGroupName?: string };
  Comment?: string;
}

/** One schedule, as status and run need it. */
export interface ScheduleFacts {
  name: string;
  environment: string;
  app: string;
  expression: string;
  /** IANA zone of the expression (always UTC for EventBridge rules). */
  timeZone: string;
  /** `ENABLED` or `DISABLED`. */
  state: string;
  /** When a rate schedule started counting, if known. */
  startDate: Date | undefined;
  request: SendCommandRequest;
}

type JsonObject = { [key: string]: Json };
const object = (value: Json | undefined): JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
const text = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

/** Thrown when a definition does not have the shape Backopper writes (edited by hand beyond repair). */
export class UnreadableScheduleError extends Error {
  override name = 'UnreadableScheduleError';
}

/** Reads a Scheduler definition (schedulerDefinition) or a rules definition (rulesDefinition). */
export function readScheduleFacts(input: {
  kind: 'scheduler' | 'rules';
  name: string;
  environment: string;
  app: string;
  definition: Definition;
}): ScheduleFacts {
  const { definition } = input;
  const base = { name: input.name, environment: input.environment, app: input.app };
  if (input.kind === 'scheduler') {
    const target = object(definition.target);
    const request = object(target.Input) as unknown as SendCommandRequest;
    if (typeof request.DocumentName !== 'string' || !Array.isArray(request.Targets)) {
      throw new UnreadableScheduleError(`schedule ${input.name}: its target input is not an SSM SendCommand request`);
    }
    const start = text(definition.startDate);
    return {
      ...base,
      expression: text(definition.scheduleExpression) ?? '',
      timeZone: text(definition.scheduleExpressionTimezone) ?? 'UTC',
      state: text(definition.state) ?? 'ENABLED',
      startDate: start ? new Date(start) : undefined,
      request,
    };
  }
  const rule = object(definition.rule);
  const targets = Array.isArray(definition.targets) ? definition.targets.map(object) : [];
  const target = targets[0];
  const documentName = /:document\/(.+)$/.exec(text(target?.Arn) ?? '')?.[1];
  const listed = object(target?.RunCommandParameters).RunCommandTargets;
  const runTargetList = Array.isArray(listed) ? listed.map(object) : [];
  if (!target || !documentName)
    throw new UnreadableScheduleError(`rule ${input.name}: it has no SSM Run Command target`);
  return {
    ...base,
    expression: text(rule.scheduleExpression) ?? '',
    timeZone: 'UTC',
    state: text(rule.state) ?? 'ENABLED',
    startDate: undefined,
    // A Run Command rule target sends the document, the targets and the parameters (its Input), nothing else.
    request: {
      DocumentName: documentName,
      Targets: runTargetList.map((entry) => ({
        Key: text(entry.Key) ?? '',
        Values: Array.isArray(entry.Values) ? entry.Values.map(String) : [],
      })),
      Parameters: object(target.Input) as unknown as Record<string, string[]>,
    },
  };
}
