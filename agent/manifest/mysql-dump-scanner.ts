import { Transform, type TransformCallback } from 'node:stream';
import { type DumpManifest, emptyManifest } from '../../common/dump-manifest';

const NEWLINE = 0x0a;
const QUOTE = 0x27; // '
const BACKSLASH = 0x5c;
const BACKTICK = 0x60;
const OPEN = 0x28;
const CLOSE = 0x29;
const SEMICOLON = 0x3b;
/** Enough of a line to recognise what it starts. */
const HEAD_BYTES = 512;
const INSERT = Buffer.from('INSERT INTO `');

const name = '`((?:[^`]|``)+)`';
const unquote = (quoted: string) => quoted.replace(/``/g, '`');
const PATTERNS: [RegExp, 'tables' | 'views' | 'routines' | 'triggers' | 'events'][] = [
  [new RegExp(`^CREATE TABLE ${name}`), 'tables'],
  [new RegExp(`^/\\*!50001 VIEW ${name}`), 'views'],
  [new RegExp(`^CREATE .*?\\b(?:PROCEDURE|FUNCTION) ${name}`), 'routines'],
  [new RegExp(`^/\\*!50003 CREATE\\*/ .*?/\\*!50003 TRIGGER (?:${name}|([^\\s\`]+))`), 'triggers'],
  [new RegExp(`^/\\*!50106 CREATE\\*/ .*?/\\*!50106 EVENT ${name}`), 'events'],
];

/**
 * Reads mysqldump's SQL as it streams past and builds its manifest: the tables, views, routines,
 * triggers and events it creates, and the rows its INSERT statements carry per table (a value tuple
 * at depth 0, outside quoted strings, is a row). Statements between `DELIMITER ;;` and `DELIMITER ;`
 * (routine and trigger bodies) are not data. One pass over the bytes, nothing buffered but a line head.
 */
export class MysqlDumpScanner {
  private readonly manifest = emptyManifest('mysql');
  private head = Buffer.alloc(HEAD_BYTES);
  private headLength = 0;
  private inBody = false;
  // INSERT statement state.
  private table: string | undefined;
  private phase: 'name' | 'values' = 'name';
  private nameBytes: number[] = [];
  private pendingBacktick = false;
  private inString = false;
  private escaped = false;
  private depth = 0;
  private rows = 0;

  /** Feeds the next bytes of the SQL. */
  write(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      if (this.table !== undefined && this.phase === 'values') {
        i = this.scanValues(chunk, i);
        continue;
      }
      const byte = chunk[i]!;
      if (this.table !== undefined) {
        this.insertByte(byte);
        continue;
      }
      if (byte === NEWLINE) {
        this.endLine();
        continue;
      }
      if (this.headLength < HEAD_BYTES) this.head[this.headLength++] = byte;
      if (this.headLength === INSERT.length && !this.inBody && this.head.subarray(0, INSERT.length).equals(INSERT)) {
        this.table = '';
        this.phase = 'name';
        this.nameBytes = [];
        this.pendingBacktick = false;
      }
    }
  }

  /** The manifest of everything written so far (names sorted). */
  result(): DumpManifest {
    const objects = this.manifest.objects;
    for (const kind of Object.keys(objects) as (keyof typeof objects)[])
      objects[kind] = [...new Set(objects[kind])].sort();
    return { ...this.manifest, objects };
  }

  private endLine(): void {
    const line = this.head.toString('utf8', 0, this.headLength);
    this.headLength = 0;
    if (line.startsWith('DELIMITER ')) this.inBody = line.trim() !== 'DELIMITER ;';
    for (const [pattern, kind] of PATTERNS) {
      const match = pattern.exec(line);
      if (!match) continue;
      const found = unquote(match[1] ?? match[2]!);
      this.manifest.objects[kind].push(found);
      if (kind === 'tables') this.manifest.rows[found] ??= 0;
      break;
    }
  }

  private insertByte(byte: number): void {
    if (this.phase === 'name') {
      // The table name: backtick-quoted, `` is one backtick.
      if (this.pendingBacktick) {
        this.pendingBacktick = false;
        if (byte === BACKTICK) {
          this.nameBytes.push(byte);
          return;
        }
        this.table = Buffer.from(this.nameBytes).toString('utf8');
        this.phase = 'values';
        this.inString = this.escaped = false;
        this.depth = 0;
        this.rows = 0;
        this.valuesByte(byte);
        return;
      }
      if (byte === BACKTICK) this.pendingBacktick = true;
      else this.nameBytes.push(byte);
      return;
    }
    this.valuesByte(byte);
  }

  /**
   * The hot loop: the values of an INSERT, with the state in locals. Returns the index of the last
   * byte consumed (the statement's `;`, or the chunk's end).
   */
  private scanValues(chunk: Buffer, from: number): number {
    let { inString, escaped, depth, rows } = this;
    let i = from;
    const end = chunk.length;
    for (; i < end; i++) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN) {
        if (depth === 0) rows++;
        depth++;
      } else if (byte === CLOSE) depth--;
      else if (byte === SEMICOLON && depth === 0) break;
    }
    Object.assign(this, { inString, escaped, depth, rows });
    if (i < end) this.valuesByte(SEMICOLON);
    return i < end ? i : end - 1;
  }

  private valuesByte(byte: number): void {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (byte === BACKSLASH) this.escaped = true;
      else if (byte === QUOTE) this.inString = false;
      return;
    }
    if (byte === QUOTE) this.inString = true;
    else if (byte === OPEN) {
      if (this.depth === 0) this.rows++;
      this.depth++;
    } else if (byte === CLOSE) this.depth--;
    else if (byte === SEMICOLON && this.depth === 0) {
      const table = this.table!;
      this.manifest.rows[table] = (this.manifest.rows[table] ?? 0) + this.rows;
      this.table = undefined;
      this.headLength = 0;
    }
  }
}

/** A pass-through stream that feeds a {@link MysqlDumpScanner}. */
export class MysqlManifestTap extends Transform {
  readonly scanner = new MysqlDumpScanner();
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.scanner.write(chunk);
    callback(null, chunk);
  }
}
