/**
 * Reading the rows the database clients print (pure). Names may hold any character, a newline or a tab
 * included, so the clients' own quoting is undone rather than split on blindly.
 */

const BATCH_ESCAPES: Record<string, string> = { n: '\n', t: '\t', '0': '\0', '\\': '\\' };

/**
 * Rows of `mysql --batch --skip-column-names` output: one line per row, fields separated by tabs, and in
 * each field a newline, tab, NUL and backslash written as `\n`, `\t`, `\0`, `\\` (undone here).
 */
export function parseMysqlBatch(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      line.split('\t').map((field) => field.replace(/\\(.)/gs, (_, char: string) => BATCH_ESCAPES[char] ?? char)),
    );
}

/**
 * Rows of `psql --csv -t` output (RFC 4180): fields separated by commas, rows by newlines, and a field
 * holding a comma, quote or line break double-quoted with `""` for a quote. NULL and '' both read as ''.
 */
export function parseCsv(stdout: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  for (let index = 0; index < stdout.length; index += 1) {
    const char = stdout[index] as string;
    if (quoted) {
      if (char !== '"') field += char;
      else if (stdout[index + 1] === '"') {
        field += '"';
        index += 1;
      } else quoted = false;
    } else if (char === '"') {
      quoted = true;
      fieldStarted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (char === '\n' || (char === '\r' && stdout[index + 1] === '\n')) {
      if (char === '\r') index += 1;
      row.push(field);
      rows.push(row);
      [row, field, fieldStarted] = [[], '', false];
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) throw new Error(`psql output ends inside a quoted field: ${JSON.stringify(stdout.slice(-80))}`);
  if (fieldStarted || row.length > 0) rows.push([...row, field]);
  return rows;
}
