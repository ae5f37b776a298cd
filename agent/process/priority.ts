import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Priority } from '../config/config';
import { messageOf } from '../errors';
import { runCommand } from './run-command';

/** The CPU niceness of a `low` run: the site's processes (nice 0) get about ten times its share of a busy core. */
export const LOW_NICE = 10;
/** `ionice` arguments of a `low` run: best-effort class, its lowest level (not idle: a busy disk must not starve the backup). */
export const LOW_IONICE = ['-c2', '-n7'];

/**
 * Lowers the agent's CPU and I/O priority for a `low` run; returns warnings (a priority that could not
 * be lowered does not stop the backup, but the report says so). On Linux niceness and I/O priority
 * belong to each thread, and new threads and child processes inherit the creating thread's: so every
 * thread that exists now is lowered, before the run starts its thread pool (compression) or any child
 * (mysqldump, pg_dump, tar, sftp), which then all inherit it.
 */
export async function applyPriority(priority: Priority): Promise<string[]> {
  if (priority === 'normal') return [];
  const warnings: string[] = [];
  const threads = threadIds();
  for (const tid of threads) {
    try {
      if (getPriority(tid) < LOW_NICE) setPriority(tid, LOW_NICE);
    } catch (error) {
      warnings.push(`BACKOPPER_PRIORITY=low: could not set nice ${LOW_NICE} on thread ${tid}: ${messageOf(error)}`);
    }
  }
  try {
    await runCommand({ file: 'ionice', args: [...LOW_IONICE, '-p', ...threads.map(String)] });
  } catch (error) {
    warnings.push(
      `BACKOPPER_PRIORITY=low: could not lower the I/O priority (ionice ${LOW_IONICE.join(' ')}): ${messageOf(error)}`,
    );
  }
  return warnings;
}

/** This process's threads (Linux), or only the process itself where /proc has no task list. */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    return [process.pid];
  }
}
