import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { COMMANDS, runCli } from '../../ops/commands/run-cli';
import { renderHelp } from '../../ops/terminal/help';
import { makeApps } from '../fakes/app-list-api';
import { createSyncWorld, type SyncWorld } from '../fakes/sync-world';

const run = promisify(execFile);

describe('the backopper CLI against the fakes and the loopback API', () => {
  let world: SyncWorld;
  let out: string[];
  let err: string[];
  const cli = (...argv: string[]) =>
    runCli(argv, {
      env: world.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: { ...world.deps(), logger: undefined },
    });

  beforeEach(async () => {
    world = await createSyncWorld({ backend: 'scheduler' });
    world.api.setList('staging', makeApps(2, 'stage'));
    world.api.setList('live', [...makeApps(3, 'shop'), { name: '../etc', frequency: 'daily' }]);
    out = [];
    err = [];
  });
  afterEach(async () => {
    await world.close();
  });

  it('`backopper plan` prints what would be created, with times and reasons, and changes nothing', async () => {
    expect(await cli('plan')).toBe(0);
    const text = out.join('\n');
    expect(out[0]).toBe('backopper plan (dry run: nothing was changed) · backend scheduler · 2 environment(s)');
    expect(text).toContain(
      'staging [ok]  fetched 2 · create 2 · update 0 · delete 0 · unchanged 0 · skipped 0 · disabled 0',
    );
    expect(text).toContain(
      'live [ok]  fetched 4 · create 3 · update 0 · delete 0 · unchanged 0 · skipped 1 · disabled 0',
    );
    expect(text).toMatch(/ {2}create {2}backopper-live-shop-0001 +daily \d\d:\d\d Europe\/Amsterdam; does not exist/);
    expect(text).toMatch(/ {2}skip {4}- +entry 3: app name "\.\.\/etc" is not a folder name/);
    expect(out.at(-1)).toBe('ok');
    expect(world.writes()).toBe(0);
    expect(world.names()).toEqual([]);
  });

  it('`backopper sync` applies, after which `plan` has nothing to do', async () => {
    expect(await cli('sync')).toBe(0);
    expect(world.names()).toHaveLength(5);
    out = [];
    world.resetCounts();
    world.editExpressionByHand('backopper-staging-stage-0001', 'cron(0 12 * * ? *)');
    expect(await cli('plan', '--environment', 'staging')).toBe(0);
    expect(out.join('\n')).toMatch(/ {2}update {2}backopper-staging-stage-0001 +changed: scheduleExpression/);
    expect(out.join('\n')).not.toContain('live [');
    expect(world.writes()).toBe(0);
    out = [];
    await cli('sync');
    out = [];
    expect(await cli('plan')).toBe(0);
    expect(out.filter((line) => line === '  nothing to do')).toHaveLength(1); // staging; live still lists its skip
  });

  it('`backopper plan --json` prints the summary, and exits 1 when an environment is unknown', async () => {
    world.api.setBehaviour('live', { kind: 'raw', status: 500, body: 'down' });
    expect(await cli('plan', '--json')).toBe(1);
    const summary = JSON.parse(out.join('\n')) as {
      ok: boolean;
      environments: { environment: string; status: string }[];
    };
    expect(summary.ok).toBe(false);
    expect(summary.environments.map((e) => [e.environment, e.status])).toEqual([
      ['staging', 'ok'],
      ['live', 'unknown'],
    ]);
    expect(err.join('\n')).toMatch(
      /^error: app list unavailable: environment left exactly as it is \(environment=live, url=http:\/\/127\.0\.0\.1:\d+\/backups\/live/m,
    );
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['plan', '--force'], 'backopper plan: unknown flag --force; this command takes --environment, --json, --help'],
    [['plan', '--enviroment', 'live'], 'backopper plan: unknown flag --enviroment (did you mean --environment?)'],
    [['plan', '--environment'], 'backopper plan: --environment needs a value (--environment <value>)'],
    [['plna'], 'backopper: unknown command "plna" (did you mean plan?)'],
    [['help', 'plna'], 'backopper: unknown command "plna" (did you mean plan?)'],
    [
      ['--environment', 'live', 'plan'],
      'backopper: --environment live before the command: give the command first (backopper plan --environment live)',
    ],
    [
      ['plan', '--environment', 'prod'],
      'configuration error: --environment: prod is not in BACKOPPER_ENVIRONMENTS (staging, live)',
    ],
  ])('exits 2 for %j', async (argv, message) => {
    expect(await cli(...argv)).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(world.writes()).toBe(0);
  });

  it('exits 2 and names the variable when the configuration is wrong', async () => {
    const status = await runCli(['plan'], {
      env: { ...world.env, BACKOPPER_BACKUP_WINDOW: 'all night' },
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    expect(status).toBe(2);
    expect(err).toEqual([
      'backopper plan: configuration error: BACKOPPER_BACKUP_WINDOW: "all night" is not a window like 01:00-05:00 (HH:MM-HH:MM from 00:00 to 23:59, start != end)',
    ]);
  });
});

describe('the ops/cli.ts entry point', () => {
  const tsx = (args: string[], env: Record<string, string> = {}) =>
    run('node_modules/.bin/tsx', ['ops/cli.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('every command of the bundle answers --help with exit 0; --version names the version', async () => {
    const bundle = (args: string[]) =>
      run(process.execPath, ['dist/backopper.js', ...args], { env: { PATH: process.env.PATH ?? '' } }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    for (const command of COMMANDS) {
      const { code, stdout, stderr } = await bundle([command.name, '--help']);
      expect([command.name, code, stderr]).toEqual([command.name, 0, '']);
      expect(stdout).toBe(`${renderHelp(command.name, command.help)}\n`);
      expect(await bundle(['help', command.name])).toEqual({ code: 0, stdout, stderr: '' });
    }
    expect(await bundle(['--version'])).toEqual({
      code: 0,
      stdout: `backopper ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`,
      stderr: '',
    });
  });

  it("says what to do about missing credentials in one line, without the SDK's Node-version notice", async () => {
    const { code, stdout, stderr } = await run(process.execPath, ['dist/backopper.js', 'status'], {
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_REGION: 'eu-west-1', AWS_PROFILE: 'ops' },
    }).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toBe(
      'backopper status: no AWS credentials (profile ops): run `aws sso login --profile ops` for an SSO profile, or set AWS_PROFILE to a profile in ~/.aws/config\n',
    );
  });

  it('lists its commands', async () => {
    const { code, stdout } = await tsx(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}plan +Show what a sync would create/m);
    expect(stdout).toMatch(/^ {2}sync +Reconcile/m);
  });

  it("with no region, says so in one line and how to set it (it needs one to read the stack's settings)", async () => {
    const { code, stdout, stderr } = await tsx(['plan'], { HOME: '/nonexistent', AWS_PROFILE: 'ops' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'backopper plan: no AWS region: set one for the profile (aws configure set region <region> --profile ops) or set AWS_REGION\n',
    );
  });

  it('with variables only (BACKOPPER_STACK=none), exits 2 naming the first missing variable', async () => {
    const { code, stderr } = await tsx(['plan'], { BACKOPPER_STACK: 'none' });
    expect(code).toBe(2);
    expect(stderr).toContain('backopper plan: configuration error: BACKOPPER_SCHEDULE_ROLE_ARN: is required');
  });
});
