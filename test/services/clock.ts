import { join } from 'node:path';

/**
 * Environment that makes an agent's clock (Date.now) read `atMs` for its first `holdMs`, then run on
 * from there: a forced timestamp for two agents that must start in the same second.
 */
export function frozenClockEnv(atMs: number, holdMs = 5000): Record<string, string> {
  return {
    NODE_OPTIONS: `--require ${join(__dirname, 'frozen-clock.cjs')}`,
    BACKOPPER_TEST_CLOCK_AT: String(atMs),
    BACKOPPER_TEST_CLOCK_HOLD_MS: String(holdMs),
  };
}
