/**
 * A stateful in-memory SSM Parameter Store (GetParameter only) behind aws-sdk-client-mock. A
 * SecureString is returned in clear only with WithDecryption, like the service.
 */
import { GetParameterCommand, type GetParameterRequest, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { CallCounter } from './call-counter';

/** The fake Parameter Store. `install()` routes every SSMClient#send to it. */
export class FakeSsm {
  readonly parameters = new Map<string, { type: 'String' | 'SecureString'; value: string }>();
  readonly calls = new CallCounter([]);
  protected mock: AwsClientStub<SSMClient> | undefined;

  /** Stores a parameter. */
  put(name: string, value: string, type: 'String' | 'SecureString' = 'SecureString'): this {
    this.parameters.set(name, { type, value });
    return this;
  }

  /** Mocks SSMClient (every instance) with this fake. */
  install(): this {
    const mock = mockClient(SSMClient);
    mock.send.callsFake(async (command: { constructor: { name: string } }) => {
      throw new Error(`FakeSsm: unexpected ${command.constructor.name}`);
    });
    mock.on(GetParameterCommand).callsFake(async (input: GetParameterRequest) => {
      this.calls.record('GetParameter');
      const parameter = this.parameters.get(input.Name as string);
      if (!parameter) throw new ParameterNotFound({ message: `Parameter ${input.Name} not found.`, $metadata: {} });
      const clear = parameter.type === 'String' || input.WithDecryption === true;
      const value = clear ? parameter.value : `AQICAHh${Buffer.from(parameter.value).toString('base64')}`;
      return { Parameter: { Name: input.Name, Type: parameter.type, Value: value, Version: 1 } };
    });
    this.mock = mock;
    return this;
  }

  /** Undoes `install()`. */
  restore(): void {
    this.mock?.restore();
    this.mock = undefined;
  }
}
