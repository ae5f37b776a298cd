import { Transform, type TransformCallback } from 'node:stream';

/**
 * MariaDB prints a column default that calls a sequence with the database name (`DEFAULT
 * nextval(\`shop\`.\`order_ids\`)`), so a dump loaded into any other database (a restore under another
 * name, a drill's scratch database) either fails (no such database, or no rights on it) or, worse,
 * takes its ids from the live database's sequence. This stream removes the dump's own database name from
 * such defaults inside `CREATE TABLE` statements, so they name the sequence of the database the dump is
 * loaded into, as the table did where it was dumped. Sequences of other databases keep their name.
 * Everything else passes byte for byte (lines are matched in latin1, which maps bytes one to one).
 */
const CREATE_TABLE = Buffer.from('CREATE TABLE ');
const MAX_HELD_LINE = 64 * 1024;

export class UnqualifySequenceDefaults extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  private inCreateTable = false;
  /** The current line is a row passed through as it comes, up to its newline. */
  private passing = false;
  private readonly pattern: RegExp;

  constructor(database: string) {
    super();
    const quoted = `\`${Buffer.from(database.replace(/`/g, '``'), 'utf8').toString('latin1')}\`.`;
    this.pattern = new RegExp(` DEFAULT (nextval|lastval)\\(${quoted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'gi');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let rest = chunk;
    if (this.passing) {
      const newline = rest.indexOf(0x0a);
      if (newline === -1) return done(null, rest);
      this.push(rest.subarray(0, newline + 1));
      this.passing = false;
      rest = rest.subarray(newline + 1);
    }
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, rest]) : rest;
    const end = data.lastIndexOf(0x0a) + 1;
    if (end > 0) this.push(this.rewrite(data.subarray(0, end)));
    const partial = data.subarray(end);
    // A long row (a blob can be a gigabyte on one line) is not held: it cannot be a CREATE TABLE line.
    if (partial.length > MAX_HELD_LINE && !this.inCreateTable && !partial.subarray(0, 13).equals(CREATE_TABLE)) {
      this.push(partial);
      this.passing = true;
      this.carry = Buffer.alloc(0);
    } else {
      this.carry = Buffer.from(partial);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.carry.length > 0) this.push(this.rewrite(this.carry));
    done();
  }

  /** Complete lines in, the same lines out with the defaults inside CREATE TABLE unqualified. */
  private rewrite(bytes: Buffer): Buffer {
    if (!this.inCreateTable && !bytes.includes('CREATE TABLE ')) return bytes; // rows: the fast path, no copy
    const text = bytes
      .toString('latin1')
      .split('\n')
      .map((line) => {
        if (line.startsWith('CREATE TABLE ')) this.inCreateTable = true;
        if (!this.inCreateTable) return line;
        // mysqldump ends the statement with `) ENGINE=...;`; any line ending a statement closes it too.
        if (line.startsWith(')') || line.endsWith(';')) this.inCreateTable = false;
        return line.replace(this.pattern, (_match, fn: string) => ` DEFAULT ${fn}(`);
      })
      .join('\n');
    return Buffer.from(text, 'latin1');
  }
}
