/**
 * The EventBridge rules adapter (for accounts that choose rules over Scheduler): one scheduled rule per
 * app with one SSM Run Command target. Rules share the event bus with everything else in the account,
 * so a rule is managed only with the `backopper-<environment>-` prefix AND the marker description.
 */
import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Rule,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { canonicalJson } from '../canonical';
import { createAwsClient } from '../../aws-clients';
import { settleConcurrently } from '../../concurrency';
import { describeError, ScheduleWriteError } from '../../errors';
import { environmentPrefix, parseManagedMarker } from '../../../common/schedule-name';
import {
  ruleDefinition,
  ruleRequests,
  rulesDefinition,
  type RulesSettings,
  targetsDefinition,
} from './rules-definition';
import type { ActualSchedule, DesiredSchedule, ManagedListing, ScheduleBackend } from './types';

/** Options of {@link createRulesBackend}. */
export interface RulesBackendOptions extends RulesSettings {
  /** @default createAwsClient(EventBridgeClient) */
  client?: EventBridgeClient;
  /** The clock used to convert local slots to UTC. @default () => new Date() */
  now?: () => Date;
  /** Parallel ListTargetsByRule calls while listing. @default 8 */
  concurrency?: number;
}

// @aws-sdk/client-eventbridge has no paginators (its model marks no operation as paginated), so the two
// listings below follow NextToken themselves.

/** Every target of a rule, all pages. */
export async function listRuleTargets(
  client: EventBridgeClient,
  rule: string,
  eventBusName: string | undefined,
): Promise<Target[]> {
  const targets: Target[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListTargetsByRuleCommand({ Rule: rule, EventBusName: eventBusName, NextToken }));
    targets.push(...(page.Targets ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return targets;
}

/** Creates the EventBridge rules backend. */
export function createRulesBackend(options: RulesBackendOptions): ScheduleBackend {
  const client = options.client ?? createAwsClient(EventBridgeClient);
  const now = options.now ?? (() => new Date());
  const EventBusName = options.eventBusName;

  const putRule = async (desired: DesiredSchedule) => {
    const { rule, target } = ruleRequests(desired.spec, options, now());
    await client.send(new PutRuleCommand(rule));
    return target;
  };

  const putTarget = async (name: string, target: Target) => {
    const result = await client.send(new PutTargetsCommand({ Rule: name, EventBusName, Targets: [target] }));
    const failure = result.FailedEntries?.[0];
    if ((result.FailedEntryCount ?? 0) > 0)
      throw new Error(`PutTargets failed: ${failure?.ErrorCode}: ${failure?.ErrorMessage}`);
  };

  const removeTargets = async (name: string, ids: string[]) => {
    if (ids.length === 0) return;
    const result = await client.send(new RemoveTargetsCommand({ Rule: name, EventBusName, Ids: ids }));
    const failure = result.FailedEntries?.[0];
    if ((result.FailedEntryCount ?? 0) > 0)
      throw new Error(`RemoveTargets failed: ${failure?.ErrorCode}: ${failure?.ErrorMessage}`);
  };

  return {
    kind: 'rules',
    describe(spec) {
      const { rule, target } = ruleRequests(spec, options, now());
      return { name: spec.name, app: spec.app, spec, definition: rulesDefinition(rule, [target]) };
    },
    async list(environment): Promise<ManagedListing> {
      const rules: Rule[] = [];
      let NextToken: string | undefined;
      do {
        const page = await client.send(
          new ListRulesCommand({ EventBusName, NamePrefix: environmentPrefix(environment), Limit: 100, NextToken }),
        );
        rules.push(...(page.Rules ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      const listing: ManagedListing = { managed: [], foreign: [] };
      const mine = rules.filter((rule) => {
        const ours = parseManagedMarker(rule.Description)?.environment === environment;
        if (!ours && rule.Name) listing.foreign.push(rule.Name);
        return ours && rule.Name;
      });
      const results = await settleConcurrently(mine, options.concurrency ?? 8, (rule) =>
        listRuleTargets(client, rule.Name as string, EventBusName),
      );
      results.forEach((result, index) => {
        const rule = mine[index] as Rule;
        if (result.status === 'rejected') {
          if (isNotFound(result.reason)) return; // deleted since it was listed
          throw wrap(rule.Name as string, 'read', result.reason);
        }
        const app = parseManagedMarker(rule.Description)?.app as string;
        listing.managed.push({ name: rule.Name as string, app, definition: rulesDefinition(rule, result.value) });
      });
      return listing;
    },
    async create(desired) {
      try {
        await putTarget(desired.name, await putRule(desired));
      } catch (error) {
        throw wrap(desired.name, 'create', error);
      }
    },
    async update(desired, actual) {
      try {
        const { rule, target } = ruleRequests(desired.spec, options, now());
        if (canonicalJson(ruleDefinition(rule)) !== canonicalJson(actual.definition.rule)) await putRule(desired);
        const current = (actual.definition.targets ?? []) as { Id?: string }[];
        const wanted = targetsDefinition([target]);
        if (canonicalJson(current.filter((t) => t.Id === target.Id)) !== canonicalJson(wanted)) {
          await putTarget(desired.name, target);
        }
        // Targets added by hand to a managed rule are removed: the rule runs backups, nothing else.
        await removeTargets(
          desired.name,
          current.map((t) => String(t.Id)).filter((id) => id !== target.Id),
        );
      } catch (error) {
        throw wrap(desired.name, 'update', error);
      }
    },
    async remove(actual: ActualSchedule) {
      try {
        const targets = (actual.definition.targets ?? []) as { Id?: string }[];
        await removeTargets(
          actual.name,
          targets.map((t) => String(t.Id)),
        );
        await client.send(new DeleteRuleCommand({ Name: actual.name, EventBusName }));
      } catch (error) {
        if (!isNotFound(error)) throw wrap(actual.name, 'delete', error);
      }
    },
  };
}

function wrap(schedule: string, action: ScheduleWriteError['action'], error: unknown): ScheduleWriteError {
  if (error instanceof ScheduleWriteError) return error;
  return new ScheduleWriteError({ schedule, action, problem: describeError(error), cause: error });
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'ResourceNotFoundException';
}
