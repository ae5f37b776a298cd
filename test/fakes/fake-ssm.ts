/**
 * A stateful in-memory SSM Parameter Store (GetParameter) and Inventory (GetInventory, see
 * fake-inventory.ts) at the SDK's deserialize step. A SecureString is returned in clear only with
 * WithDecryption, like the service.
 */
import { type GetParameterRequest, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { CallCounter } from './call-counter';
import { FakeInventory } from './fake-inventory';
import { errorDetails, InstallableFake } from './sdk-boundary';

/** The fake Parameter Store. `install()` routes every SSMClient to it. */
export class FakeSsm extends InstallableFake {
  readonly name: string = 'FakeSsm';
  readonly parameters = new Map<string, { type: 'String' | 'SecureString'; value: string }>();
  readonly calls = new CallCounter([]);
  readonly inventory = new FakeInventory();

  constructor() {
    super(SSMClient);
  }

  /** Stores a parameter. */
  put(name: string, value: string, type: 'String' | 'SecureString' = 'SecureString'): this {
    this.parameters.set(name, { type, value });
    return this;
  }

  /** One attempt of `command`, as the service would answer it. */
  answer(command: string, input: any): unknown {
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
}
