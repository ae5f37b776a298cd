/**
 * A stateful in-memory EventBridge (rules and targets) at the SDK's deserialize step: PutRule replaces a
 * rule, DeleteRule refuses a rule that still has targets, PutTargets needs an existing rule, name
 * rules, a rules-per-bus quota, small pages with NextToken, injected throttling.
 */
import {
  type DeleteRuleRequest,
  EventBridgeClient,
  LimitExceededException,
  type ListRulesRequest,
  type ListRulesResponse,
  type ListTargetsByRuleRequest,
  type ListTargetsByRuleResponse,
  type PutRuleRequest,
  type PutTargetsRequest,
  type RemoveTargetsRequest,
  ResourceNotFoundException,
  type Rule,
  type Target,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { CallCounter, copy, decodeToken, encodeToken, isValidScheduleExpression, Throttle } from './call-counter';
import { errorDetails as details, InstallableFake } from './sdk-boundary';

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const ACCOUNT = 'arn:aws:events:eu-west-1:123456789012';

/** A stored rule and its targets. */
export interface StoredRule {
  rule: Rule;
  targets: Map<string, Target>;
}

/** Options of the fake. */
export interface FakeEventBridgeOptions {
  /** Largest page of ListRules / ListTargetsByRule. @default 7 */
  pageSize?: number;
  /** Throttle every n-th call. @default 0 (never) */
  throttleEvery?: number;
  /** Rules per bus (AWS default 300, adjustable; tests with thousands of apps raise it). @default 10000 */
  ruleLimit?: number;
}

// EventBridge models no ValidationException; the service answers 400 with this code.
class ValidationException extends Error {
  override name = 'ValidationException';
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400 };
}

/** The fake EventBridge. `install()` routes every EventBridgeClient to it. */
export class FakeEventBridge extends InstallableFake {
  readonly name = 'FakeEventBridge';
  readonly buses = new Map<string, Map<string, StoredRule>>([['default', new Map()]]);
  readonly calls = new CallCounter(['PutRule', 'PutTargets', 'RemoveTargets', 'DeleteRule']);
  readonly throttle: Throttle;
  private readonly pageSize: number;
  private readonly ruleLimit: number;

  constructor(options: FakeEventBridgeOptions = {}) {
    super(EventBridgeClient);
    this.pageSize = options.pageSize ?? 7;
    this.ruleLimit = options.ruleLimit ?? 10_000;
    this.throttle = new Throttle(options.throttleEvery ?? 0);
  }

  /** One attempt of `command`, as the service would answer it (each attempt counted, throttled or not). */
  answer(command: string, input: any): unknown {
    const handlers: Record<string, (() => unknown) | undefined> = {
      PutRule: () => this.putRule(input as PutRuleRequest),
      PutTargets: () => this.putTargets(input as PutTargetsRequest),
      RemoveTargets: () => this.removeTargets(input as RemoveTargetsRequest),
      DeleteRule: () => this.deleteRule(input as DeleteRuleRequest),
      ListRules: () => this.listRules(input as ListRulesRequest),
      ListTargetsByRule: () => this.listTargets(input as ListTargetsByRuleRequest),
    };
    const run = handlers[command];
    if (!run) throw new Error(`FakeEventBridge: unexpected ${command}Command`);
    return this.handle(command, run);
  }

  /** The stored rule and targets (copies), or undefined. */
  rule(name: string, bus = 'default'): { rule: Rule; targets: Target[] } | undefined {
    const found = this.buses.get(bus)?.get(name);
    return found && copy({ rule: found.rule, targets: [...found.targets.values()] });
  }

  /** Rule names on a bus, sorted. */
  names(bus = 'default'): string[] {
    return [...(this.buses.get(bus)?.keys() ?? [])].sort();
  }

  /** Changes a stored rule directly, as a person in the console would. */
  edit(name: string, change: (stored: StoredRule) => void, bus = 'default'): void {
    const stored = this.buses.get(bus)?.get(name);
    if (!stored) throw new Error(`FakeEventBridge.edit: no rule ${name}`);
    change(stored);
  }

  /** Adds a rule with targets directly (someone else's), bypassing the call counts. */
  seed(rule: PutRuleRequest, targets: Target[] = []): void {
    this.putRule(rule);
    if (targets.length) this.putTargets({ Rule: rule.Name, EventBusName: rule.EventBusName, Targets: targets });
  }

  private handle<T>(command: string, run: () => T): T {
    this.calls.record(command);
    if (this.throttle.hit(command)) {
      this.calls.recordThrottled(command);
      throw new ThrottlingException(details('Rate exceeded', 400));
    }
    return copy(run());
  }

  private bus(name: string | undefined): Map<string, StoredRule> {
    const bus = this.buses.get(name ?? 'default');
    if (!bus) throw new ResourceNotFoundException(details(`Event bus ${name} does not exist.`, 400));
    return bus;
  }

  private stored(rule: string | undefined, bus: string | undefined): StoredRule {
    const stored = this.bus(bus).get(rule as string);
    if (!stored)
      throw new ResourceNotFoundException(details(`Rule ${rule} does not exist on EventBus ${bus ?? 'default'}.`, 400));
    return stored;
  }

