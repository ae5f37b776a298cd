import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';

const root = join(__dirname, '..', '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');
const folders = ['agent', 'lambda', 'ops', 'infra', 'common'];

function cruise(cwd: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      depcruise,
      [...folders, '--config', config, '--output-type', 'err'],
      { cwd, encoding: 'utf8' },
      (error, stdout, stderr) => {
        resolve({ exitCode: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('the boundaries npm run lint checks', () => {
  const tree = mkdtempSync(join(tmpdir(), 'backopper-boundaries-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('holds on the real tree', async () => {
    const result = await cruise(root);
    expect(result.stdout + result.stderr).toMatch(/no dependency violations found/);
    expect(result.exitCode).toBe(0);
  });

  it('fails on a planted import circle and on each boundary breach, naming the rule and the files', async () => {
    const files: Record<string, string> = {
      'agent/run/report.ts': "import { settings } from '../config/config';\nexport const report = settings;\n",
      'agent/config/config.ts': "import { report } from '../run/report';\nexport const settings = report;\n",
      'agent/steps/retention.ts': "import { log } from '../../lambda/shared/log';\nexport const prune = log;\n",
      'lambda/shared/log.ts': 'export const log = 1;\n',
      'lambda/sync/handler.ts': "import { check } from '../freshness/assess';\nexport const handler = check;\n",
      'lambda/freshness/assess.ts': 'export const check = 1;\n',
      'ops/commands/plan.ts': "import { prune } from '../../agent/steps/retention';\nexport const plan = prune;\n",
      'infra/stack.ts': "import { handler } from '../lambda/sync/handler';\nexport const stack = handler;\n",
      'common/names.ts': "import { plan } from '../ops/commands/plan';\nexport const names = plan;\n",
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler' } }),
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tree, file)), { recursive: true });
      writeFileSync(join(tree, file), text);
    }
    const result = await cruise(tree);
    const output = result.stdout + result.stderr;
    expect(result.exitCode).not.toBe(0);
    expect(output).toMatch(/no-circular: agent\/config\/config\.ts/);
    expect(output).toMatch(/agent-stands-on-common: agent\/steps\/retention\.ts → lambda\/shared\/log\.ts/);
    expect(output).toMatch(/lambdas-share-through-shared: lambda\/sync\/handler\.ts → lambda\/freshness\/assess\.ts/);
    expect(output).toMatch(/ops-uses-agent-public-module: ops\/commands\/plan\.ts → agent\/steps\/retention\.ts/);
    expect(output).toMatch(/infra-takes-no-runtime-code: infra\/stack\.ts → lambda\/sync\/handler\.ts/);
    expect(output).toMatch(/common-stands-alone: common\/names\.ts → ops\/commands\/plan\.ts/);
  });
});
