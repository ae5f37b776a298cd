/**
 * The one error for a bad setting, wherever it is read: a cdk.json key at synth, a variable of a Lambda
 * or the ops CLI, a flag or variable of the agent (exit 2, nothing touched). Raised before anything is
 * read or written; never carries a secret.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** Every problem found, each starting with the setting it is about. */
  readonly problems: string[];
  /** The variable, flag or key at fault, when the error is about one. */
  readonly setting: string | undefined;

  /**
   * @param problem the problem, or every problem of one reading (synth shows them all at once)
   * @param options `setting` prefixes the message with the setting's name; `heading` introduces a list
   */
  constructor(problem: string | readonly string[], options: { setting?: string; heading?: string } = {}) {
    const problems =
      typeof problem === 'string' ? [options.setting ? `${options.setting}: ${problem}` : problem] : [...problem];
    super(options.heading ? `${options.heading}:\n  ${problems.join('\n  ')}` : problems.join('\n'));
    this.problems = problems;
    this.setting = options.setting;
  }
}
