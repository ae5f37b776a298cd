/**
 * `backopper logs` and `run --follow` read the whole output from the command log group (the stateful
 * CloudWatch Logs fake, written by the Run Command fake as SSM's agent would), and fall back to SSM's
 * 24,000 characters, saying so, when the output is not there.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../ops/commands/run-cli';
import {
  checkSkippedOutcome,
  createOversightWorld,
  type OversightWorld,
  skippedOutcome,
} from '../fakes/oversight-world';
import { WORLD_NOW } from '../fakes/sync-world';

const LOG_GROUP = '/backopper/commands';
const request = (app: string, cloudWatch: boolean) => ({
  DocumentName: 'Backopper-Backup',
  Targets: [{ Key: 'tag:backopper:environment', Values: ['live'] }],
  Parameters: {
    app: [app],
    environment: ['live'],
    engine: ['mysql'],
    projectType: ['wordpress'],
    executionTimeout: ['3600'],
  },
  ...(cloudWatch
    ? { CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: LOG_GROUP } }
    : {}),
});

/** An agent output of exactly `length` characters: 5-character progress lines, then the run report. */
function longOutput(app: string, length: number): string {
  const report = `${JSON.stringify({ app, environment: 'live', status: 'succeeded', steps: {} })}\n`;
  const lines: string[] = [];
  for (let i = 0; lines.length * 5 + report.length + 5 <= length; i += 1)
    lines.push(`${String(i % 10_000).padStart(4, '0')}\n`);
  const body = lines.join('');
  return `${'p'.repeat(length - body.length - report.length - 1)}\n${body}${report}`;
}

