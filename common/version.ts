/**
 * Backopper's version: the build (scripts/build.mjs) writes package.json's version into both bundles
 * through esbuild's `define`; run from source (tsx), it is read from package.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const __BACKOPPER_VERSION__: string | undefined;

function readVersion(): string {
  if (typeof __BACKOPPER_VERSION__ === 'string') return __BACKOPPER_VERSION__;
  try {
    return `${(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version}-source`;
  } catch {
    return 'unknown';
  }
}

/** `0.1.0` in a bundle, `0.1.0-source` run from the sources. */
export const VERSION: string = readVersion();
