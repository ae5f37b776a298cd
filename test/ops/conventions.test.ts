/**
 * The CLI's conventions, end to end against the stateful fakes and s3rver: settings from the deployed
 * stack's parameter with only a profile, `--help` on every command, `--json` that is only JSON,
 * one-line usage errors, exit statuses that tell an unknown app from one without backups, and restore
 * checking every flag before it downloads anything.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settingsParameterName } from '../../common/names';
import { COMMANDS, runCli } from '../../ops/commands/run-cli';
import type { CliContext } from '../../ops/commands/types';
import type { StatusReport } from '../../ops/status/format-status';
import { agentOutput } from '../fakes/fake-run-command';
import {
  createOversightWorld,
  failedOutcome,
  type OversightWorld,
  skippedOutcome,
  succeededOutcome,
} from '../fakes/oversight-world';
import { seedBackups } from '../fakes/seed-backups';
import { WORLD_NOW } from '../fakes/sync-world';

const HOUR = 3_600_000;
const app = (name: string, engine = 'mysql') => ({
  name,
  frequency: 'daily',
  db_engine: engine,
  project_type: 'wordpress',
});
const request = (name: string, document = 'Backopper-Backup') => ({
  DocumentName: document,
  Targets: [{ Key: 'tag:backopper:environment', Values: ['live'] }],
  Parameters: {
    app: [name],
    environment: ['live'],
    engine: ['mysql'],
    projectType: ['wordpress'],
    executionTimeout: ['3600'],
  },
  Comment: `backopper ${document === 'Backopper-Backup' ? 'backup' : 'verify'} of ${name} (live)`,
});

/** An outcome whose report names the agent build, as agents from 0.1.0 on do. */
const identified = (outcome: ReturnType<typeof succeededOutcome>) => ({
  ...outcome,
  stdout: (outcome.stdout ?? '').replace(
    '{"app"',
    `{"agentVersion":"0.1.0","bundleSha256":"${'ab12'.repeat(16)}","app"`,
  ),
});

