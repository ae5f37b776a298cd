import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who a process is, precisely enough to tell it from a later process that got the same pid: after a
 * reboot (another boot id) or once pids wrap around (another start time).
 */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of `/proc/<pid>/stat`: clock ticks after boot when the process started. */
  startTime?: number;
  /** `/proc/sys/kernel/random/boot_id` when the identity was recorded. */
  bootId?: string;
}

/** Whether a recorded process still runs, and if not, why (for the report). */
export type Liveness = { running: true } | { running: false; reason: string };

/** The ticks per second of `/proc` times: USER_HZ, 100 on every Linux architecture. */
const USER_HZ = 100;

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** This boot's id, or undefined without `/proc`. */
export function currentBootId(): string | undefined {
  return readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** State (field 3) and start time (field 22) of `/proc/<pid>/stat`; undefined when there is no such process or no `/proc`. */
function readStat(pid: number): { state: string; startTime: number } | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces; fields 3... follow the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = Number(fields[19]);
  return Number.isInteger(startTime) ? { state: fields[0] ?? '', startTime } : undefined;
}

/** The start time (field 22 of `/proc/<pid>/stat`), or undefined when there is no such process or no `/proc`. */
export function processStartTime(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

/** This process, as the lock and the agent's temporary folders record it. */
export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid), bootId: currentBootId() };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the recorded process still runs. `recordedAtMs` (when the record was written, e.g. a file's
 * mtime) catches a reused pid when the record has no start time (older locks held only a pid).
 */
export function checkProcess(identity: ProcessIdentity, recordedAtMs?: number): Liveness {
  const { pid } = identity;
  const bootId = currentBootId();
  if (identity.bootId && bootId && identity.bootId !== bootId)
    return { running: false, reason: `pid ${pid} was recorded before the last reboot` };
  const gone: Liveness = { running: false, reason: `pid ${pid}, no longer running` };
  if (!pidExists(pid)) return gone;
  const stat = readStat(pid);
  if (stat === undefined) return { running: true }; // no /proc: the pid is all we can check
  // A killed run whose parent died too may stay a zombie until something reaps it.
  if (stat.state === 'Z' || stat.state === 'X') return gone;
  const { startTime } = stat;
  if (identity.startTime !== undefined && identity.startTime !== startTime)
    return { running: false, reason: `pid ${pid} now belongs to another process` };
  if (identity.startTime === undefined && recordedAtMs !== undefined) {
    const startedAtMs = bootTimeMs() + (startTime / USER_HZ) * 1000;
    // Slack for a clock step since (boot time moves with it); a reboot takes longer than that.
    if (startedAtMs > recordedAtMs + 5000)
      return { running: false, reason: `pid ${pid} now belongs to another process` };
  }
  return { running: true };
}

/** When this boot began (`btime` in /proc/stat), in ms since the epoch; 0 when unknown. */
function bootTimeMs(): number {
  const line = readProc('/proc/stat')
    ?.split('\n')
    .find((text) => text.startsWith('btime '));
  return line ? Number(line.slice(6)) * 1000 : 0;
}

/**
 * A short id of this server for file names on shared storage (the media server): a hash of the
 * machine id and the host name, so two servers differ even when cloned from one image (same machine
 * id) or given the same name.
 */
export function hostId(): string {
  const machineId = readProc('/etc/machine-id') ?? readProc('/var/lib/dbus/machine-id') ?? '';
  return createHash('sha256').update(`${machineId.trim()}\n${hostname()}`).digest('hex').slice(0, 8);
}
