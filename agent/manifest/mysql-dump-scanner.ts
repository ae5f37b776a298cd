import { Transform, type TransformCallback } from 'node:stream';
import { type DumpManifest, emptyManifest } from '../../common/dump-manifest';

const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x27; // '
const BACKSLASH = 0x5c;
const BACKTICK = 0x60;
const OPEN = 0x28;
const CLOSE = 0x29;
const SEMICOLON = 0x3b;
/** Enough of a line to recognise what it starts. */
const HEAD_BYTES = 512;
/** How data statements start (mysqldump's default, `--insert-ignore`, `--replace`); each ends with the table's opening backtick. */
const INSERTS = ['INSERT INTO `', 'INSERT IGNORE INTO `', 'REPLACE INTO `'].map((start) => Buffer.from(start));
const LONGEST_INSERT = Math.max(...INSERTS.map((start) => start.length));
/** Inside a string, bytes looked at one by one before the scan hands over to Buffer.indexOf. */
const SHORT_STRING = 24;

const name = '`((?:[^`]|``)+)`';
const unquote = (quoted: string) => quoted.replace(/``/g, '`');
const PATTERNS: [RegExp, 'tables' | 'views' | 'routines' | 'triggers' | 'events'][] = [
  [new RegExp(`^CREATE TABLE ${name}`), 'tables'],
  [new RegExp(`^/\\*!50001 VIEW ${name}`), 'views'],
  [new RegExp(`^CREATE .*?\\b(?:PROCEDURE|FUNCTION) ${name}`), 'routines'],
  [new RegExp(`^/\\*!50003 CREATE\\*/ .*?/\\*!50003 TRIGGER (?:${name}|([^\\s\`]+))`), 'triggers'],
  [new RegExp(`^/\\*!50106 CREATE\\*/ .*?/\\*!50106 EVENT ${name}`), 'events'],
];

// Where the scanner is: in a line outside data statements, in an INSERT's table name, between the name
// and the values (a `--complete-insert` column list), in a column list, in the values.
const LINE = 0;
const NAME = 1;
const AFTER_NAME = 2;
const COLUMNS = 3;
const VALUES = 4;

/**
 * Reads mysqldump's SQL as it streams past and builds its manifest: the tables, views, routines,
 * triggers and events it creates, and the rows its INSERT statements carry per table (a value tuple
 * at depth 0, outside quoted strings, is a row). Statements between `DELIMITER ;;` and `DELIMITER ;`
 * (routine and trigger bodies) are not data. One pass over the bytes, nothing buffered but a line head
 * and a table name; the long stretches (lines outside data, string values) are skipped with
 * Buffer.indexOf, never decoded.
 */
export class MysqlDumpScanner {
  private readonly manifest = emptyManifest('mysql');
  private mode = LINE;
  private readonly head = Buffer.alloc(HEAD_BYTES);
  private headLength = 0;
  private inBody = false;
  // The INSERT's table name, as bytes, and the last one decoded (consecutive statements share it).
  private nameBytes = Buffer.alloc(256);
  private nameLength = 0;
  private pendingBacktick = false;
  private lastNameBytes = Buffer.alloc(0);
  private lastName = '';
  private table = '';
  private inColumnName = false;
  // The values' state.
  private inString = false;
  private escaped = false;
  private depth = 0;
  private rows = 0;