describe('backopper logs and run --follow, from CloudWatch Logs', () => {
  let oversight: OversightWorld;
  let out: string[];
  let err: string[];
  let env: Record<string, string>;
  const whole = longOutput('shop', 60_000);

  const cli = (argv: string[], variables: Record<string, string> = env) =>
    runCli(argv, {
      env: variables,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps({ sleep: async () => oversight.ssm.advance() }),
    });

  beforeAll(async () => {
    oversight = await createOversightWorld({ backend: 'scheduler', withS3: false });
    oversight.world.api.setList(
      'live',
      ['shop', 'blog'].map((name) => ({ name, frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' })),
    );
    oversight.world.api.setList('staging', []);
    await oversight.syncThenInstall();
    env = { ...oversight.env, BACKOPPER_STACK: 'none', BACKOPPER_COMMAND_LOG_GROUP: LOG_GROUP };
    oversight.ssm.seedCommand({
      request: request('shop', true),
      requestedAt: new Date(WORLD_NOW.getTime() - 3_600_000),
      outcomes: { 'i-web1': { status: 'Success', responseCode: 0, stdout: whole } },
    });
    // Sent before the output went to CloudWatch Logs: no stream.
    oversight.ssm.seedCommand({
      request: request('blog', false),
      requestedAt: new Date(WORLD_NOW.getTime() - 3_600_000),
      outcomes: { 'i-web1': { status: 'Success', responseCode: 0, stdout: longOutput('blog', 30_000) } },
    });
  }, 120_000);
  afterAll(async () => {
    await oversight?.close();
  });
  beforeEach(() => {
    out = [];
    err = [];
    oversight.logs.calls.reset();
  });

  it('prints a 60,000-character output whole, paging GetLogEvents until the token repeats', async () => {
    const before = oversight.logs.calls.counts.GetLogEvents ?? 0;
    expect(await cli(['logs', 'live', 'shop'])).toBe(0);
    expect(out.slice(0, 3)).toEqual([
      expect.stringMatching(/^Backopper-Backup of shop \(live\): command \S+, requested .*, Success$/),
      '',
      '== i-web1  Success',
    ]);
    expect(out.slice(3).join('\n')).toBe(whole.replace(/\n$/, ''));
    expect(whole).toHaveLength(60_000);
    // 12,000 lines: a page of 10,000, one of 2,000, the empty one that returns the token sent; then stderr.
    expect((oversight.logs.calls.counts.GetLogEvents ?? 0) - before).toBe(4);
    expect(err).toEqual([]);
  });

  it('--json prints only JSON, with the whole stdout', async () => {
    expect(await cli(['logs', 'live', 'shop', '--json'])).toBe(0);
    const parsed = JSON.parse(out.join('\n')) as {
      instances: { stdout: string; source: string; truncated: boolean; logStream: string }[];
    };
    expect(parsed.instances).toHaveLength(1);
    expect(parsed.instances[0]).toMatchObject({ source: 'cloudwatch', truncated: false, stdout: whole });
    expect(parsed.instances[0]!.logStream).toMatch(/^[\w-]+\/i-web1\/runAgent\/stdout$/);
  });

  it("falls back to SSM's 24,000 characters, saying why, when the stream is absent or no log group is set", async () => {
    expect(await cli(['logs', 'live', 'blog'])).toBe(0);
    expect(out.slice(3).join('\n')).toBe(longOutput('blog', 30_000).slice(0, 24_000).replace(/\n$/, ''));
    expect(err).toEqual([
      expect.stringMatching(
        /^backopper logs: i-web1: output from SSM, which keeps the first 24,000 characters of stdout and 8,000 of stderr \(this stdout is cut there\): no stream \S+\/i-web1\/runAgent\/stdout in log group \/backopper\/commands/,
      ),
    ]);
    out = [];
    err = [];
    const withoutGroup = Object.fromEntries(
      Object.entries(env).filter(([name]) => name !== 'BACKOPPER_COMMAND_LOG_GROUP'),
    );
    expect(await cli(['logs', 'live', 'shop', '--json'], withoutGroup)).toBe(0);
    expect(
      (JSON.parse(out.join('\n')) as { instances: { source: string; stdout: string }[] }).instances[0],
    ).toMatchObject({ source: 'ssm', stdout: whole.slice(0, 24_000) });
    expect(err).toEqual([
      expect.stringContaining('the settings name no command log group (BACKOPPER_COMMAND_LOG_GROUP'),
    ]);
  });

  it("prints a skipping server's check step (its report), not SSM's skip message of the run step", async () => {
    oversight.ssm.seedCommand({
      request: request('blog', true),
      requestedAt: new Date(WORLD_NOW.getTime() - 60_000),
      outcomes: { 'i-web1': checkSkippedOutcome('blog'), 'i-web2': checkSkippedOutcome('blog') },
    });
    expect(await cli(['logs', 'live', 'blog', '--json'])).toBe(0);
    const parsed = JSON.parse(out.join('\n')) as { instances: { stdout: string; logStream: string }[] };
    expect(parsed.instances).toHaveLength(2);
    for (const instance of parsed.instances) {
      expect(instance.logStream).toMatch(/\/checkApp\/stdout$/);
      expect(instance.stdout).toContain('"status":"skipped"');
      expect(instance.stdout).not.toContain('skipped due to prior step');
    }
  });

  it("run --follow streams the whole output from the log, each line once, past SSM's 24,000 characters", async () => {
    const progress = whole.slice(0, whole.indexOf('\n', 30_000) + 1);
    oversight.ssm.respond = (_command, instanceId) =>
      instanceId === 'i-web1'
        ? { status: 'Success', responseCode: 0, stdout: whole, partialStdout: progress }
        : skippedOutcome('shop');
    const before = oversight.logs.calls.counts.GetLogEvents ?? 0;
    expect(await cli(['run', 'live', 'shop', '--follow', '--interval', '1'])).toBe(0);
    const followed = out.filter((line) => line.startsWith('[i-web1] ')).map((line) => line.slice('[i-web1] '.length));
    expect(`${followed.join('\n')}\n`).toBe(whole);
    expect((oversight.logs.calls.counts.GetLogEvents ?? 0) - before).toBeGreaterThan(0);
  });
});
