import { validateAppName, validateEnvironment } from '../../common/app-spec';
import { createS3Client } from '../recovery/s3-client';
import { listAppEnvironments } from '../recovery/stored-backups';
import type { S3Client } from '@aws-sdk/client-s3';
import { type CliContext, NotFoundError, parseCommandArgs, UsageError } from './types';

/**
 * Parses `<environment> <app>` plus options for the commands that act on one app's backups. Throws
 * UsageError naming what is wrong. The bucket (`--bucket`, else BACKOPPER_BUCKET, else the stack's)
 * is resolved by {@link targetBucket}, after every flag is checked.
 */
export function parseTargetArgs(
  args: string[],
  _env: NodeJS.ProcessEnv,
  flags: { booleans?: string[]; strings?: string[] },
) {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    bucket: { type: 'string' },
    json: { type: 'boolean' },
  };
  for (const name of flags.booleans ?? []) options[name] = { type: 'boolean' };
  for (const name of flags.strings ?? []) options[name] = { type: 'string' };
  const parsed = parseCommandArgs({ args, options, allowPositionals: true, strict: true });
  const { environment, app } = parseTargetPositionals(parsed.positionals);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return { environment, app, bucket: values.bucket as string | undefined, values };
}

/** `<environment> <app>`, each checked by the app list's own rules; throws UsageError naming what is wrong. */
export function parseTargetPositionals(positionals: readonly string[]): { environment: string; app: string } {
  if (positionals.length !== 2 || !positionals[0] || !positionals[1])
    throw new UsageError(`expected <environment> <app>, got ${positionals.length} argument(s)`);
  try {
    return { environment: validateEnvironment(positionals[0]), app: validateAppName(positionals[1]) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The bucket and S3 client of a target command: `--bucket`, else the settings' BACKOPPER_BUCKET. */
export async function targetBucket(
  flag: string | undefined,
  context: CliContext,
): Promise<{ bucket: string; s3: S3Client }> {
  const env = flag ? context.env : await context.settings(['BACKOPPER_BUCKET']);
  const bucket = flag ?? env.BACKOPPER_BUCKET;
  if (!bucket)
    throw new UsageError(
      'no bucket: pass --bucket, set BACKOPPER_BUCKET, or deploy the stack (its settings name the bucket)',
    );
  return { bucket, s3: context.deps.s3 ?? createS3Client(context.env) };
}

/**
 * For an app without backups in `environment`: throws NotFoundError (exit 3) when nothing at all is
 * stored for it (a typo), else returns where it does have objects, for the message.
 */
export async function requireKnownApp(s3: S3Client, bucket: string, app: string): Promise<string[]> {
  const environments = await listAppEnvironments(s3, bucket, app);
  if (environments.length === 0) {
    throw new NotFoundError(
      `no app ${app}: nothing is stored under s3://${bucket}/${app}/ (check the name; \`backopper status\` lists the apps)`,
    );
  }
  return environments;
}
