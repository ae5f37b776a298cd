/**
 * A stateful in-memory SSM Parameter Store (GetParameter), Inventory (GetInventory, see
 * fake-inventory.ts) and managed-instance registry (DescribeInstanceInformation) at the SDK's
 * deserialize step. A SecureString is returned in clear only with WithDecryption, like the service.
 * DescribeInstanceInformation answers as AWS documents it: MaxResults 5-50 (ValidationException
 * otherwise), the `InstanceIds` filter (at most 50 values), PingStatus Online / ConnectionLost /
 * Inactive, and no entry for an instance never registered or deregistered (terminated long enough).
 */
import {
  type DescribeInstanceInformationRequest,
  type GetParameterRequest,
  type InstanceInformation,
  InvalidInstanceInformationFilterValue,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { CallCounter } from './call-counter';
import { FakeInventory } from './fake-inventory';
import { errorDetails, InstallableFake } from './sdk-boundary';

/** The fake Parameter Store. `install()` routes every SSMClient to it. */
export class FakeSsm extends InstallableFake {
  readonly name: string = 'FakeSsm';
  readonly parameters = new Map<string, { type: 'String' | 'SecureString'; value: string }>();
  readonly calls = new CallCounter([]);
  readonly inventory = new FakeInventory();
  /** Managed instances by id: what DescribeInstanceInformation lists. */
  readonly managed = new Map<string, InstanceInformation>();

  constructor() {
    super(SSMClient);
  }

  /** Stores a parameter. */
  put(name: string, value: string, type: 'String' | 'SecureString' = 'SecureString'): this {
    this.parameters.set(name, { type, value });
    return this;
  }

  /** Registers (or updates) a managed instance: `Online` unless said otherwise. */
  manage(instanceId: string, info: { pingStatus?: string; computerName?: string } = {}): this {
    const known = this.managed.get(instanceId);
    this.managed.set(instanceId, {
      InstanceId: instanceId,
      PingStatus: (info.pingStatus ?? known?.PingStatus ?? 'Online') as InstanceInformation['PingStatus'],
      ComputerName: info.computerName ?? known?.ComputerName ?? `ip-10-0-0-${this.managed.size + 1}.ec2.internal`,
      ResourceType: 'EC2Instance',
      PlatformType: 'Linux',
    });
    return this;
  }

  /** One attempt of `command`, as the service would answer it. */
  answer(command: string, input: any): unknown {
    if (command === 'DescribeInstanceInformation') {
      this.calls.record('DescribeInstanceInformation');
      return this.describeInstances(input as DescribeInstanceInformationRequest);
    }
    if (command === 'GetInventory') {
      this.calls.record('GetInventory');
      return this.inventory.getInventory(input);
    }
    if (command !== 'GetParameter') throw new Error(`${this.name}: unexpected ${command}Command`);
    this.calls.record('GetParameter');
    const request = input as GetParameterRequest;
    const parameter = this.parameters.get(request.Name as string);
    if (!parameter) throw new ParameterNotFound(errorDetails(`Parameter ${request.Name} not found.`, 400));
    const clear = parameter.type === 'String' || request.WithDecryption === true;
    const value = clear ? parameter.value : `AQICAHh${Buffer.from(parameter.value).toString('base64')}`;
    return { Parameter: { Name: request.Name, Type: parameter.type, Value: value, Version: 1 } };
  }

  private describeInstances(input: DescribeInstanceInformationRequest) {
    const max = input.MaxResults ?? 50;
    if (max < 5 || max > 50)
      throw Object.assign(new Error(`Value '${max}' at 'maxResults' failed to satisfy constraint`), {
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    let ids: string[] | undefined;
    for (const filter of input.Filters ?? []) {
      if (filter.Key !== 'InstanceIds') continue;
      if ((filter.Values ?? []).length > 50 || (filter.Values ?? []).length === 0)
        throw new InvalidInstanceInformationFilterValue(errorDetails('1 to 50 instance ids', 400));
      ids = filter.Values;
    }
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const matching = [...this.managed.values()]
      .filter((info) => !ids || ids.includes(info.InstanceId ?? ''))
      .sort((a, b) => (a.InstanceId ?? '').localeCompare(b.InstanceId ?? ''));
    const page = matching.slice(start, start + max).map((info) => structuredClone(info));
    const next = start + max < matching.length ? String(start + max) : undefined;
    return { InstanceInformationList: page, ...(next ? { NextToken: next } : {}) };
  }
}
