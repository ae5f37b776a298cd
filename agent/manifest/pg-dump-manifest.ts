import { Transform, type TransformCallback } from 'node:stream';
import { type DumpManifest, emptyManifest, type ManifestKind } from '../../common/dump-manifest';

const BLOCK = 512;
const NEWLINE = 0x0a;

/**
 * Counts the rows of each `<dump id>.dat` member of a `pg_dump --format=tar` archive as it streams
 * past: COPY text has one line per row (newlines in values are escaped) and ends with a `\.` line.
 * Nothing is buffered but one tar header.
 */
export class PgTarRowCounter {
  /** Rows per data member, by dump id. */
  readonly rowsById = new Map<number, number>();
  private header = Buffer.alloc(BLOCK);
  private headerLength = 0;
  private remaining = 0; // data bytes left in the current member
  private padding = 0; // bytes to skip after it
  private id: number | undefined;
  private rows = 0;
  private lineLength = 0;
  private lineIsEnd = false; // the current line so far is `\.`
  private ended = false;

  write(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        if (this.id !== undefined) this.countLines(chunk, i, i + take);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.endMember();
        continue;
      }
      if (this.padding > 0) {
        const skip = Math.min(this.padding, chunk.length - i);
        this.padding -= skip;
        i += skip;
        continue;
      }
      const take = Math.min(BLOCK - this.headerLength, chunk.length - i);
      chunk.copy(this.header, this.headerLength, i, i + take);
      this.headerLength += take;
      i += take;
      if (this.headerLength === BLOCK) this.startMember();
    }
  }

  private startMember(): void {
    this.headerLength = 0;
    if (this.header.every((byte) => byte === 0)) return; // end-of-archive blocks
    const name = this.header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(this.header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const match = /^(\d+)\.dat$/.exec(name);
    this.id = match ? Number(match[1]) : undefined;
    this.rows = 0;
    this.lineLength = 0;
    this.lineIsEnd = false;
    this.ended = false;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endMember();
  }

  private countLines(chunk: Buffer, from: number, to: number): void {
    // Fast path: in a line longer than 2 bytes (not `\\.`) nothing but its newline matters.
    for (let i = from; i < to; i++) {
      if (!this.ended && this.lineLength > 2) {
        const next = chunk.indexOf(NEWLINE, i);
        if (next === -1 || next >= to) {
          this.lineLength += to - i;
          this.lineIsEnd = false;
          return;
        }
        this.lineLength += next - i;
        this.lineIsEnd = false;
        i = next;
      }
      const byte = chunk[i]!;
      if (byte === NEWLINE) {
        if (!this.ended) {
          if (this.lineIsEnd && this.lineLength === 2) this.ended = true;
          else this.rows++;
        }
        this.lineLength = 0;
        this.lineIsEnd = false;
        continue;
      }
      if (this.ended) continue;
      this.lineLength++;
      if (this.lineLength === 1)
        this.lineIsEnd = byte === 0x5c; // \
      else if (this.lineLength === 2) this.lineIsEnd &&= byte === 0x2e; // .
    }
  }

  private endMember(): void {
    if (this.id !== undefined) this.rowsById.set(this.id, this.rows);
    this.id = undefined;
  }
}

/** A pass-through stream that feeds a {@link PgTarRowCounter}. */
export class PgManifestTap extends Transform {
  readonly counter = new PgTarRowCounter();
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.counter.write(chunk);
    callback(null, chunk);
  }
}

const KIND_OF: Record<string, ManifestKind> = {
  TABLE: 'tables',
  VIEW: 'views',
  'MATERIALIZED VIEW': 'views',
  FUNCTION: 'routines',
  PROCEDURE: 'routines',
  AGGREGATE: 'routines',
  TRIGGER: 'triggers',
  SEQUENCE: 'sequences',
};
// Longer types first: `TABLE DATA` is not a TABLE, `SEQUENCE SET` not a SEQUENCE (both are skipped or counted).
const ENTRY =
  /^(\d+); \d+ \d+ (MATERIALIZED VIEW DATA|SEQUENCE OWNED BY|SEQUENCE SET|TABLE DATA|MATERIALIZED VIEW|TABLE|VIEW|FUNCTION|PROCEDURE|AGGREGATE|TRIGGER|SEQUENCE) (\S+) (.+) (\S+)$/;

/**
 * The manifest of a PostgreSQL dump from `pg_restore --list` and the rows counted per data member.
 * Names: `schema.name` (routines without their arguments; triggers `schema.trigger`). Pure.
 */
export function manifestFromPgList(list: string, rowsById: ReadonlyMap<number, number>): DumpManifest {
  const manifest = emptyManifest('postgres');
  for (const line of list.split('\n')) {
    const match = ENTRY.exec(line);
    if (!match) continue;
    const [, id, type, schema, middle] = match as unknown as [string, string, string, string, string];
    if (type === 'TABLE DATA') {
      manifest.rows[`${schema}.${middle}`] = rowsById.get(Number(id)) ?? 0;
      continue;
    }
    const kind = KIND_OF[type];
    if (!kind) continue;
    const objectName =
      kind === 'routines'
        ? middle.replace(/\(.*$/, '')
        : kind === 'triggers'
          ? middle.slice(middle.lastIndexOf(' ') + 1)
          : middle;
    manifest.objects[kind].push(`${schema}.${objectName}`);
    if (kind === 'tables') manifest.rows[`${schema}.${objectName}`] ??= 0;
  }
  for (const kind of Object.keys(manifest.objects) as ManifestKind[])
    manifest.objects[kind] = [...new Set(manifest.objects[kind])].sort();
  return manifest;
}
