/**
 * The crux of an error, pure: the words a person acts on, without the tool prefixes that fill a subject
 * line before it (`mysqldump exited with status 2: mysqldump: Got error: 1045: Access denied for user
 * 'shop'...` → `Access denied for user 'shop'...`). Only the subject is cut this way; the body keeps the
 * whole error.
 */

// Each is stripped from the start, again and again, while one matches and something is left after it.
const PREFIXES: readonly RegExp[] = [
  /^[\w.+-]+ (?:exited|failed) with (?:status|code|exit code) -?\d+(?: \([^)]*\))?[:,]\s*/i,
  /^(?:mysqldump|mariadb-dump|mysql|mariadb|pg_dump|pg_restore|psql|tar|gzip|pigz|ssh|scp|sftp|rsync|node|sh|backopper)(?:\[\d+\])?:\s*/i,
  /^Got error:\s*\d+:\s*/i,
  /^(?:error|fatal|warning)(?: \d+)?(?: \([\w ]+\))?:\s*/i,
  /^connection to server (?:at|on) .*? failed:\s*/i,
  /^(?:database|upload|media|transfer|retention|verify|catch-up):\s*/i,
];

/** The error without its tool prefixes, quotes the tool put around it removed. Never empty: falls back to `text`. */
export function errorCrux(text: string): string {
  let crux = text.replace(/\s+/g, ' ').trim();
  for (let changed = true; changed;) {
    changed = false;
    for (const prefix of PREFIXES) {
      const rest = crux.replace(prefix, '');
      if (rest !== crux && rest.trim() !== '') {
        crux = rest.trim();
        changed = true;
      }
    }
  }
  // mysqldump quotes the server's message: "Access denied ..." when trying to connect
  const quoted = /^"([^"]+)"(.*)$/.exec(crux);
  if (quoted) crux = `${quoted[1]}${quoted[2]}`;
  return crux || text.trim();
}
