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
import { createS3Client } from '../recovery/s3-client';
import { chooseBackup, listStoredBackups, parseAt, readStoredChecksum } from '../recovery/stored-backups';
import { parseTargetArgs } from './target-args';
import { type CliCommand, UsageError } from './types';

const USAGE = `usage: backopper restore <environment> <app> [--at <time>] [--output <dir>] [--bucket <name>]
                         [--database-url <url> | --env-file <path>] [--yes] [--no-verify]
  Downloads the newest backup (or the newest at or before --at: unix seconds or ISO 8601) into --output
  (default: the current folder), verifies its sha256, and with --database-url or --env-file imports it.
  A database that already has tables is replaced only with --yes or after typing its name.`;

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'Download a backup, verify its sha256, optionally import it into a database.',
  usage: USAGE,
  async run(args, context) {
    const { environment, app, bucket, values } = parseTargetArgs(args, context.env, {
      booleans: ['yes', 'no-verify'],
      strings: ['at', 'output', 'database-url', 'env-file'],
    });
    let at: number | undefined;
    try {
      at = values.at === undefined ? undefined : parseAt(values.at as string);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const s3 = createS3Client(context.env);
    const backup = chooseBackup(await listStoredBackups(s3, bucket, app, environment), at);
    context.stdout(`backup    s3://${bucket}/${backup.key}  ${formatBytes(backup.size)}  taken ${new Date(backup.timestamp * 1000).toISOString()}`);
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
