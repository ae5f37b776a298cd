// Bundles the server agent and the ops CLI into self-contained CommonJS files that run with plain
// `node` (>= 20) and no node_modules: servers download dist/backopper-agent.js as it is, on every run,
// so it is fully minified (names kept: error names and stack traces stay readable). Measured in
// docs/performance.md: 1.40 MB -> about 0.7 MB, start-up unchanged.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

// Both CLIs say which version they are (`--version`, the agent's run report): common/version.ts.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const entries = [
  { entry: 'agent/cli.ts', out: 'dist/backopper-agent.js' },
  { entry: 'ops/cli.ts', out: 'dist/backopper.js' },
];

for (const { entry, out } of entries) {
  if (!existsSync(entry)) continue;
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
    define: { __BACKOPPER_VERSION__: JSON.stringify(version) },
  });
  console.log(`built ${out}`);
}