  /** Feeds the next bytes of the SQL. */
  write(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.mode) {
        case VALUES:
          i = this.scanValues(chunk, i);
          break;
        case LINE:
          i = this.scanLine(chunk, i);
          break;
        case NAME:
          i = this.scanName(chunk, i);
          break;
        case AFTER_NAME:
          i = this.afterName(chunk, i);
          break;
        default:
          i = this.scanColumns(chunk, i);
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

  /** A line outside data: its head is kept (to recognise an INSERT or a CREATE), the rest skipped. */
  private scanLine(chunk: Buffer, from: number): number {
    const newline = chunk.indexOf(NEWLINE, from);
    const lineEnd = newline === -1 ? chunk.length : newline;
    let i = from;
    // The first bytes one by one: the line may start an INSERT.
    while (i < lineEnd && this.headLength < LONGEST_INSERT) {
      this.head[this.headLength++] = chunk[i++]!;
      if (!this.inBody && this.startsInsert()) {
        this.mode = NAME;
        this.nameLength = 0;
        this.pendingBacktick = false;
        return i;
      }
    }
    const take = Math.min(HEAD_BYTES - this.headLength, lineEnd - i);
    if (take > 0) this.headLength += chunk.copy(this.head, this.headLength, i, i + take);
    if (newline === -1) return chunk.length;
    this.endLine();
    return newline + 1;
  }

  private startsInsert(): boolean {
    const length = this.headLength;
    for (const start of INSERTS)
      if (start.length === length && this.head.compare(start, 0, length, 0, length) === 0) return true;
    return false;
  }

  private endLine(): void {
    const length = this.headLength;
    this.headLength = 0;
    if (length === 0) return;
    const line = this.head.toString('utf8', 0, length);
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

  /** The table name: backtick-quoted, `` is one backtick. */
  private scanName(chunk: Buffer, from: number): number {
    let i = from;
    while (i < chunk.length) {
      if (this.pendingBacktick) {
        this.pendingBacktick = false;
        if (chunk[i] === BACKTICK) {
          this.appendName(chunk, i, i + 1);
          i++;
          continue;
        }
        this.table = this.decodeName();
        this.mode = AFTER_NAME;
        return i;
      }
      const backtick = chunk.indexOf(BACKTICK, i);
      const stop = backtick === -1 ? chunk.length : backtick;
      this.appendName(chunk, i, stop);
      if (backtick === -1) return chunk.length;
      this.pendingBacktick = true;
      i = backtick + 1;
    }
    return i;
  }

  private appendName(chunk: Buffer, from: number, to: number): void {
    const needed = this.nameLength + (to - from);
    if (needed > this.nameBytes.length) {
      const grown = Buffer.alloc(Math.max(needed, this.nameBytes.length * 2));
      this.nameBytes.copy(grown, 0, 0, this.nameLength);
      this.nameBytes = grown;
    }
    this.nameLength += chunk.copy(this.nameBytes, this.nameLength, from, to);
  }

  private decodeName(): string {
    const bytes = this.nameBytes.subarray(0, this.nameLength);
    if (!bytes.equals(this.lastNameBytes)) {
      this.lastNameBytes = Buffer.from(bytes);
      this.lastName = bytes.toString('utf8');
    }
    return this.lastName;
  }

  /** Between the name and the values: spaces, and a column list (`--complete-insert`) that holds no rows. */
  private afterName(chunk: Buffer, from: number): number {
    let i = from;
    while (i < chunk.length && chunk[i] === SPACE) i++;
    if (i === chunk.length) return i;
    if (chunk[i] === OPEN) {
      this.mode = COLUMNS;
      this.inColumnName = false;
      return i + 1;
    }
    this.mode = VALUES;
    this.inString = this.escaped = false;
    this.depth = 0;
    this.rows = 0;
    return i;
  }

  /** A column list: backtick-quoted names (a doubled backtick toggles twice) up to its `)`. */
  private scanColumns(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === BACKTICK) this.inColumnName = !this.inColumnName;
      else if (byte === CLOSE && !this.inColumnName) {
        this.mode = AFTER_NAME;
        return i + 1;
      }
    }
    return chunk.length;
  }

  /**
   * The hot loop: the values of an INSERT, with the state in locals. Outside strings byte by byte (a
   * `(` at depth 0 is a row); inside a string only its closing quote matters: the next `'` not escaped
   * by an odd run of backslashes, found with Buffer.indexOf past the first few bytes. Returns the index
   * after the statement's `;`, or the chunk's end.
   */
  private scanValues(chunk: Buffer, from: number): number {
    let { inString, escaped, depth, rows } = this;
    const end = chunk.length;
    let i = from;
    while (i < end) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        // Short strings: byte by byte (a backslash takes the byte after it along).
        const shortEnd = Math.min(end, i + SHORT_STRING);
        let closed = false;
        while (i < shortEnd) {
          const byte = chunk[i++];
          if (byte === QUOTE) {
            closed = true;
            break;
          }
          if (byte === BACKSLASH) {
            if (i === end) escaped = true;
            else i++;
          }
        }
        if (closed) {
          inString = false;
          continue;
        }
        if (i >= end) break;
        // A long one: the next quote, then the backslashes just before it decide whether it closes.
        const quote = chunk.indexOf(QUOTE, i);
        const stop = quote === -1 ? end : quote;
        let run = 0;
        for (let k = stop - 1; k >= i && chunk[k] === BACKSLASH; k--) run++;
        if (quote === -1) {
          escaped = (run & 1) === 1;
          i = end;
          break;
        }
        i = quote + 1;
        if ((run & 1) === 0) inString = false;
        continue;
      }
      const byte = chunk[i++];
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN) {
        if (depth === 0) rows++;
        depth++;
      } else if (byte === CLOSE) depth--;
      else if (byte === SEMICOLON && depth === 0) {
        this.manifest.rows[this.table] = (this.manifest.rows[this.table] ?? 0) + rows;
        this.mode = LINE;
        this.headLength = 0;
        break;
      }
    }
    this.inString = inString;
    this.escaped = escaped;
    this.depth = depth;
    this.rows = rows;
    return i;
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
