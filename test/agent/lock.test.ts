import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const LOCK = '.backopper.lock';
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot. */
const startTimeOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);

/** A pid that no process has any more: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((done) => child.once('exit', done));
  return child.pid!;
}

/** Lines a child prints, as they come. */
function lines(child: { stdout: Readable }): () => string[] {
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text.split('\n').filter(Boolean);
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the per-app lock', () => {
  let ws: Workspace;
  let sshd: LocalSshd;
  let sleeper: ReturnType<typeof spawn>;
  const app = 'locked';
  const lockPath = () => join(ws.backupsDir, app, LOCK);

  beforeAll(async () => {
    [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    mkdirSync(join(ws.appsDir, app, 'files'), { recursive: true });
    mkdirSync(join(ws.backupsDir, app), { recursive: true });
    // Another live process, unrelated to any backup: the one a reused pid now names.
    sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  });
  afterAll(async () => {
    sleeper?.kill();
    await Promise.all([ws?.remove(), sshd?.stop()]);
  });

  // engine none and an empty media folder: a run that takes the lock, sends a tiny archive, and succeeds.
  const run = () =>
    runAgent(backupArgs(app, 'none', 'static'), { ...ws.env, ...sshd.env, BACKOPPER_MEDIA_DIR: 'files' });

  it('takes over a lock of plain pid format whose pid now belongs to a process started after the lock was written (a reboot)', async () => {
    writeFileSync(lockPath(), `${sleeper.pid}\n`);
    const written = new Date(Date.now() - 3_600_000);
    utimesSync(lockPath(), written, written);
    const result = await run();
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.report.cleaned).toEqual([`${lockPath()} (pid ${sleeper.pid} now belongs to another process)`]);
    expect(sleeper.exitCode).toBe(null);
    expect(readdirSync(join(ws.backupsDir, app)).filter((name) => name.startsWith(LOCK))).toEqual([]);
  });

  it.each([
    [
      "a start time that is not the live process's",
      () => ({ startTime: startTimeOf(sleeper.pid!) + 1, bootId: bootId() }),
      'now belongs to another process',
    ],
    [
      'another boot id',
      () => ({ startTime: startTimeOf(sleeper.pid!), bootId: '00000000-0000-4000-8000-000000000000' }),
      'was recorded before the last reboot',
    ],
  ])('takes over a lock whose live pid has %s', async (_, identity, reason) => {
    writeFileSync(lockPath(), `${JSON.stringify({ pid: sleeper.pid, ...identity() })}\n`);
    const result = await run();
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.report.cleaned).toEqual([`${lockPath()} (pid ${sleeper.pid} ${reason})`]);
    expect(readdirSync(join(ws.backupsDir, app)).filter((name) => name.startsWith(LOCK))).toEqual([]);
  });

  it('keeps a lock whose pid, start time and boot id are a live process: "already running", nothing touched', async () => {
    const content = `${JSON.stringify({ pid: sleeper.pid, startTime: startTimeOf(sleeper.pid!), bootId: bootId() })}\n`;
    writeFileSync(lockPath(), content);
    const result = await run();
    expect(result.exitCode).toBe(1);
    expect(result.report.error).toBe(`a backup of ${app} is already running (pid ${sleeper.pid}, lock ${lockPath()})`);
    expect(readFileSync(lockPath(), 'utf8')).toBe(content);
  });

  it('is not blocked for ever by the takeover claim of a run killed mid-takeover', async () => {
    const dead = { pid: await deadPid(), startTime: 1, bootId: bootId() };
    writeFileSync(lockPath(), `${JSON.stringify(dead)}\n`);
    const claim = `${lockPath()}.takeover-${statSync(lockPath()).ino}`;
    writeFileSync(claim, `${JSON.stringify({ ...dead, pid: await deadPid() })}\n`);
    const result = await run();
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.report.cleaned).toEqual([`${lockPath()} (pid ${dead.pid}, no longer running)`]);
    expect(readdirSync(join(ws.backupsDir, app)).filter((name) => name.startsWith(LOCK))).toEqual([]);
  });

  describe('concurrent runs that all find the same dead lock', () => {
    let racer: string;
    beforeAll(() => {
      racer = join(ws.root, 'lock-racer.js');
      buildSync({
        entryPoints: [resolve(__dirname, '../services/lock-racer.ts')],
        outfile: racer,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        logLevel: 'error',
      });
    });

    it('50 trials of 2 to 4 racing processes: exactly one takes the lock each time, and nothing is left after', async () => {
      const winners: number[] = [];
      for (let trial = 0; trial < 50; trial += 1) {
        const dir = join(ws.root, 'race', String(trial));
        mkdirSync(dir, { recursive: true });
        const dead = await deadPid();
        // Both formats a dead run may have left: this version's and the plain pid of older ones.
        writeFileSync(
          join(dir, LOCK),
          trial % 2 === 0 ? `${JSON.stringify({ pid: dead, startTime: 1, bootId: bootId() })}\n` : `${dead}\n`,
        );
        const start = join(dir, 'start');
        const racers = Array.from({ length: 2 + (trial % 3) }, () =>
          spawn(process.execPath, [racer, dir, start], { stdio: ['pipe', 'pipe', 'inherit'] }),
        );
        const outputs = racers.map(lines);
        const exits = racers.map((child) => new Promise((done) => child.once('exit', done)));
        await until('every racer to be ready', () => outputs.every((out) => out().includes('ready')));
        writeFileSync(start, '');
        await until('every racer to decide', () => outputs.every((out) => out().length === 2));
        const results = outputs.map((out) => out()[1]!);
        winners.push(results.filter((line) => line === 'won').length);
        for (const line of results)
          expect(line, `trial ${trial}`).toMatch(
            /^(won|busy: a backup of race is already running \(pid \d+, lock .*\))$/,
          );
        for (const child of racers) child.stdin.end();
        await Promise.all(exits);
        expect(readdirSync(dir), `trial ${trial}`).toEqual(['start']);
      }
      expect(winners).toEqual(Array(50).fill(1));
    });
  });
});
