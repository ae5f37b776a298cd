/** `backopper restore --help`, in the one help layout (ops/terminal/help.ts). */
import type { CommandHelp } from '../terminal/help';

/** The help of `backopper restore`. */
export const RESTORE_HELP: CommandHelp = {
  usage: [
    '<environment> <app> [--at <time> | --key <s3-key>] [--output <dir>] [--bucket <name>]\n' +
      '                         [--database-url <url> | --dotenv <path>] [--yes] [--keep-tables] [--no-verify] [--json]\n' +
      '                         [--thaw [--thaw-days <n>] [--thaw-tier Standard|Bulk|Expedited]]',
    '<environment> <app> --media [--at <time>] [--path <file or folder>] [--bucket <name>] [--timeout <seconds>]',
  ],
  description: [
    'Downloads the newest backup into --output (default: the current folder), verifies its sha256, and with\n' +
      "--database-url or --dotenv (the app's .env) imports it. The target is probed (connect, list its tables)\n" +
      'and a non-empty one confirmed (--yes, or typing its name) before anything is downloaded; afterwards it\n' +
      "holds exactly the dump's tables: the confirmation names those dropped because the dump does not have\n" +
      'them (--keep-tables keeps them). A file already in --output with the stored sha256 is reused; Ctrl-C\n' +
      'removes the partial download. Every flag is checked before anything is downloaded.',
    'A backup in an archive storage class (GLACIER, DEEP_ARCHIVE) is not downloaded (exit 1); --thaw asks\n' +
      'S3 for a temporary copy (default 7 days, Standard tier) and says how long it takes: run it again then.',
    "--media picks a media archive from the run records and has the app's server fetch it from the media\n" +
      'server, verify its recorded sha256 and extract it beside the live media (SSM document\n' +
      'Backopper-RestoreMedia); swapping it in stays a separate step. A snapshot (media mode snapshot) is\n' +
      'copied beside the live media and checked against its recorded manifest (file count and bytes), or\n' +
      'with --path only that file or folder of it.',
  ],
  flags: [
    [
      '--at <time>',
      'the newest backup at or before: "2026-12-02 04:15:35" (UTC, as `backopper backups`\n' +
        'prints), ISO 8601 (UTC unless it has an offset), a date (its end, UTC), unix seconds,\n' +
        '24h / 7d / 2w ago, or yesterday (its end, UTC)',
    ],
    ['--key <s3-key>', 'exactly this object (a key `backopper backups` lists)'],
    ['--output <dir>', 'where the dump is downloaded (default: the current folder)'],
    ['--bucket <name>', "the bucket (default: BACKOPPER_BUCKET, else the stack's)"],
    ['--database-url <url>', 'import into this database (mysql://, postgres://)'],
    ['--dotenv <path>', "import into the database this .env names (the app's own)"],
    ['--yes', 'replace a database that has tables without asking'],
    ['--keep-tables', "keep the target's tables that the dump does not have (said in the summary)"],
    ['--no-verify', 'restore a dump without checking its sha256 (one without a .sha256)'],
    ['--thaw', 'ask S3 for a temporary copy of an archived backup'],
    ['--thaw-days <n>', 'how long the copy stays (1-365, default 7)'],
    ['--thaw-tier <tier>', 'Standard (default), Bulk or Expedited'],
    ['--media', "restore the media archive instead, on the app's server"],
    ['--path <file or folder>', 'with --media, a snapshot: only this, relative to the media folder'],
    ['--timeout <seconds>', 'with --media: how long to follow the command (default 3600)'],
    ['--json', 'print the result as JSON on stdout (notes go to stderr; a failure has "error")'],
  ],
  examples: [
    ['backopper restore live shop', 'download the newest dump here, verified'],
    ['backopper restore live shop --at yesterday --dotenv /srv/shop/.env', "yesterday's, into the app's database"],
    ['backopper restore live shop --media --at 2d', 'the media archive of two days ago'],
    ['backopper restore live shop --media --path 2026/12/logo.png', 'one file of the newest snapshot'],
  ],
  exit: '0 restored, 1 failed or no backup yet, 2 bad invocation, 3 no such app in that environment',
};