  private putRule(input: PutRuleRequest): { RuleArn: string } {
    if (!input.Name || !NAME.test(input.Name))
      throw new ValidationException(`Rule name ${JSON.stringify(input.Name)} is not valid.`);
    if (input.ScheduleExpression !== undefined && !isValidScheduleExpression(input.ScheduleExpression)) {
      throw new ValidationException(`Parameter ScheduleExpression is not valid: ${input.ScheduleExpression}`);
    }
    if ((input.Description?.length ?? 0) > 512) throw new ValidationException('Description longer than 512');
    const bus = this.bus(input.EventBusName);
    const existing = bus.get(input.Name);
    if (!existing && bus.size >= this.ruleLimit) {
      throw new LimitExceededException(
        details(`The requested resource exceeds the maximum number allowed (${this.ruleLimit}).`, 400),
      );
    }
    const busName = input.EventBusName ?? 'default';
    const arn = `${ACCOUNT}:rule/${busName === 'default' ? '' : `${busName}/`}${input.Name}`;
    // PutRule replaces the rule: fields left out are cleared. Targets stay.
    const rule: Rule = {
      Name: input.Name,
      Arn: arn,
      ScheduleExpression: input.ScheduleExpression,
      EventPattern: input.EventPattern,
      State: input.State ?? 'ENABLED',
      Description: input.Description,
      RoleArn: input.RoleArn,
      EventBusName: busName,
    };
    bus.set(input.Name, { rule: copy(rule), targets: existing?.targets ?? new Map() });
    return { RuleArn: arn };
  }

  private putTargets(input: PutTargetsRequest): { FailedEntryCount: number; FailedEntries: [] } {
    const stored = this.stored(input.Rule, input.EventBusName);
    const targets = input.Targets ?? [];
    if (targets.length < 1 || targets.length > 10) throw new ValidationException('Targets must have 1 to 10 entries.');
    for (const target of targets) {
      if (!target.Id || !NAME.test(target.Id) || !target.Arn)
        throw new ValidationException(`Target ${target.Id}: Id and Arn are required.`);
      if (target.Input !== undefined) {
        if (target.Input.length > 8192) throw new ValidationException('Input is longer than 8192 characters.');
        checkJson(target.Input);
      }
      if (target.Arn.includes(':document/')) {
        const runTargets = target.RunCommandParameters?.RunCommandTargets ?? [];
        if (!target.RoleArn) throw new ValidationException('RoleArn is required for a Run Command target.');
        if (runTargets.length < 1 || runTargets.length > 5)
          throw new ValidationException('RunCommandTargets must have 1 to 5 entries.');
      }
    }
    const ids = new Set([...stored.targets.keys(), ...targets.map((target) => target.Id as string)]);
    if (ids.size > 5) throw new LimitExceededException(details('A rule can have at most 5 targets.', 400));
    for (const target of targets) stored.targets.set(target.Id as string, copy(target));
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  private removeTargets(input: RemoveTargetsRequest): { FailedEntryCount: number; FailedEntries: [] } {
    const stored = this.stored(input.Rule, input.EventBusName);
    for (const id of input.Ids ?? []) stored.targets.delete(id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  private deleteRule(input: DeleteRuleRequest): Record<string, never> {
    const bus = this.bus(input.EventBusName);
    const stored = bus.get(input.Name as string);
    if (!stored) return {}; // DeleteRule of a missing rule succeeds
    if (stored.targets.size > 0) throw new ValidationException("Rule can't be deleted since it has targets.");
    bus.delete(input.Name as string);
    return {};
  }

  private listRules(input: ListRulesRequest): ListRulesResponse {
    const rules = [...this.bus(input.EventBusName).values()]
      .map((stored) => stored.rule)
      .filter((rule) => !input.NamePrefix || rule.Name?.startsWith(input.NamePrefix))
      .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    const page = this.page(rules, input.Limit, input.NextToken, `rules|${input.EventBusName}|${input.NamePrefix}`);
    return { Rules: page.items, NextToken: page.next };
  }

  private listTargets(input: ListTargetsByRuleRequest): ListTargetsByRuleResponse {
    const targets = [...this.stored(input.Rule, input.EventBusName).targets.values()];
    const page = this.page(targets, input.Limit, input.NextToken, `targets|${input.EventBusName}|${input.Rule}`);
    return { Targets: page.items, NextToken: page.next };
  }

  private page<T>(items: T[], limit: number | undefined, token: string | undefined, scope: string) {
    if (limit !== undefined && (limit < 1 || limit > 100)) throw new ValidationException('Limit must be 1-100.');
    const offset = token === undefined ? 0 : decodeToken(token, scope);
    if (offset === undefined) throw new ValidationException('The NextToken is not valid.');
    const end = offset + Math.min(limit ?? 100, this.pageSize);
    return { items: items.slice(offset, end), next: end < items.length ? encodeToken(end, scope) : undefined };
  }
}

function checkJson(text: string): void {
  try {
    JSON.parse(text);
  } catch {
    throw new ValidationException('Input is not valid JSON.');
  }
}
