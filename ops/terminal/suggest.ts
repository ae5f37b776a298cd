/**
 * "Did you mean": the closest of the known names to a mistyped one, by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours each cost 1). Pure.
 */

/** The optimal-string-alignment distance between `a` and `b` (a swap of two neighbours costs 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  // d[i][j]: the distance between the first i characters of a and the first j of b.
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : i)),
  );
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known names close enough to `input` to be what was meant, best first (at most `limit`): within a
 * third of the longer name's length (at least 1, at most 3 edits), or a name that starts with `input`
 * (3 characters or more). Case is ignored. Empty when nothing is close: no suggestion beats a wrong one.
 */
export function suggest(input: string, known: Iterable<string>, limit = 3): string[] {
  const typed = input.toLowerCase();
  const scored: { name: string; distance: number }[] = [];
  for (const name of new Set(known)) {
    if (name === input) continue;
    const lower = name.toLowerCase();
    const distance = editDistance(typed, lower);
    const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(typed.length, lower.length) / 3)));
    if (distance <= allowed) scored.push({ name, distance });
    else if (typed.length >= 3 && lower.startsWith(typed)) scored.push({ name, distance: allowed + 1 });
  }
  return scored
    .sort((x, y) => x.distance - y.distance || x.name.localeCompare(y.name))
    .slice(0, limit)
    .map((entry) => entry.name);
}

/** ` (did you mean shop?)`, ` (did you mean shop or shops?)`, or '' when nothing is close. */
export function didYouMean(input: string, known: Iterable<string>, render: (name: string) => string = String): string {
  const names = suggest(input, known).map(render);
  if (names.length === 0) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return ` (did you mean ${list}?)`;
}
