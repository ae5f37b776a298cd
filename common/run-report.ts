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

/**
 * The report a command's output stands for: the first failed (or invalid) one when it ran the agent more
 * than once (the weekly drill: media, then database), else the last. Pure.
 */
export function commandReport(output: string): Record<string, unknown> | undefined {
  const reports = output
    .trim()
    .split('\n')
    .map((line) => lastJsonObject(line))
    .filter((report) => report !== undefined);
  return reports.find((report) => report.status === 'failed' || report.status === 'invalid') ?? reports.at(-1);
}

/** One document step's name and output, as SSM lists it. */
export interface StepOutput {
  step: string;
  output: string;
}

/**
 * The step that holds the run report, read by what each step holds, not by its position: the first step
 * (in the order given) whose output ends in a JSON object. SSM gives every step an Output, a skipped one
 * too ("Plugin with name aws:runShellScript and id runAgent skipped due to prior step with an exit
 * condition"), so "the first non-empty output" is not the report. Undefined when no step holds one. Pure.
 */
export function findStepReport(
  steps: readonly StepOutput[],
): { step: string; output: string; report: Record<string, unknown> } | undefined {
  for (const { step, output } of steps) {
    const report = lastJsonObject(output);
    if (report) return { step, output, report };
  }
  return undefined;
}
