/**
 * Reads the app-list API secret from SSM Parameter Store (a SecureString, decrypted), once per run.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describeError, SecretUnavailableError } from './errors';
import { type RetryOptions, retryThrottled } from './retry';

/** Options of {@link readApiSecret}. */
export interface ReadSecretOptions {
  parameterName: string;
  /** @default new SSMClient({}) */
  client?: SSMClient;
  retry?: RetryOptions;
}

/** Returns the decrypted value of the parameter; throws {@link SecretUnavailableError} (never with the value). */
export async function readApiSecret(options: ReadSecretOptions): Promise<string> {
  const client = options.client ?? new SSMClient({});
  let value: string | undefined;
  try {
    const output = await retryThrottled(
      () => client.send(new GetParameterCommand({ Name: options.parameterName, WithDecryption: true })),
      options.retry,
    );
    value = output.Parameter?.Value;
  } catch (error) {
    throw new SecretUnavailableError(options.parameterName, `could not be read (${describeError(error)})`, error);
  }
  if (!value) throw new SecretUnavailableError(options.parameterName, 'is empty');
  return value;
}
