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
export class UnqualifySequenceDefaults extends Transform {
  private carry = '';
  private inCreateTable = false;
  private readonly pattern: RegExp;

  constructor(database: string) {
    super();
    const quoted = `\`${Buffer.from(database.replace(/`/g, '``'), 'utf8').toString('latin1')}\`.`;
    this.pattern = new RegExp(` DEFAULT (nextval|lastval)\\(${quoted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'gi');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.carry + chunk.toString('latin1');
    const end = text.lastIndexOf('\n') + 1;
    this.carry = text.slice(end);
    if (end > 0) this.push(Buffer.from(this.rewrite(text.slice(0, end)), 'latin1'));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.carry) this.push(Buffer.from(this.rewrite(this.carry), 'latin1'));
    done();
  }

  /** Complete lines in, the same lines out with the defaults inside CREATE TABLE unqualified. */
  private rewrite(lines: string): string {
    if (!this.inCreateTable && !lines.includes('CREATE TABLE ')) return lines; // rows: the fast path
    return lines
      .split('\n')
      .map((line) => {
        if (line.startsWith('CREATE TABLE ')) this.inCreateTable = true;
        if (!this.inCreateTable) return line;
        // mysqldump ends the statement with `) ENGINE=...;`; any line ending a statement closes it too.
        if (line.startsWith(')') || line.endsWith(';')) this.inCreateTable = false;
        return line.replace(this.pattern, (_match, fn: string) => ` DEFAULT ${fn}(`);
      })
      .join('\n');
  }
}
