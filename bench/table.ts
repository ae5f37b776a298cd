/** One line of the published table. */
export interface Row {
  case: string;
  variant: string;
  runs: number;
  /** Median wall seconds. */
  wallS?: number;
  /** Median wall time divided by the baseline's median wall time, measured in the same invocation. */
  ratio?: number;
  /** Megabytes (10^6 bytes) of input (uncompressed SQL, tar stream, media folder) per second of wall time. */
  mbPerS?: number;
  /** Peak RSS in MiB (see measure.ts for what it covers). */
  rssMiB?: number;
  /** Median user + system CPU seconds of the process tree. */
  cpuS?: number;
  /** The target, e.g. `≤ 1.10`; empty for rows that are context. */
  target?: string;
  pass?: boolean;
  note?: string;
}

const COLUMNS: { title: string; cell: (row: Row) => string; right?: boolean }[] = [
  { title: 'case', cell: (row) => row.case },
  { title: 'variant', cell: (row) => row.variant },
  { title: 'runs', cell: (row) => String(row.runs), right: true },
  { title: 'wall s (median)', cell: (row) => fixed(row.wallS, 2), right: true },
  { title: 'ratio', cell: (row) => fixed(row.ratio, 3), right: true },
  { title: 'MB/s', cell: (row) => fixed(row.mbPerS, 1), right: true },
  { title: 'peak RSS MiB', cell: (row) => fixed(row.rssMiB, 0), right: true },
  { title: 'CPU s', cell: (row) => fixed(row.cpuS, 1), right: true },
  { title: 'target', cell: (row) => row.target ?? '' },
  { title: 'result', cell: (row) => (row.pass === undefined ? '' : row.pass ? 'PASS' : 'MISS') },
  { title: 'notes', cell: (row) => row.note ?? '' },
];

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '' : value.toFixed(digits);
}

/** The rows as a Markdown table (readable in a terminal and pasteable into docs/performance.md). */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => COLUMNS.map((column) => column.cell(row).replace(/\|/g, '\\|')));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.title.length, ...cells.map((line) => line[index].length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, index) => (COLUMNS[index].right ? value.padStart(widths[index]) : value.padEnd(widths[index]))).join(' | ')} |`;
  const rule = `|${widths.map((width, index) => (COLUMNS[index].right ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(COLUMNS.map((column) => column.title)), rule, ...cells.map(line)].join('\n');
}

/** `≤ limit` check of a ratio; undefined when the ratio could not be measured. */
export function atMost(value: number | undefined, limit: number): boolean | undefined {
  return value === undefined ? undefined : value <= limit;
}

export function atLeast(value: number | undefined, limit: number): boolean | undefined {
  return value === undefined ? undefined : value >= limit;
}
