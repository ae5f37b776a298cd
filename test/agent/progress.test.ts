/**
 * Progress lines in long steps: the pure line, the interval setting, the ticker (fake timers), and a
 * real agent whose dump lasts until the test releases it, showing progress lines before the step line
 * and the report.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configureProgress, formatProgress, parseProgressInterval, watchWhile } from '../../agent/process/progress';
import { backupArgs, FIXTURE_BIN, startAgent } from '../services/agent';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('progress lines', () => {
  afterEach(() => {
    configureProgress(undefined);
    vi.useRealTimers();
  });

  it('say the bytes so far, the rate over the last interval and the time', () => {
    expect(formatProgress('database', 1_288_490_189, 1_241_513_984, 60_000, 1000)).toBe(
      'progress database: 1.2 GiB so far, 44.8 MiB/s (60 s)',
    );
    expect(formatProgress('transfer', undefined, 0, 90_400, 30_000)).toBe(
      'progress transfer: still running after 90 s',
    );
  });

  it('BACKOPPER_PROGRESS_INTERVAL: seconds from 0.1 to 3600, 0 for none, 30 by default', () => {
    expect([
      parseProgressInterval(undefined),
      parseProgressInterval('5'),
      parseProgressInterval('0.5'),
      parseProgressInterval('0'),
    ]).toEqual([30_000, 5000, 500, 0]);
    for (const bad of ['fast', '-1', '0.01', '7200'])
      expect(() => parseProgressInterval(bad)).toThrow(
        /BACKOPPER_PROGRESS_INTERVAL .* is not a number of seconds from 0\.1 to 3600/,
      );
  });

  it('tick at the interval while the work runs, stop when it settles, and pass its result or error through', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    configureProgress({ write: (line) => lines.push(line), intervalMs: 30_000 });
    let bytes = 0;
    let finish!: (value: string) => void;
    const watched = watchWhile('upload', () => bytes, new Promise<string>((resolve) => (finish = resolve)));
    bytes = 30 * 1024 * 1024;
    await vi.advanceTimersByTimeAsync(30_000);
    bytes = 90 * 1024 * 1024;
    await vi.advanceTimersByTimeAsync(30_000);
    finish('done');
    expect(await watched).toBe('done');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(lines).toEqual([
      'progress upload: 30.0 MiB so far, 1.0 MiB/s (30 s)',
      'progress upload: 90.0 MiB so far, 2.0 MiB/s (60 s)',
    ]);
    await expect(watchWhile('media', () => 0, Promise.reject(new Error('tar failed')))).rejects.toThrow('tar failed');
  });

  it('print nothing when not configured (library use) or turned off', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    configureProgress({ write: (line) => lines.push(line), intervalMs: 0 });
    const work = watchWhile('database', () => 1, new Promise((resolve) => setTimeout(resolve, 100_000)));
    await vi.advanceTimersByTimeAsync(100_000);
    await work;
    expect(lines).toEqual([]);
  });
});

describe('the agent during a long dump', () => {
  let ws: Workspace;
  let s3: LocalS3;
  beforeAll(async () => {
    [ws, s3] = await Promise.all([createWorkspace(), startStrictS3()]);
    writeWordpressApp(ws.appsDir, 'slow', {
      database: 'slow',
      user: 'slow',
      password: 'x',
      host: '127.0.0.1',
      port: 3306,
    });
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), s3?.stop()]);
  });

  it('prints progress lines while the dump runs, before the step line and the JSON report', async () => {
    const release = join(ws.root, 'release-dump');
    const agent = startAgent(backupArgs('slow', 'mysql', 'wordpress'), {
      ...ws.env,
      ...s3.env,
      BACKOPPER_BUCKET: s3.bucket,
      PATH: `${FIXTURE_BIN}:${process.env.PATH}`,
      FAKE_DUMP_MODE: 'hold',
      FAKE_DUMP_RELEASE: release,
      BACKOPPER_PROGRESS_INTERVAL: '0.1',
    });
    // The dump waits for the release file: release it once two progress lines have shown.
    let seen = '';
    await new Promise<void>((resolve) => {
      agent.child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if ((seen.match(/progress database:/g) ?? []).length >= 2) resolve();
      });
    });
    writeFileSync(release, '');
    const run = await agent.finished;
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const progress = lines.filter((line) => line.startsWith('[backopper] progress database: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatch(
      /^\[backopper\] progress database: \d+(\.\d)? (B|KiB) so far, \d+(\.\d)? (B|KiB)\/s \(\d+ s\)$/,
    );
    const stepLine = lines.findIndex((line) => line.startsWith('[backopper] database '));
    expect(lines.lastIndexOf(progress.at(-1)!)).toBeLessThan(stepLine);
    expect(run.report.status).toBe('succeeded');
  });
});
