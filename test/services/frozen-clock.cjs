// Preloaded into an agent with NODE_OPTIONS=--require (see frozenClockEnv in clock.ts): Date.now() reads
// BACKOPPER_TEST_CLOCK_AT (unix ms) for the process's first BACKOPPER_TEST_CLOCK_HOLD_MS, then runs on
// at real speed from there. Two agents started with the same values claim the same second, as two
// servers whose runs start together do; the clock never goes backwards.
'use strict';
const at = Number(process.env.BACKOPPER_TEST_CLOCK_AT);
const hold = Number(process.env.BACKOPPER_TEST_CLOCK_HOLD_MS || 0);
if (Number.isFinite(at) && at > 0) {
  const realNow = Date.now.bind(Date);
  const started = realNow();
  Date.now = () => at + Math.max(0, realNow() - started - hold);
}
