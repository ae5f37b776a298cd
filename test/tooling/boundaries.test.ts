import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';

const root = join(__dirname, '..', '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');
const folders = ['agent', 'control', 'lambda', 'ops', 'infra', 'common'];

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
      'agent/steps/retention.ts': "import { log } from '../../control/log';\nexport const prune = log;\n",
      'control/log.ts': 'export const log = 1;\n',
      'control/assess.ts': "import { handler } from '../lambda/sync/handler';\nexport const assess = handler;\n",
      'lambda/sync/handler.ts': "import { check } from '../freshness/report';\nexport const handler = check;\n",
      'lambda/freshness/report.ts': 'export const check = 1;\n',
      'ops/commands/plan.ts': "import { prune } from '../../agent/steps/retention';\nexport const plan = prune;\n",
      'ops/commands/status.ts':
        "import { check } from '../../lambda/freshness/report';\nexport const status = check;\n",
      'infra/stack.ts': "import { log } from '../control/log';\nexport const stack = log;\n",
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
    expect(output).toMatch(/agent-stands-on-common: agent\/steps\/retention\.ts → control\/log\.ts/);
    expect(output).toMatch(/control-stands-on-common: control\/assess\.ts → lambda\/sync\/handler\.ts/);
    expect(output).toMatch(/lambdas-share-through-control: lambda\/sync\/handler\.ts → lambda\/freshness\/report\.ts/);
    expect(output).toMatch(/ops-uses-agent-public-module: ops\/commands\/plan\.ts → agent\/steps\/retention\.ts/);
    expect(output).toMatch(/ops-not-lambda-or-infra: ops\/commands\/status\.ts → lambda\/freshness\/report\.ts/);
    expect(output).toMatch(/infra-takes-no-runtime-code: infra\/stack\.ts → control\/log\.ts/);
    expect(output).toMatch(/common-stands-alone: common\/names\.ts → ops\/commands\/plan\.ts/);
  });
});

describe('the formatting npm run lint checks', () => {
  const tree = mkdtempSync(join(tmpdir(), 'backopper-format-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const prettier = join(root, 'node_modules', '.bin', 'prettier');

  function check(file: string, text: string): Promise<{ exitCode: number; output: string }> {
    writeFileSync(join(tree, file), text);
    return new Promise((resolve) => {
      execFile(
        prettier,
        ['--check', '--config', join(root, '.prettierrc.json'), file],
        { cwd: tree, encoding: 'utf8' },
        (error, stdout, stderr) => resolve({ exitCode: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      );
    });
  }

  it('fails on a mis-formatted file, naming it, and passes the same code formatted', async () => {
    const bad = await check('bad.ts', 'export const  x = {a:1,\n b: "two"}\n');
    expect(bad.exitCode).not.toBe(0);
    expect(bad.output).toMatch(/bad\.ts/);
    const good = await check('good.ts', "export const x = { a: 1, b: 'two' };\n");
    expect(good.output).toMatch(/use Prettier code style/);
    expect(good.exitCode).toBe(0);
  });
});
