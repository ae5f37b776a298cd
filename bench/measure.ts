import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = '/usr/bin/time';

/** One measured process run. CPU and RSS come from GNU time (wait4 rusage of the process tree). */
export interface Sample {
  wallS: number;
  /** User + system CPU seconds of the process and every child it waited for. */
  cpuS?: number;
  /** GNU time's %M: the largest resident set of any single process of the tree, in MiB. */
  peakRssMiB?: number;
  stdout: string;
}

/** A command for {@link measure}: a file and an argument array (the baseline pipelines use `sh -c` with positional arguments). */
export interface Command {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Written to the process's stdin (an sftp batch). */
  input?: string;
}

/** Whether GNU time is installed (`apt-get install time`); without it only wall times are shown. */
export const HAVE_GNU_TIME = existsSync(TIME);

/** Runs `command` to completion under GNU time; rejects with the stderr tail when it fails. */
export async function measure(command: Command): Promise<Sample> {
  const dir = await mkdtemp(join(tmpdir(), 'backopper-bench-time-'));
  const timeFile = join(dir, 'time');
  const [file, args] = HAVE_GNU_TIME
    ? [TIME, ['-f', '%U %S %M', '-o', timeFile, command.file, ...command.args]]
    : [command.file, command.args];
  try {
    const started = performance.now();
    const { code, stdout, stderr } = await spawnCollect(file, args, command);
    const wallS = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`${command.file} exited with ${code}: ${stderr.trim().slice(-2000)}`);
    if (!HAVE_GNU_TIME) return { wallS, stdout };
    const [user, system, maxRssKiB] = (await readFile(timeFile, 'utf8'))
      .trim()
      .split('\n')
      .pop()!
      .split(' ')
      .map(Number);
    return { wallS, cpuS: user + system, peakRssMiB: maxRssKiB / 1024, stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Times an in-process async action (wall only). */
export async function measureInProcess(action: () => Promise<void>): Promise<Sample> {
  const started = performance.now();
  await action();
  return { wallS: (performance.now() - started) / 1000, stdout: '' };
}

function spawnCollect(
  file: string,
  args: string[],
  command: Command,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: command.env ?? process.env,
      stdio: [command.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (command.input !== undefined) child.stdin?.end(command.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-200_000)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The median of a list of numbers (undefined for an empty list). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs `variants` alternately, `runs` times each, in ABBA order (A B, B A, A B, ...) so a slow drift of
 * the machine (other jobs, the page cache) falls on both sides; returns the samples per variant.
 */
export async function alternate<K extends string>(
  runs: number,
  variants: Record<K, () => Promise<Sample>>,
): Promise<Record<K, Sample[]>> {
  const keys = Object.keys(variants) as K[];
  const samples = Object.fromEntries(keys.map((key) => [key, [] as Sample[]])) as Record<K, Sample[]>;
  for (let run = 0; run < runs; run += 1) {
    const order = run % 2 === 0 ? keys : [...keys].reverse();
    for (const key of order) samples[key].push(await variants[key]());
  }
  return samples;
}
