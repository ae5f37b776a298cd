/**
 * What `backopper run` prints while it waits for a command it does not follow: a line when the status
 * changes and, off a terminal, a `waiting:` line every 30 s (so a log or CI job shows it is alive); on a
 * terminal, one line redrawn in place. Never silent for up to an hour. The formatting is pure.
 */
import { formatDuration } from '../terminal/duration';

/** Where the command is. */
export interface WaitSnapshot {
  /** The command's status (`Pending`, `InProgress`). */
  status: string;
  /** Since it was sent. */
  elapsedMs: number;
  /** Each server's invocation status, when known. */
  instances: { instanceId: string; status: string }[];
}

/** `waiting: InProgress for 1m30s (i-web1 InProgress, i-web2 Success)`. Pure. */
export function describeWait(snapshot: WaitSnapshot): string {
  const servers = snapshot.instances.map((instance) => `${instance.instanceId} ${instance.status}`);
  const shown = servers.length > 4 ? [...servers.slice(0, 4), `${servers.length - 4} more`] : servers;
  return `waiting: ${snapshot.status} for ${formatDuration(snapshot.elapsedMs / 1000)}${shown.length ? ` (${shown.join(', ')})` : ''}`;
}

/** Options of {@link createWaitReporter}. */
export interface WaitReporterOptions {
  /** The stream is a terminal: redraw one line in place instead of printing lines. */
  live: boolean;
  /** Prints one whole line. */
  line: (text: string) => void;
  /** Writes raw text (only used when `live`). */
  write: (text: string) => void;
  now: () => number;
  /** Off a terminal, between `waiting:` lines. @default 30000 */
  everyMs?: number;
  /** The terminal's width: a live line is cut to fit, so `\r` redraws it instead of wrapping. */
  columns?: number;
}

/** Prints status changes and the heartbeat; {@link WaitReporter.finish} clears a live line. */
export interface WaitReporter {
  /** A line that stays (a status change); clears the live line first. */
  say(text: string): void;
  /** Whether a snapshot would be shown now (so the caller reads the servers only then). */
  due(): boolean;
  show(snapshot: WaitSnapshot): void;
  finish(): void;
}

/** A reporter for one wait. */
export function createWaitReporter(options: WaitReporterOptions): WaitReporter {
  const every = options.everyMs ?? 30_000;
  let lastShown = options.now();
  let drawn = false;
  const clear = () => {
    if (drawn) options.write('\r\u001b[K');
    drawn = false;
  };
  return {
    say(text) {
      clear();
      options.line(text);
      lastShown = options.now();
    },
    due: () => options.live || options.now() - lastShown >= every,
    show(snapshot) {
      lastShown = options.now();
      if (!options.live) return options.line(describeWait(snapshot));
      const text = describeWait(snapshot);
      const fits = options.columns && text.length >= options.columns ? `${text.slice(0, options.columns - 2)}…` : text;
      options.write(`\r${fits}\u001b[K`);
      drawn = true;
    },
    finish: clear,
  };
}