describe('the backopper CLI conventions, against the fakes and s3rver', () => {
  let oversight: OversightWorld;
  let out: string[];
  let err: string[];
  let s3Calls: string[];
  let published: Record<string, string>;
  let seeded: string[];
  const PROFILE_ONLY = { AWS_PROFILE: 'ops' };

  const cli = (
    argv: string[],
    env: Record<string, string | undefined> = PROFILE_ONLY,
    extra: Partial<CliContext> = {},
  ) =>
    runCli(argv, {
      env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps({ sleep: async () => oversight.ssm.advance() }),
      ...extra,
    });
  const stdoutJson = () => JSON.parse(out.join('\n')) as unknown;

  beforeAll(async () => {
    oversight = await createOversightWorld({ backend: 'scheduler' });
    const { world, ssm, s3 } = oversight;
    world.api.setList('live', [app('shop'), app('blog'), app('crm', 'postgres')]);
    world.api.setList('staging', [app('shop')]);
    await oversight.syncThenInstall();
    seeded = await seedBackups({
      client: s3!.client,
      bucket: s3!.bucket,
      now: WORLD_NOW,
      backups: [
        { app: 'shop', environment: 'live', hoursAgo: 10, size: 1500 },
        { app: 'shop', environment: 'live', hoursAgo: 34, size: 1400 },
        { app: 'shop', environment: 'live', hoursAgo: 58, size: 1300 },
        { app: 'blog', environment: 'live', hoursAgo: 5, size: 900 },
        { app: 'crm', environment: 'live', hoursAgo: 6, size: 800, extension: '.tar' },
      ],
    });
    const seed = (
      name: string,
      hoursAgo: number,
      outcomes: Parameters<typeof ssm.seedCommand>[0]['outcomes'],
      document?: string,
    ) =>
      ssm.seedCommand({
        request: request(name, document),
        requestedAt: new Date(WORLD_NOW.getTime() - hoursAgo * HOUR),
        outcomes,
      });
    seed('shop', 10, { 'i-web1': identified(succeededOutcome('shop')), 'i-web2': identified(skippedOutcome('shop')) });
    seed('blog', 5, { 'i-web1': failedOutcome('blog') });
    seed('crm', 6, { 'i-web2': succeededOutcome('crm') });
    seed(
      'shop',
      3,
      {
        'i-web1': {
          status: 'Success',
          responseCode: 0,
          stdout: agentOutput({ app: 'shop', status: 'succeeded', tables: 12 }),
        },
      },
      'Backopper-Verify',
    );
    seed(
      'crm',
      3,
      {
        'i-web2': {
          status: 'Failed',
          responseCode: 1,
          stdout: agentOutput({ app: 'crm', status: 'failed', error: 'table orders: 10 rows restored, 12 live' }),
        },
      },
      'Backopper-Verify',
    );
    // What the stack publishes: the sync's variables, the bucket, and the verify document (check on).
    const variables = Object.fromEntries(
      Object.entries({ ...world.env, ...oversight.env }).filter(([name]) => name.startsWith('BACKOPPER_')),
    );
    published = { ...variables, BACKOPPER_VERIFY_DOCUMENT_NAME: 'Backopper-Verify' };
    ssm.put(
      settingsParameterName('Backopper'),
      JSON.stringify({ format: 1, stack: 'Backopper', region: 'eu-west-1', variables: published }),
      'String',
    );
    s3Calls = [];
    s3!.client.middlewareStack.add(
      (next, context) => async (args) => {
        s3Calls.push(String(context.commandName).replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'countS3Calls' },
    );
  }, 120_000);
  afterAll(async () => {
    await oversight?.close();
  });
  beforeEach(() => {
    out = [];
    err = [];
    s3Calls.length = 0;
  });

  describe('--help and usage errors', () => {
    const refuse = async () => {
      throw new Error('--help must not read any settings');
    };
    it.each(COMMANDS.map((command) => command.name))(
      '`%s --help` and `-h` print its usage and exit 0, reading nothing',
      async (name) => {
        for (const flag of ['--help', '-h']) {
          out = [];
          expect(await cli([name, flag], {}, { settings: refuse })).toBe(0);
          expect(out.join('\n')).toMatch(new RegExp(`^usage: backopper ${name} `));
        }
        expect(await cli([name, 'live', 'shop', '--frobnicate', '--help'], {}, { settings: refuse })).toBe(0);
      },
    );

    it('`backopper --help` lists every command; --version prints the version', async () => {
      expect(await cli(['--help'])).toBe(0);
      for (const command of COMMANDS) expect(out.join('\n')).toMatch(new RegExp(`^ {2}${command.name} +\\S`, 'm'));
      out = [];
      expect(await cli(['--version'])).toBe(0);
      expect(out).toEqual([expect.stringMatching(/^backopper \d+\.\d+\.\d+(-source)?$/)]);
    });

    it.each([
      [
        ['frobnicate'],
        'backopper: unknown command "frobnicate" (commands: plan, sync, status, run, logs, backups, restore)',
        'backopper --help',
      ],
      [
        ['backups', 'live'],
        'backopper backups: expected <environment> <app>, got 1 argument(s)',
        'backopper backups --help',
      ],
      [
        ['restore', 'live', 'shop', '--force'],
        'backopper restore: unknown flag --force; this command takes --at, --bucket, --database-url, --dotenv, --env-file, --json, --keep-tables, --key, --media, --no-verify, --output, --path, --thaw, --thaw-days, --thaw-tier, --timeout, --yes, --help, --no-color',
        'backopper restore --help',
      ],
      [
        ['status', '--history-days', '90'],
        'backopper status: --history-days: expected a whole number from 1 to 30 (SSM keeps 30 days), got "90"',
        'backopper status --help',
      ],
      [['--stack'], 'backopper: --stack needs a stack name', 'backopper --help'],
    ])('%j is one line and a pointer to --help, exit 2', async (argv, line, help) => {
      expect(await cli(argv)).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0]).toBe(`${line}\nRun \`${help}\` for usage.`);
      expect(out).toEqual([]);
    });
  });

  describe('settings from the deployed stack', () => {
    it('a newcomer with only AWS_PROFILE gets the same status as with every variable set', async () => {
      oversight.ssm.calls.reset();
      expect(await cli(['status', '--json'])).toBe(1);
      expect(oversight.ssm.calls.counts.GetParameter).toBe(1);
      const fromStack = stdoutJson() as StatusReport;
      out = [];
      expect(await cli(['status', '--json'], { ...published, BACKOPPER_STACK: 'none' })).toBe(1);
      expect(fromStack).toEqual(stdoutJson());
      expect(fromStack.bucket).toBe('oversight-test');
      expect(fromStack.rows.map((row) => `${row.environment}/${row.app}`)).toEqual([
        'live/blog',
        'live/crm',
        'live/shop',
        'staging/shop',
      ]);
    });

    it('reads nothing when the variables a command needs are set, and a variable overrides the published value', async () => {
      oversight.ssm.calls.reset();
      expect(await cli(['backups', 'live', 'shop', '--json'], { BACKOPPER_BUCKET: 'oversight-test' })).toBe(0);
      expect(oversight.ssm.calls.counts.GetParameter ?? 0).toBe(0);
      out = [];
      err = [];
      expect(
        await cli(['status', '--json', '--environment', 'staging'], { ...PROFILE_ONLY, BACKOPPER_BUCKET: 'elsewhere' }),
      ).toBe(1);
      expect((stdoutJson() as StatusReport).bucket).toBe('elsewhere');
      expect(err.join('\n')).toContain('s3://elsewhere/shop/staging/ could not be listed: NoSuchBucket');
    });

    it('--stack names another deployment; one that published nothing is exit 2 naming the parameter', async () => {
      expect(await cli(['--stack', 'Backopper-Eu', 'status'])).toBe(2);
      expect(err).toEqual([
        "backopper status: configuration error: --stack: no settings parameter /backopper/Backopper-Eu/settings in eu-west-1: is stack Backopper-Eu deployed in this account and region (this version publishes it)? Check the profile's region or set AWS_REGION",
      ]);
    });

    it('with no stack and no variables, the missing variable is named with where the settings were looked for', async () => {
      oversight.ssm.parameters.delete(settingsParameterName('Backopper'));
      try {
        expect(await cli(['status'])).toBe(2);
      } finally {
        oversight.ssm.put(
          settingsParameterName('Backopper'),
          JSON.stringify({ format: 1, stack: 'Backopper', region: 'eu-west-1', variables: published }),
          'String',
        );
      }
      expect(err).toEqual([
        'backopper status: configuration error: BACKOPPER_ENVIRONMENTS: is required\n  no settings parameter /backopper/Backopper/settings in eu-west-1 (deploy the stack there, pass --stack <name> for another one, or set the variables)',
      ]);
    });

    it('plan runs with only the profile too (the API, the role and the group come from the stack)', async () => {
      expect(await cli(['plan'])).toBe(0);
      expect(out.at(-1)).toBe('ok');
    });
  });

  describe('--json prints only JSON on stdout', () => {
    it.each([
      ['plan', ['plan', '--json'], 0],
      ['sync', ['sync', '--json'], 0],
      ['status', ['status', '--json'], 1],
      ['status --flagged', ['status', '--flagged', '--json'], 1],
      ['backups', ['backups', 'live', 'shop', '--json'], 0],
      ['logs', ['logs', 'live', 'shop', '--json'], 0],
      ['--version', ['--version', '--json'], 0],
    ] as const)('%s', async (_name, argv, status) => {
      expect(await cli([...argv])).toBe(status);
      expect(() => stdoutJson()).not.toThrow();
    });

    it('run --json --follow: the notes and the followed output go to stderr', async () => {
      const progress = 'progress database: 1.2 GB so far, 45 MB/s\n';
      oversight.ssm.respond = (_command, instanceId) => {
        if (instanceId !== 'i-web1') return identified(skippedOutcome('shop'));
        const done = identified(succeededOutcome('shop'));
        return { ...done, stdout: `${progress}${done.stdout ?? ''}`, partialStdout: progress };
      };
      expect(await cli(['run', 'live', 'shop', '--json', '--follow', '--interval', '1'])).toBe(0);
      const result = stdoutJson() as { ok: boolean; instances: { instanceId: string }[] };
      expect(result.ok).toBe(true);
      expect(err[0]).toMatch(
        /^backopper run: sent command \S+ \(Backopper-Backup, shop in live\) to tag:backopper:environment=live$/,
      );
      const followed = err.filter((line) => line.startsWith('[i-web1] '));
      expect(followed[0]).toBe('[i-web1] progress database: 1.2 GB so far, 45 MB/s');
      expect(followed.at(-1)).toMatch(/^\[i-web1\] \{"agentVersion":"0.1.0",.*"app":"shop"/);
      expect(followed.filter((line) => line.includes('progress database'))).toHaveLength(1); // printed once, not per poll
    });
  });

  describe('status filters, failure reasons and restore checks', () => {
    it("shows why the last run failed and each app's last restore check", async () => {
      expect(await cli(['status'])).toBe(1);
      const text = out.join('\n');
      expect(text).toMatch(
        /^ENVIRONMENT +APP +SCHEDULE +NEXT RUN +NEWEST BACKUP +SIZE \(VS PREVIOUS\) +LAST RUN +RESTORE CHECK +LAST PROVEN RESTORE +FLAGS$/m,
      );
      expect(text).toMatch(/^live +blog .* Failed 5h ago \(i-web1 Failed\) +none in 8d +never +failed$/m);
      expect(text).toContain(
        "why live/blog failed: database: mysqldump exited with status 2: Access denied for user 'shop'@'localhost' (5h ago on i-web1, from the command history)",
      );
      expect(text).toMatch(/^live +crm .* failed 3h ago +never +check-failed$/m);
      expect(text).toContain('    restore check: i-web2: table orders: 10 rows restored, 12 live');
      expect(text).toMatch(/^live +shop .* succeeded 3h ago +never +ok$/m);
      expect(out[1]).toBe('agents: 0.1.0 (bundle ab12ab12ab12) on 2 server(s)'); // from the run reports
    });

    it('--app and --flagged narrow the rows; an app with no schedule is exit 3', async () => {
      expect(await cli(['status', '--app', 'shop', '--json'])).toBe(1); // staging/shop has no backup: missing
      expect((stdoutJson() as StatusReport).rows.map((row) => row.environment)).toEqual(['live', 'staging']);
      out = [];
      expect(await cli(['status', '--flagged', '--json'])).toBe(1);
      expect((stdoutJson() as StatusReport).rows.map((row) => `${row.app}:${row.flags.join(',')}`)).toEqual([
        'blog:failed',
        'crm:check-failed',
        'shop:missing',
      ]);
      expect(await cli(['status', '--app', 'shpo'])).toBe(3);
      expect(err.at(-1)).toContain('no backup schedule for shpo');
    });
  });

  describe('logs', () => {
    it("prints the last run's output per server with its CloudWatch stream", async () => {
      expect(await cli(['logs', 'live', 'blog'])).toBe(0);
      expect(out[0]).toMatch(
        /^Backopper-Backup of blog \(live\): command \S+, requested 2025-01-15T07:00:00\.000Z, Failed$/,
      );
      expect(out).toContain('== i-web1  Failed');
      expect(out.join('\n')).toContain('"status":"failed"');
      expect(out).toContain('stderr: backopper: agent exited with status 1');
      expect(await cli(['logs', 'live', 'nope'])).toBe(3);
      expect(err.at(-1)).toContain('no app nope in live: it has no backup schedule there');
    });
  });

  describe('did you mean, no such app, and --json failures', () => {
    it('suggests the closest app from the schedules and the bucket, with exit 3 in every command', async () => {
      const cases: [string[], string][] = [
        [
          ['run', 'live', 'shpo'],
          'backopper run: no app shpo in live (did you mean shop?): it has no backup schedule there',
        ],
        [
          ['logs', 'live', 'shpo'],
          'backopper logs: no app shpo in live (did you mean shop?): it has no backup schedule there',
        ],
        [
          ['backups', 'live', 'shpo'],
          'backopper backups: no app shpo in live (did you mean shop?): no backup schedule and nothing stored',
        ],
        [
          ['restore', 'live', 'shpo'],
          'backopper restore: no app shpo in live (did you mean shop?): no backup schedule and nothing stored',
        ],
        [
          ['status', '--app', 'shpo'],
          'backopper status: no backup schedule for shpo (did you mean shop?) in staging, live',
        ],
      ];
      for (const [argv, start] of cases) {
        err = [];
        expect([argv, await cli(argv)]).toEqual([argv, 3]);
        expect(err).toHaveLength(1);
        expect(err[0]).toContain(start);
        expect(err[0]).toContain('(did you mean shop?)');
        expect(err[0]).toMatch(/`backopper status` lists the apps$/);
      }
      expect(s3Calls.filter((call) => call === 'GetObject')).toEqual([]);
    });

    it('a mistyped environment is exit 2 with the closest name', async () => {
      expect(await cli(['status', '-e', 'stagign'])).toBe(2);
      expect(err.at(-1)).toBe(
        'backopper status: configuration error: --environment: stagign is not in BACKOPPER_ENVIRONMENTS (staging, live) (did you mean staging?)',
      );
      // backups finds nothing under stagign/ first, then says why.
      expect(await cli(['backups', 'stagign', 'shop'])).toBe(2);
      expect(err.at(-1)).toBe(
        'backopper backups: configuration error: <environment>: stagign is not in BACKOPPER_ENVIRONMENTS (staging, live) (did you mean staging?)',
      );
    });

    it('an app that is scheduled but has no backup yet says so and when its next run is (exit 1)', async () => {
      for (const command of ['backups', 'restore']) {
        err = [];
        expect(await cli([command, 'staging', 'shop'])).toBe(1);
        expect(err).toEqual([
          `backopper ${command}: shop is scheduled in staging (cron(29 3 * * ? *) Europe/Amsterdam) but has no backup in s3://oversight-test/shop/staging/ yet: its next run is 2025-01-16 03:29 CET (2025-01-16T02:29:00Z); if it has run already, \`backopper logs staging shop\` shows why it made none`,
        ]);
      }
      expect(out).toEqual([]);
    });

    it('logs --instance with a server the command did not run on names the ones it did', async () => {
      expect(await cli(['logs', 'live', 'blog', '--instance', 'i-web'])).toBe(1);
      expect(err.at(-1)).toMatch(
        /^backopper logs: command \S+ did not run on i-web: it ran on i-web1 \(did you mean i-web1\?\)$/,
      );
    });

    it.each([
      [['plan', '--json', '--environment', 'nope'], 2, 'configuration error: --environment: nope is not in'],
      [['sync', '--json', '-e', 'nope'], 2, 'configuration error: --environment: nope is not in'],
      [['status', '--json', '--app', 'shpo'], 3, 'no backup schedule for shpo (did you mean shop?)'],
      [['status', '--json', '--history-days', '99'], 2, '--history-days: expected a whole number from 1 to 30'],
      [['backups', 'live', 'shpo', '--json'], 3, 'no app shpo in live'],
      [['backups', 'staging', 'shop', '--json'], 1, 'shop is scheduled in staging'],
      [['backups', 'live', '--json'], 2, 'expected <environment> <app>, got 1 argument(s)'],
      [['logs', 'live', 'shpo', '--json'], 3, 'no app shpo in live'],
      [['run', 'live', 'shpo', '--json'], 3, 'no app shpo in live'],
      [['restore', 'live', 'shpo', '--json'], 3, 'no app shpo in live'],
      [['restore', 'live', 'shop', '--json', '--at', 'soon'], 2, '--at "soon"'],
      [['restore', 'live', 'shop', '--json', '--jsno'], 2, 'unknown flag --jsno'],
      [['stauts', '--json'], 2, 'unknown command "stauts" (did you mean status?)'],
    ] as const)('%j prints {"error"} on stdout and exits %i', async (argv, status, message) => {
      expect(await cli([...argv])).toBe(status);
      const printed = stdoutJson() as { error: string; exitStatus: number };
      expect(printed.exitStatus).toBe(status);
      expect(printed.error).toContain(message);
      expect(err[0]).toContain(printed.error); // the same line on stderr, for a person
    });
  });

  describe('backups and restore', () => {
    it('an app with no schedule and nothing stored in the environment is exit 3, naming where it is', async () => {
      expect(await cli(['backups', 'live', 'nope'])).toBe(3);
      expect(err.at(-1)).toBe(
        'backopper backups: no app nope in live: no backup schedule and nothing stored under s3://oversight-test/nope/live/; `backopper status` lists the apps',
      );
      expect(await cli(['restore', 'live', 'nope'])).toBe(3);
      expect(await cli(['backups', 'staging', 'blog'])).toBe(3);
      expect(err.at(-1)).toBe(
        'backopper backups: no app blog in staging (it has backups in: live): no backup schedule and nothing stored under s3://oversight-test/blog/staging/; `backopper status` lists the apps',
      );
      expect(await cli(['restore', 'staging', 'blog'])).toBe(3);
      expect(err.at(-1)).toContain('backopper restore: no app blog in staging (it has backups in: live): ');
    });

    it('names the missing bucket', async () => {
      expect(await cli(['backups', 'live', 'shop', '--bucket', 'no-such-bucket'])).toBe(1);
      expect(err).toEqual([
        "backopper backups: bucket no-such-bucket does not exist in this account: check BACKOPPER_BUCKET / --bucket / the stack's BucketName output",
      ]);
    });

    it.each([
      [['--database-url', 'oracle://u:p@db/shop'], 'DATABASE_URL scheme "oracle:" is not mysql or postgres'],
      [['--database-url', 'mysql://db.example'], 'DATABASE_URL names no database'],
      [['--at', 'next tuesday'], '--at "next tuesday": expected unix seconds'],
      [['--at', '2025-02-30 10:00:00'], 'is not a valid date/time'],
      [['--at', '24h', '--key', 'shop/live/backup_1736900000.sql.gz'], 'give --at or --key, not both'],
      [['--key', 'blog/live/backup_1736900000.sql.gz'], 'is not a dump of shop in live'],
      [['--env-file', '/srv/shop/.env'], '--env-file is now --dotenv'],
      [['--dotenv', '/nonexistent/.env'], '--dotenv /nonexistent/.env: not found'],
      [['--output', '/nonexistent/folder'], '--output /nonexistent/folder is not a folder'],
    ])('refuses %j before reading anything from S3 (exit 2)', async (flags, message) => {
      expect(await cli(['restore', 'live', 'shop', ...flags])).toBe(2);
      expect(err.join('\n')).toContain(message);
      expect(s3Calls).toEqual([]);
    });

    it('refuses a --database-url of the wrong engine after listing, before downloading', async () => {
      expect(await cli(['restore', 'live', 'crm', '--database-url', 'mysql://u:p@127.0.0.1/crm'])).toBe(1);
      expect(err.join('\n')).toContain(
        '--database-url: DATABASE_URL names a mysql database but the app list says postgres',
      );
      expect(s3Calls).toEqual(['ListObjectsV2']);
    });

    it('--at takes what `backups` prints as UTC whatever the local zone, and relative times', async () => {
      expect(await cli(['backups', 'live', 'shop'])).toBe(0);
      const printed = out
        .slice(2)
        .map((line) => /^ {2}(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) /.exec(line)?.[1])
        .filter((time) => time !== undefined);
      expect(printed).toHaveLength(3);
      const zone = process.env.TZ;
      process.env.TZ = 'America/New_York';
      try {
        for (const [at, key] of [
          [printed[1], seeded[1]],
          ['24h', seeded[1]],
          ['2d', seeded[2]],
          ['yesterday', seeded[1]],
          [printed[0], seeded[0]],
        ] as const) {
          out = [];
          const dir = mkdtempSync(join(tmpdir(), 'backopper-at-'));
          expect(
            await cli(['restore', 'live', 'shop', '--at', at as string, '--no-verify', '--output', dir, '--json']),
          ).toBe(0);
          const result = stdoutJson() as { backup: { key: string }; download: { path: string; verified: boolean } };
          expect([at, result.backup.key]).toEqual([at, key]);
          expect(readdirSync(dir)).toEqual([(key as string).split('/').pop()]);
        }
      } finally {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
      }
    });

    it('--key picks exactly that object; one that does not exist is named', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'backopper-key-'));
      expect(
        await cli(['restore', 'live', 'shop', '--key', seeded[2] as string, '--no-verify', '--output', dir, '--json']),
      ).toBe(0);
      expect((stdoutJson() as { backup: { key: string } }).backup.key).toBe(seeded[2]);
      expect(
        await cli(['restore', 'live', 'shop', '--key', 'shop/live/backup_1000000000.sql.gz', '--output', dir]),
      ).toBe(1);
      expect(err.at(-1)).toContain('s3://oversight-test/shop/live/backup_1000000000.sql.gz does not exist');
      expect(s3Calls.filter((call) => call === 'GetObject')).toHaveLength(1);
    });
  });
});
