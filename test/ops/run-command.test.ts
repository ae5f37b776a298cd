import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../ops/commands/run-cli';
import { createPalette } from '../../ops/terminal/colour';
import {
  checkSkippedOutcome,
  createOversightWorld,
  failedOutcome,
  type OversightWorld,
  skippedOutcome,
  succeededOutcome,
} from '../fakes/oversight-world';
import { WORLD_NOW } from '../fakes/sync-world';

describe.each(['scheduler', 'rules'] as const)('backopper run against the Run Command fake (%s backend)', (backend) => {
  let oversight: OversightWorld;
  let out: string[];
  let err: string[];
  let clock: number;
  let polls: number;

  const setUp = async () => {
    oversight = await createOversightWorld({ backend, withS3: false });
    oversight.world.api.setList('live', [
      { name: 'shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
      { name: 'x'.repeat(64), frequency: 'weekly', db_engine: 'postgres', project_type: 'laravel' },
    ]);
    oversight.world.api.setList('staging', []);
    await oversight.syncThenInstall();
    out = [];
    err = [];
    clock = WORLD_NOW.getTime();
    polls = 0;
  };
  // Each wait moves the clock on; `advance` decides whether the fake's commands move on too.
  const cli = (argv: string[], advance = true) =>
    runCli(argv, {
      env: oversight.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps({
        now: () => new Date(clock),
        sleep: async (ms) => {
          polls += 1;
          clock += ms;
          if (advance) oversight.ssm.advance();
        },
      }),
    });
  afterEach(async () => {
    await oversight?.close();
  });

  it("sends exactly what the schedule sends, follows it to the end and prints each server's report", async () => {
    await setUp();
    // i-web2 ends the document at its first step (no app folder), as the synthesized document does.
    oversight.ssm.respond = (_command, instanceId) =>
      instanceId === 'i-web1' ? succeededOutcome('shop') : checkSkippedOutcome('shop');
    expect(await cli(['run', 'live', 'shop'])).toBe(0);
    const [sent] = oversight.ssm.sent;
    if (backend === 'scheduler') {
      expect(sent).toEqual(
        JSON.parse(oversight.world.scheduler.schedule('backopper-live-shop')?.Target?.Input as string),
      );
    } else {
      const rule = oversight.world.eventBridge.rule('backopper-live-shop');
      const target = [...(rule?.targets.values() ?? [])][0];
      expect(sent).toEqual({
        DocumentName: 'Backopper-Backup',
        Targets: target?.RunCommandParameters?.RunCommandTargets,
        Parameters: JSON.parse(target?.Input as string),
      });
    }
    expect(sent?.Parameters).toMatchObject({
      app: ['shop'],
      environment: ['live'],
      engine: ['mysql'],
      projectType: ['wordpress'],
    });
    const commandId = oversight.ssm.commands.at(-1)?.commandId as string;
    expect(out[0]).toBe(
      `backopper run: sent command ${commandId} (Backopper-Backup, shop in live) to tag:backopper:environment=live`,
    );
    expect(out).toContain('status: InProgress');
    expect(out).toContain('status: Success');
    expect(out).toContain(
      'i-web1  Success  exit 0  succeeded: database succeeded 135.0 KiB, upload succeeded 135.0 KiB, media skipped',
    );
    expect(out).toContain('i-web2  Success  exit 0  skipped: shop is not on this server');
    expect(out.some((line) => line.startsWith('  {"app":"shop","environment":"live","status":"succeeded"'))).toBe(true);
    expect(out.at(-1)).toBe('ok: backed up on i-web1 (1 server(s) without the app skipped it)');
    expect(polls).toBe(2);
  });

  it('exits 1 and names the server when the backup fails', async () => {
    await setUp();
    oversight.ssm.respond = (_command, instanceId) =>
      instanceId === 'i-web1' ? failedOutcome('shop') : checkSkippedOutcome('shop');
    expect(await cli(['run', 'live', 'shop', '--json'])).toBe(1);
    const result = JSON.parse(out.slice(out.indexOf('{')).join('\n')) as {
      status: string;
      ok: boolean;
      summary: string;
      instances: { instanceId: string; responseCode: number; report?: { status: string } }[];
    };
    expect(result).toMatchObject({ status: 'Failed', ok: false, summary: 'FAILED: Failed on i-web1', timedOut: false });
    expect(
      result.instances.map((instance) => [instance.instanceId, instance.responseCode, instance.report?.status]),
    ).toEqual([
      ['i-web1', 1, 'failed'],
      ['i-web2', 0, 'skipped'],
    ]);
  });

  it('exits 1 when the app is on no server, or no server carries the tag', async () => {
    await setUp();
    oversight.ssm.respond = () => skippedOutcome('shop');
    expect(await cli(['run', 'live', 'shop'])).toBe(1);
    expect(out.at(-1)).toBe('FAILED: the app is on none of the 2 server(s): every one skipped it');
    out = [];
    oversight.ssm.respond = () => checkSkippedOutcome('shop');
    expect(await cli(['run', 'live', 'shop'])).toBe(1);
    expect(out.at(-1)).toBe('FAILED: the app is on none of the 2 server(s): every one skipped it');
    out = [];
    oversight.ssm.instances.clear();
    expect(await cli(['run', 'live', 'shop'])).toBe(1);
    expect(out.at(-1)).toBe('FAILED: no server matched the target tag: nothing was backed up');
  });

  it('gives up following after --timeout, says the command keeps running, and exits 1', async () => {
    await setUp();
    expect(await cli(['run', 'live', 'shop', '--timeout', '60', '--interval', '10'], false)).toBe(1);
    const commandId = oversight.ssm.commands.at(-1)?.commandId as string;
    expect(out.at(-1)).toBe(
      `TIMED OUT: still Pending after 60s; the command keeps running (aws ssm list-command-invocations --command-id ${commandId} --details)`,
    );
    expect(polls).toBe(6);
  });

  it('without --follow, says where the command is every 30 s while it waits (never silent for an hour)', async () => {
    await setUp();
    let sleeps = 0;
    // The command starts on the first wait, then runs past the timeout.
    const status = await runCli(['run', 'live', 'shop', '--timeout', '100', '--interval', '10'], {
      env: oversight.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps({
        now: () => new Date(clock),
        sleep: async (ms) => {
          clock += ms;
          sleeps += 1;
          if (sleeps === 1) oversight.ssm.advance();
        },
      }),
    });
    expect(status).toBe(1);
    const waiting = out.filter((line) => /^(status|waiting):/.test(line));
    expect(waiting).toEqual([
      'status: InProgress',
      'waiting: InProgress for 40s (i-web1 InProgress, i-web2 InProgress)',
      'waiting: InProgress for 1m10s (i-web1 InProgress, i-web2 InProgress)',
      'waiting: InProgress for 1m40s (i-web1 InProgress, i-web2 InProgress)',
    ]);
    expect(out.at(-1)).toMatch(/^TIMED OUT: still InProgress after 100s/);
  });

  it('a waiting line whose server listing fails goes without the servers; the wait goes on', async () => {
    await setUp();
    const answer = oversight.ssm.answer.bind(oversight.ssm);
    let refused = 0;
    // (Not throttling: the SDK retries that itself.)
    oversight.ssm.answer = (command: string, input: unknown) => {
      if (command === 'ListCommandInvocations' && refused < 2) {
        refused += 1;
        throw Object.assign(new Error('not authorized to perform ssm:ListCommandInvocations'), {
          name: 'AccessDeniedException',
        });
      }
      return answer(command, input);
    };
    let sleeps = 0;
    const status = await runCli(['run', 'live', 'shop', '--timeout', '100', '--interval', '10'], {
      env: oversight.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      deps: oversight.deps({
        now: () => new Date(clock),
        sleep: async (ms) => {
          clock += ms;
          sleeps += 1;
          if (sleeps === 1) oversight.ssm.advance();
        },
      }),
    });
    expect(refused).toBe(2);
    expect(out.filter((line) => line.startsWith('waiting:'))).toEqual([
      'waiting: InProgress for 40s',
      'waiting: InProgress for 1m10s',
      'waiting: InProgress for 1m40s (i-web1 InProgress, i-web2 InProgress)',
    ]);
    expect([status, out.at(-1)?.slice(0, 40)]).toEqual([1, 'TIMED OUT: still InProgress after 100s; ']);
  });

  it('on a terminal, keeps one waiting line up to date and clears it before the result', async () => {
    await setUp();
    let written = '';
    const tty = {
      isTTY: true,
      palette: createPalette(false),
      write: (text: string) => {
        written += text;
      },
    };
    oversight.ssm.respond = (_command, instanceId) =>
      instanceId === 'i-web1' ? succeededOutcome('shop') : checkSkippedOutcome('shop');
    let sleeps = 0;
    const status = await runCli(['run', 'live', 'shop', '--interval', '5'], {
      env: oversight.env,
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      terminal: { stdout: tty, stderr: tty },
      deps: oversight.deps({
        now: () => new Date(clock),
        sleep: async (ms) => {
          clock += ms;
          sleeps += 1;
          if (sleeps % 3 === 0) oversight.ssm.advance();
        },
      }),
    });
    expect(status).toBe(0);
    expect(written).toContain('\rwaiting: Pending for 0s\u001b[K');
    expect(written).toContain('\rwaiting: InProgress for 20s (i-web1 InProgress, i-web2 InProgress)\u001b[K');
    expect(written.endsWith('\r\u001b[K')).toBe(true); // cleared before the result lines
    expect(out.filter((line) => line.startsWith('waiting:'))).toEqual([]); // no permanent waiting lines
    expect(out.at(-1)).toBe('ok: backed up on i-web1 (1 server(s) without the app skipped it)');
  });

  it('reports a cancelled command as a failure', async () => {
    await setUp();
    oversight.ssm.respond = () => ({ status: 'Cancelled', responseCode: -1 });
    expect(await cli(['run', 'live', 'shop'])).toBe(1);
    expect(out).toContain('i-web1  Cancelled  exit -1  no run report');
    expect(out.at(-1)).toBe('FAILED: Cancelled on i-web1, i-web2');
  });

  it('finds an app whose schedule name is shortened with a hash', async () => {
    await setUp();
    oversight.ssm.respond = (_command, instanceId) =>
      instanceId === 'i-web2' ? succeededOutcome('x'.repeat(64)) : skippedOutcome('x'.repeat(64));
    expect(await cli(['run', 'live', 'x'.repeat(64)])).toBe(0);
    expect(oversight.ssm.sent[0]?.Parameters?.engine).toEqual(['postgres']);
  });

  it('exits 3 (no such app) or 2 (bad invocation) without sending anything, suggesting the closest name', async () => {
    await setUp();
    expect(await cli(['run', 'live', 'shpo'])).toBe(3);
    expect(err.at(-1)).toBe(
      'backopper run: no app shpo in live (did you mean shop?): it has no backup schedule there (`backopper plan` says why an app in the app list has none); `backopper status` lists the apps',
    );
    expect(await cli(['run', 'live', 'nope'])).toBe(3);
    expect(err.at(-1)).not.toContain('did you mean');
    expect(await cli(['run', 'staging', 'shop'])).toBe(3);
    expect(err.at(-1)).toContain('no app shop in staging (it is scheduled in: live): it has no backup schedule there');
    expect(await cli(['run', 'acceptance', 'shop'])).toBe(2);
    expect(err.at(-1)).toContain('acceptance is not in BACKOPPER_ENVIRONMENTS (staging, live)');
    expect(await cli(['run', 'stagin', 'shop'])).toBe(2);
    expect(err.at(-1)).toBe(
      'backopper run: configuration error: <environment>: stagin is not in BACKOPPER_ENVIRONMENTS (staging, live) (did you mean staging?)',
    );
    expect(await cli(['run', 'live', '../etc'])).toBe(2);
    expect(err.join('\n')).toContain('app name "../etc" is not a folder name');
    expect(await cli(['run', 'live'])).toBe(2);
    expect(await cli(['run', 'live', 'shop', '--timeout', '0'])).toBe(2);
    expect(oversight.ssm.sent).toEqual([]);
  });
});
