/**
 * One racer of the lock tests, bundled by the test (esbuild) and run as its own process: prints
 * `ready`, spins until the start file exists (so all racers go at the same instant), takes the app
 * lock with the agent's own code, prints `won` or `busy: <message>`, and holds a won lock until its
 * stdin closes.
 */
import { existsSync } from 'node:fs';
import { acquireAppLock } from '../../agent/run/lock';

const [dir, startFile] = process.argv.slice(2) as [string, string];
process.stdout.write('ready\n');
const deadline = Date.now() + 30_000;
while (!existsSync(startFile)) if (Date.now() > deadline) process.exit(3);
acquireAppLock(dir, 'race').then(
  (lock) => {
    process.stdout.write('won\n');
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => {
      void lock.release().then(() => process.exit(0));
    });
  },
  (error: unknown) => {
    process.stdout.write(`busy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(0);
  },
);
