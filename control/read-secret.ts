/**
 * Reads the app-list API secret from SSM Parameter Store (a SecureString, decrypted), once per run.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsClient } from './aws-clients';
import { describeError, SecretUnavailableError } from './errors';

/** Options of {@link readApiSecret}. */
export interface ReadSecretOptions {
  parameterName: string;
  /** @default createAwsClient(SSMClient) */
  client?: SSMClient;
}

/** Returns the decrypted value of the parameter; throws {@link SecretUnavailableError} (never with the value). */
export async function readApiSecret(options: ReadSecretOptions): Promise<string> {
  const client = options.client ?? createAwsClient(SSMClient);
  let value: string | undefined;
  try {
    const output = await client.send(new GetParameterCommand({ Name: options.parameterName, WithDecryption: true }));
    value = output.Parameter?.Value;
  } catch (error) {
    throw new SecretUnavailableError(options.parameterName, `could not be read (${describeError(error)})`, error);
  }
  if (!value) throw new SecretUnavailableError(options.parameterName, 'is empty');
  return value;
}
