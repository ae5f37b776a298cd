/**
 * `backopper restore <environment> <app>`: downloads a backup (the newest, the newest at or before
 * `--at`, or the one `--key` names), verifies its sha256 against the stored one, and optionally imports
 * it into a database. Every flag is checked before anything is downloaded.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { countRows, dropTables, importDump, listTables, readDumpFileManifest } from '../../agent';
import { DUMP_OBJECT_PATTERN } from '../../common/app-spec';
import { formatBytes } from '../../common/format';
import { downloadBackup, DownloadInterruptedError } from '../recovery/download-backup';
import {
  describeImportPlan,
  describeObject,
  dropObjects,
  type ImportPlan,
  objectsNotIn,
  probeImportTarget,
  tablesNotIn,
} from '../recovery/import-plan';
import { prepareImportTarget } from '../recovery/import-target';
import { readRecordedManifest } from '../recovery/recorded-manifest';
import { createProgress } from '../recovery/progress';
import { ARCHIVE_STORAGE_CLASSES, prepareArchived, THAW_TIERS, type ThawTier } from '../recovery/archive-tier';
import { checkRestorePath, runMediaRestore } from '../recovery/restore-media';
import {
  chooseBackup,
  listStoredBackups,
  parseAt,
  readStoredChecksum,
  type StoredBackup,
} from '../recovery/stored-backups';
import { noBackupsOf } from './known-apps';
import { RESTORE_HELP } from './restore-help';
import { parseTargetArgs, targetBucket } from './target-args';
import { type CliCommand, type CliContext, UsageError } from './types';

/** The `restore` command. */
export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'Download a backup, verify its sha256, optionally import it into a database.',
  help: RESTORE_HELP,
  async run(args, context) {
    const {
      environment,
      app,
      bucket: bucketFlag,
      values,
    } = parseTargetArgs(args, context.env, {
      booleans: ['yes', 'no-verify', 'media', 'thaw', 'keep-tables'],
      strings: [
        'at',
        'key',
        'output',
        'database-url',
        'dotenv',
        'env-file',
        'thaw-days',
        'thaw-tier',
        'timeout',
        'path',
      ],
    });
    // Everything the operator typed is checked here, before a byte is downloaded.
    if (values['env-file'] !== undefined)
      throw new UsageError('--env-file is now --dotenv (Node reads --env-file itself when it comes before the script)');
    if (values.at !== undefined && values.key !== undefined) throw new UsageError('give --at or --key, not both');
    let at: number | undefined;
    try {
      at = values.at === undefined ? undefined : parseAt(values.at as string, context.deps.now?.() ?? new Date());
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.media) {
      const conflicting = [
        'key',
        'output',
        'database-url',
        'dotenv',
        'yes',
        'keep-tables',
        'no-verify',
        'thaw',
        'thaw-days',
        'thaw-tier',
        'json',
      ].filter((name) => values[name] !== undefined);
      if (conflicting.length)
        throw new UsageError(`--media does not take ${conflicting.map((name) => `--${name}`).join(', ')}`);
      const timeout = Number(values.timeout ?? 3600);
      if (!Number.isInteger(timeout) || timeout < 1 || timeout > 172_800)
        throw new UsageError(
          `--timeout: expected whole seconds from 1 to 172800, got ${JSON.stringify(values.timeout)}`,
        );
      let path: string | undefined;
      if (values.path !== undefined) {
        try {
          path = checkRestorePath(values.path as string);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      }
      const { bucket } = await targetBucket(bucketFlag, context);
      return runMediaRestore({ context, environment, app, bucket, at, path, timeoutSeconds: timeout });
    }
    if (values.timeout !== undefined) throw new UsageError('--timeout is for --media');
    if (values.path !== undefined) throw new UsageError('--path is for --media (one file or folder of a snapshot)');
    const thaw = parseThaw(values);
    const key = values.key as string | undefined;
    if (key !== undefined) {
      const match = DUMP_OBJECT_PATTERN.exec(key);
      if (!match || match[1] !== app || match[2] !== environment)
        throw new UsageError(
          `--key ${JSON.stringify(key)} is not a dump of ${app} in ${environment} (${app}/${environment}/backup_<unix seconds>.sql.gz or .tar)`,
        );
    }
    const dir = resolve((values.output as string | undefined) ?? '.');
    await checkWritableFolder(dir);
    let resolveTarget: Awaited<ReturnType<typeof prepareImportTarget>>;
    try {
      resolveTarget = await prepareImportTarget({
        databaseUrl: values['database-url'] as string | undefined,
        envFile: values.dotenv as string | undefined,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const json = values.json === true;
    const say = json ? context.stderr : context.stdout;

    const { bucket, s3 } = await targetBucket(bucketFlag, context);
    const backups = await listStoredBackups(s3, bucket, app, environment);
    if (backups.length === 0) throw await noBackupsOf({ app, environment, bucket, s3, context });
    const backup = key === undefined ? chooseBackup(backups, at) : pickKey(backups, key, bucket);
    const target = resolveTarget?.(backup.engine);
    say(
      `backup    s3://${bucket}/${backup.key}  ${formatBytes(backup.size)}  taken ${new Date(backup.timestamp * 1000).toISOString()}${backup.storageClass ? `  ${backup.storageClass}` : ''}`,
    );
    const keepTables = values['keep-tables'] === true;
    if (keepTables && !target) throw new UsageError('--keep-tables needs --database-url or --dotenv');
    // The target is probed and confirmed before a byte of the dump is downloaded.
    let plan: ImportPlan | undefined;
    if (target) {
      const manifest = await readRecordedManifest({ s3, bucket, app, environment, dump: backup }).catch(
        (error: unknown) => {
          context.stderr(
            `note: the run records could not be read (${(error as Error).message}); the dump's tables are read from the file`,
          );
          return undefined;
        },
      );
      plan = await probeImportTarget({ target, dumpTables: manifest?.objects.tables, keepTables });
      if (plan.existing.length > 0 && !values.yes && !(await confirm(plan, context))) {
        if (json)
          context.stdout(
            JSON.stringify({
              backup: { key: backup.key, bucket },
              ok: false,
              imported: false,
              error: 'not confirmed; nothing was downloaded or imported',
            }),
          );
        return 1;
      }
    }
    if (backup.storageClass && (ARCHIVE_STORAGE_CLASSES.has(backup.storageClass) || thaw)) {
      const keys = [backup.key, ...(backup.checksumKey && !values['no-verify'] ? [backup.checksumKey] : [])];
      const prepared = await prepareArchived({ s3, bucket, keys, thaw });
      for (const line of prepared.lines) say(line);
      if (!prepared.readable) {
        for (const line of prepared.errors) context.stderr(`backopper restore: ${line}`);
        if (json)
          context.stdout(
            JSON.stringify({
              backup: { key: backup.key, bucket, storageClass: backup.storageClass },
              ok: false,
              error: prepared.errors.join('; ') || 'the backup is archived and not readable yet',
              archived: true,
              notes: [...prepared.lines, ...prepared.errors],
            }),
          );
        return 1;
      }
    }
    let expected: string | undefined;
    if (!values['no-verify']) {
      if (!backup.checksumKey)
        throw new Error(
          `s3://${bucket}/${backup.key} has no .sha256 beside it; pass --no-verify to restore it unchecked`,
        );
      expected = await readStoredChecksum(s3, bucket, backup.checksumKey);
    }
    const progress = createProgress(process.stderr, backup.size);
    const started = Date.now();
    const interrupt = new AbortController();
    // Ctrl-C, a kill and a closed terminal all stop the download and remove its .part (128 + the signal's number).
    const STOPS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
    let stoppedWith = 130;
    const onInterrupt = (signal: keyof typeof STOPS) => {
      stoppedWith = STOPS[signal];
      interrupt.abort();
    };
    for (const signal of Object.keys(STOPS) as (keyof typeof STOPS)[]) process.once(signal, onInterrupt);
    let download: Awaited<ReturnType<typeof downloadBackup>>;
    try {
      download = await downloadBackup({
        s3,
        bucket,
        backup,
        dir,
        expectedSha256: expected,
        onProgress: progress.update,
        signal: interrupt.signal,
      });
    } catch (error) {
      if (!(error instanceof DownloadInterruptedError)) throw error;
      context.stderr(`backopper restore: ${error.message}`);
      return stoppedWith;
    } finally {
      for (const signal of Object.keys(STOPS)) process.removeListener(signal, onInterrupt);
    }
    progress.finish();
    say(
      download.reused
        ? `download  ${download.path}  ${formatBytes(download.bytes)} already there with the stored sha256 ${download.sha256.slice(0, 12)}: reused, nothing downloaded`
        : `download  ${download.path}  ${formatBytes(download.bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s  sha256 ${download.sha256.slice(0, 12)} ${expected ? '(matches the stored sha256)' : '(NOT verified: --no-verify)'}`,
    );
    const result: Record<string, unknown> = {
      backup: {
        key: backup.key,
        bucket,
        time: new Date(backup.timestamp * 1000).toISOString(),
        timestamp: backup.timestamp,
        size: backup.size,
        engine: backup.engine,
      },
      download: {
        path: download.path,
        bytes: download.bytes,
        sha256: download.sha256,
        verified: expected !== undefined,
        reused: download.reused,
      },
    };
    const done = (status: number, error?: string) => {
      if (json) context.stdout(JSON.stringify({ ...result, ok: status === 0, ...(error ? { error } : {}) }));
      return status;
    };
    if (!plan) return done(0);
    const importStarted = Date.now();
    // The dump's own tables, from the file that is imported (the recorded manifest only named them for the prompt).
    const dumpManifest = await readDumpFileManifest(download.path);
    const dumpTables = dumpManifest.objects.tables;
    const extra = tablesNotIn(plan.target.engine, plan.existing, dumpTables);
    await importDump(plan.target, download.path, { replace: plan.existing.length > 0 });
    const dropped = plan.keepTables ? [] : extra;
    await dropTables(plan.target, dropped);
    // Views, routines and events the dump does not have go too (or are kept, and said so, with --keep-tables).
    const extraObjects = (await objectsNotIn(plan.target, dumpManifest)).map((object) => ({
      ...object,
      label: describeObject(object),
    }));
    if (!plan.keepTables) await dropObjects(plan.target, extraObjects);
    const tables = await listTables(plan.target);
    const rows = Object.values(await countRows(plan.target, tables)).reduce((sum, count) => sum + count, 0);
    result.import = {
      engine: plan.target.engine,
      database: plan.target.database,
      tables: tables.length,
      rows,
      replacedTables: plan.existing.length - extra.length,
      droppedTables: dropped,
      keptTables: plan.keepTables ? extra : [],
      ...(extraObjects.length
        ? { [plan.keepTables ? 'keptObjects' : 'droppedObjects']: extraObjects.map((object) => object.label) }
        : {}),
    };
    const notes = [
      ...(plan.existing.length - extra.length > 0
        ? [`replaced ${plan.existing.length - extra.length} existing tables`]
        : []),
      ...(dropped.length ? [`dropped ${dropped.length} not in the dump: ${dropped.join(', ')}`] : []),
      ...(plan.keepTables && extra.length
        ? [`KEPT ${extra.length} not in the dump (--keep-tables): ${extra.join(', ')}`]
        : []),
      ...(extraObjects.length
        ? [
            `${plan.keepTables ? 'KEPT' : 'dropped'} ${extraObjects.length} view(s), routine(s) or event(s) not in the dump${plan.keepTables ? ' (--keep-tables)' : ''}: ${extraObjects.map((object) => object.label).join(', ')}`,
          ]
        : []),
    ];
    say(
      `import    ${plan.target.engine} database ${plan.target.database}: ${tables.length} tables, ${rows} rows in ${((Date.now() - importStarted) / 1000).toFixed(1)} s${notes.length ? ` (${notes.join('; ')})` : ''}`,
    );
    return done(0);
  },
};

/** Asks before restoring into a non-empty database; off a terminal it refuses (pass --yes). Nothing is downloaded yet. */
async function confirm(plan: ImportPlan, context: CliContext): Promise<boolean> {
  const what = describeImportPlan(plan);
  if (!process.stdin.isTTY) {
    context.stderr(`${what} Not importing (nothing was downloaded): pass --yes to replace it.`);
    return false;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`${what} Type the database name to continue: `).finally(() => prompt.close());
  if (answer.trim() === plan.target.database) return true;
  context.stderr('not confirmed; nothing was downloaded or imported');
  return false;
}

/** `--thaw [--thaw-days <n>] [--thaw-tier <tier>]`; undefined without --thaw. Throws UsageError. */
function parseThaw(values: Record<string, string | boolean | undefined>): { days: number; tier: ThawTier } | undefined {
  if (!values.thaw) {
    if (values['thaw-days'] !== undefined || values['thaw-tier'] !== undefined)
      throw new UsageError('--thaw-days and --thaw-tier need --thaw');
    return undefined;
  }
  const days = Number(values['thaw-days'] ?? 7);
  if (!Number.isInteger(days) || days < 1 || days > 365)
    throw new UsageError(`--thaw-days: expected whole days from 1 to 365, got ${JSON.stringify(values['thaw-days'])}`);
  const tier = (values['thaw-tier'] ?? 'Standard') as ThawTier;
  if (!THAW_TIERS.includes(tier))
    throw new UsageError(`--thaw-tier: expected ${THAW_TIERS.join(', ')}, got ${JSON.stringify(values['thaw-tier'])}`);
  return { days, tier };
}

function pickKey(backups: StoredBackup[], key: string, bucket: string): StoredBackup {
  const found = backups.find((backup) => backup.key === key);
  if (!found)
    throw new Error(
      `s3://${bucket}/${key} does not exist; the newest is ${backups[0]!.key} (\`backopper backups\` lists them)`,
    );
  return found;
}

async function checkWritableFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--output ${dir} is not a folder`);
  await access(dir, constants.W_OK).catch(() => {
    throw new UsageError(`--output ${dir} is not writable`);
  });
}
