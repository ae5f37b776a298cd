/**
 * The agent prints its JSON run report as the last line of stdout; SSM output readers (the failure
 * alert, `backopper status` and `backopper run`) find it with {@link lastJsonObject}.
 */

/** The last line of `output` that parses as a JSON object (the agent's report), or undefined. */
export function lastJsonObject(output: string): Record<string, unknown> | undefined {
  for (const line of output.trim().split('\n').reverse()) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not the report; keep looking
    }
  }
  return undefined;
}
