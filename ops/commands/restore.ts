/**
 * `backopper restore <environment> <app>`: downloads a backup (the newest, or the newest at or before
 * `--at`), verifies its sha256 against the stored one, and optionally imports it into a database.
 */
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { countRows, importDump, listTables } from '../../agent';
import { formatBytes } from '../../common/format';
import { downloadBackup } from '../recovery/download-backup';
import { confirmationPrompt, resolveImportTarget } from '../recovery/import-target';
import { createProgress } from '../recovery/progress';
import { ARCHIVE_STORAGE_CLASSES, prepareArchived, THAW_TIERS, type ThawTier } from '../recovery/archive-tier';
import { runMediaRestore } from '../recovery/restore-media';
import { createS3Client } from '../recovery/s3-client';
import { chooseBackup, listStoredBackups, parseAt, readStoredChecksum } from '../recovery/stored-backups';
import { parseTargetArgs } from './target-args';
import { type CliCommand, UsageError } from './types';

const USAGE = `usage: backopper restore <environment> <app> [--at <time>] [--output <dir>] [--bucket <name>]
                         [--database-url <url> | --env-file <path>] [--yes] [--no-verify]
                         [--thaw [--thaw-days <n>] [--thaw-tier Standard|Bulk|Expedited]]
       backopper restore <environment> <app> --media [--at <time>] [--bucket <name>] [--timeout <seconds>]
  Downloads the newest backup (or the newest at or before --at: unix seconds or ISO 8601) into --output
  (default: the current folder), verifies its sha256, and with --database-url or --env-file imports it.
  A database that already has tables is replaced only with --yes or after typing its name.
  A backup in an archive storage class (GLACIER, DEEP_ARCHIVE) is not downloaded (exit 1); --thaw asks
  S3 for a temporary copy (default 7 days, Standard tier) and says how long it takes: run it again then.
  --media picks a media archive from the run records and has the app's server fetch it from the media
  server, verify its recorded sha256 and extract it beside the live media (SSM document
  Backopper-RestoreMedia; needs BACKOPPER_ENVIRONMENTS like \`backopper run\`).`;

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'Download a backup, verify its sha256, optionally import it into a database.',
  usage: USAGE,
  async run(args, context) {
    const { environment, app, bucket, values } = parseTargetArgs(args, context.env, {
      booleans: ['yes', 'no-verify', 'media', 'thaw'],
      strings: ['at', 'output', 'database-url', 'env-file', 'thaw-days', 'thaw-tier', 'timeout'],
    });
    let at: number | undefined;
    try {
      at = values.at === undefined ? undefined : parseAt(values.at as string);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.media) {
      const conflicting = ['output', 'database-url', 'env-file', 'yes', 'no-verify', 'thaw', 'thaw-days', 'thaw-tier'].filter((name) => values[name] !== undefined);
      if (conflicting.length) throw new UsageError(`--media does not take ${conflicting.map((name) => `--${name}`).join(', ')}`);
      const timeout = Number(values.timeout ?? 3600);
      if (!Number.isInteger(timeout) || timeout < 1 || timeout > 172_800) throw new UsageError(`--timeout: expected whole seconds from 1 to 172800, got ${JSON.stringify(values.timeout)}`);
      return runMediaRestore({ context, environment, app, bucket, at, timeoutSeconds: timeout });
    }
    if (values.timeout !== undefined) throw new UsageError('--timeout is for --media');
    const thaw = parseThaw(values);
    const s3 = context.deps.s3 ?? createS3Client(context.env);
    const backup = chooseBackup(await listStoredBackups(s3, bucket, app, environment), at);
    context.stdout(`backup    s3://${bucket}/${backup.key}  ${formatBytes(backup.size)}  taken ${new Date(backup.timestamp * 1000).toISOString()}${backup.storageClass ? `  ${backup.storageClass}` : ''}`);
    if (backup.storageClass && (ARCHIVE_STORAGE_CLASSES.has(backup.storageClass) || thaw)) {
      const keys = [backup.key, ...(backup.checksumKey && !values['no-verify'] ? [backup.checksumKey] : [])];
      const prepared = await prepareArchived({ s3, bucket, keys, thaw });
      for (const line of prepared.lines) context.stdout(line);
      if (!prepared.readable) {
        for (const line of prepared.errors) context.stderr(`backopper restore: ${line}`);
        return 1;
      }
    }
    let expected: string | undefined;
    if (!values['no-verify']) {
      if (!backup.checksumKey) throw new Error(`s3://${bucket}/${backup.key} has no .sha256 beside it; pass --no-verify to restore it unchecked`);
      expected = await readStoredChecksum(s3, bucket, backup.checksumKey);
    }
    const progress = createProgress(process.stderr, backup.size);
    const started = Date.now();
    const download = await downloadBackup({ s3, bucket, backup, dir: resolve((values.output as string | undefined) ?? '.'), expectedSha256: expected, onProgress: progress.update });
    progress.finish();
    context.stdout(`download  ${download.path}  ${formatBytes(download.bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s  sha256 ${download.sha256.slice(0, 12)} ${expected ? '(matches the stored sha256)' : '(NOT verified: --no-verify)'}`);

    if (!values['database-url'] && !values['env-file']) return 0;
    const target = await resolveImportTarget({ databaseUrl: values['database-url'] as string | undefined, envFile: values['env-file'] as string | undefined, engine: backup.engine });
    const existing = await listTables(target);
    if (existing.length > 0 && !values.yes) {
      if (!process.stdin.isTTY) {
        context.stderr(`${confirmationPrompt(target, existing).replace(/ Type the database name to continue: $/, '')} Not importing: pass --yes to replace it.`);
        return 1;
      }
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question(confirmationPrompt(target, existing)).finally(() => prompt.close());
      if (answer.trim() !== target.database) {
        context.stderr('not confirmed; nothing was imported');
        return 1;
      }
    }
    const importStarted = Date.now();
    await importDump(target, download.path, { replace: existing.length > 0 });
    const tables = await listTables(target);
    const rows = Object.values(await countRows(target, tables)).reduce((sum, count) => sum + count, 0);
    context.stdout(`import    ${target.engine} database ${target.database}: ${tables.length} tables, ${rows} rows in ${((Date.now() - importStarted) / 1000).toFixed(1)} s${existing.length ? ` (replaced ${existing.length} existing tables)` : ''}`);
    return 0;
  },
};

/** `--thaw [--thaw-days <n>] [--thaw-tier <tier>]`; undefined without --thaw. Throws UsageError. */
function parseThaw(values: Record<string, string | boolean | undefined>): { days: number; tier: ThawTier } | undefined {
  if (!values.thaw) {
    if (values['thaw-days'] !== undefined || values['thaw-tier'] !== undefined) throw new UsageError('--thaw-days and --thaw-tier need --thaw');
    return undefined;
  }
  const days = Number(values['thaw-days'] ?? 7);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new UsageError(`--thaw-days: expected whole days from 1 to 365, got ${JSON.stringify(values['thaw-days'])}`);
  const tier = (values['thaw-tier'] ?? 'Standard') as ThawTier;
  if (!THAW_TIERS.includes(tier)) throw new UsageError(`--thaw-tier: expected ${THAW_TIERS.join(', ')}, got ${JSON.stringify(values['thaw-tier'])}`);
  return { days, tier };
}
