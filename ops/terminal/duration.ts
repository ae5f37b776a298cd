/** Durations as people read them on a progress line: `45s`, `2m05s`, `1h02m`, `2d03h`. Pure. */

/** `seconds` (rounded to whole seconds; negative counts as 0) in the two largest units. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const two = (value: number) => String(value).padStart(2, '0');
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${two(total % 60)}s`;
  if (total < 86_400) return `${Math.floor(total / 3600)}h${two(Math.floor((total % 3600) / 60))}m`;
  return `${Math.floor(total / 86_400)}d${two(Math.floor((total % 86_400) / 3600))}h`;
}
