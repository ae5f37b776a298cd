/**
 * Turns the SDK's errors into one line a person can act on: what failed and the likely fix
 * (credentials: which profile and `aws sso login`; region; the bucket by name; permissions; throttling).
 * Never an error class name: our own errors and Node's say what and where in their message; an AWS
 * service error is named by the code AWS documents. Pure.
 */
/** `env`: the variables the CLI runs with (AWS_PROFILE names the profile in the hint). */
export function explainError(error: unknown, env: Record<string, string | undefined>): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const profile = env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE;
  const login = `aws sso login${profile ? ` --profile ${profile}` : ''}`;
  const which = profile ? `profile ${profile}` : 'no AWS_PROFILE set (the default profile)';
  if (/region is missing/i.test(message)) {
    return `no AWS region: set one for the profile (aws configure set region <region>${profile ? ` --profile ${profile}` : ''}) or set AWS_REGION`;
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return `no AWS credentials (${which}): run \`${login}\` for an SSO profile, or set AWS_PROFILE to a profile in ~/.aws/config`;
  }
  if (/sso session .*expired|token (?:is|has) expired|ExpiredToken/i.test(`${name} ${message}`)) {
    return `the AWS session has expired (${which}): run \`${login}\``;
  }
  if (
    ['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(
      name,
    )
  ) {
    return `AWS rejected the credentials (${which}): ${message} (run \`${login}\` or fix the access keys)`;
  }
  if (name === 'NoSuchBucket') {
    const bucket = (error as { BucketName?: string }).BucketName;
    return `bucket ${bucket ?? '(unnamed)'} does not exist in this account: check BACKOPPER_BUCKET / --bucket / the stack's BucketName output`;
  }
  if (['AccessDenied', 'AccessDeniedException'].includes(name)) {
    return `access denied (${which}): ${message}`;
  }
  const unreachable = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(
    message,
  );
  if (unreachable)
    return `cannot reach AWS (${message}): check the network connection, the region and any AWS_ENDPOINT_URL* variable`;
  if (isAwsServiceError(error)) {
    if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(name))
      return `AWS is throttling the requests (${name}: ${message}): wait a minute and run it again`;
    return `AWS answered ${name}: ${message || '(no message)'}`;
  }
  if (message) return message;
  return `unexpected error${name && name !== 'Error' ? ` (${name})` : ''} without a message: run it again with BACKOPPER_DEBUG=1 for the stack`;
}

// What the SDK throws for an answer from AWS (a ServiceException says whose fault it was); network
// errors carry $metadata too, but no $fault.
function isAwsServiceError(error: unknown): error is Error {
  return error instanceof Error && typeof (error as { $fault?: unknown }).$fault === 'string';
}
