import { validateAppName, validateEnvironment } from '../../common/app-spec';
import { parseCommandArgs, UsageError } from './types';

/**
 * Parses `<environment> <app>` plus options for the commands that act on one app's backups; the bucket
 * comes from `--bucket` or BACKOPPER_BUCKET. Throws UsageError naming what is wrong.
 */
export function parseTargetArgs(args: string[], env: NodeJS.ProcessEnv, flags: { booleans?: string[]; strings?: string[] }) {
  const options: Record<string, { type: 'string' | 'boolean' }> = { bucket: { type: 'string' } };
  for (const name of flags.booleans ?? []) options[name] = { type: 'boolean' };
  for (const name of flags.strings ?? []) options[name] = { type: 'string' };
  const parsed = parseCommandArgs({ args, options, allowPositionals: true, strict: true });
  const [environment, app, ...extra] = parsed.positionals;
  if (!environment || !app || extra.length > 0) throw new UsageError('expected <environment> <app>');
  try {
    validateEnvironment(environment);
    validateAppName(app);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const bucket = (values.bucket as string | undefined) ?? env.BACKOPPER_BUCKET;
  if (!bucket) throw new UsageError('no bucket: set BACKOPPER_BUCKET or pass --bucket');
  return { environment, app, bucket, values };
}
