/**
 * The agent's command line, as servers run the bundle: `--help` on every command (exit 0, nothing
 * touched), `--version` with the bundle's sha256, one-line usage errors with a pointer to `--help`,
 * and every report saying which build wrote it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, runAgent } from '../services/agent';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const bundleSha256 = () => createHash('sha256').update(readFileSync(AGENT_BUNDLE)).digest('hex');

describe('backopper-agent command line', () => {
  it.each([
    [['--help'], 'usage: backopper-agent backup '],
    [['-h'], 'usage: backopper-agent backup '],
    [['backup', '--help'], 'usage: backopper-agent backup '],
    [['backup', '--app', 'shop', '-h'], 'usage: backopper-agent backup '],
    [['verify', '--help'], 'usage: backopper-agent drill '],
    [['drill', '--help'], 'usage: backopper-agent drill '],
    [['inventory', '--help'], 'usage: backopper-agent inventory '],
    [['restore-media', '-h'], 'usage: backopper-agent restore-media '],
  ])('%j prints the usage and exits 0', async (args, start) => {
    const run = await runAgent(args, {});
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    expect(run.stdout.startsWith(start)).toBe(true);
  });

  it('--version names the version and the sha256 of the running bundle', async () => {
    const run = await runAgent(['--version'], {});
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(`backopper-agent ${version} (sha256 ${bundleSha256()})\n`);
  });

  it.each([
    [
      ['restore'],
      'backopper-agent: unknown command "restore"; did you mean restore-media? (commands: backup, drill, inventory, restore-media)',
      'backopper-agent --help',
    ],
    [
      ['backup', '--app', 'shop', '--environment', 'live', '--engine', 'none', '--project-type', 'x', '--frobnicate'],
      'backopper-agent backup: unknown flag --frobnicate',
      'backopper-agent backup --help',
    ],
  ])(
    '%j: one line and a pointer to --help on stderr, exit 2, and an invalid report naming the build',
    async (args, line, help) => {
      const run = await runAgent(args, {});
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe(`${line}\nRun \`${help}\` for usage.\n`);
      expect(run.report).toMatchObject({ status: 'invalid', agentVersion: version, bundleSha256: bundleSha256() });
    },
  );

  it('prints the help on stderr and exits 2 when given no arguments', async () => {
    const run = await runAgent([], {});
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^usage: backopper-agent backup /);
    expect(run.stderr).toContain('backopper-agent restore-media ');
    expect(run.report).toMatchObject({ status: 'invalid', error: 'no command given (run backopper-agent --help)' });
  });

  it('names every missing and bad flag in one message, exit 2', async () => {
    const run = await runAgent(
      ['backup', '--app', '../x', '--engine', 'oracle', '--media-hst', 'm', '--keep-local', 'five', 'stray'],
      {},
    );
    expect(run.exitCode).toBe(2);
    const problems = [
      'unknown flag --media-hst (did you mean --media-host?)',
      'unexpected argument "stray" (every input is a --flag)',
      'app name "../x" is not a folder name (letters, digits, . _ -, not starting with "." or "-", at most 64 characters)',
      '--environment is required',
      'db engine "oracle" is not one of mysql, mariadb, postgres, postgresql, pgsql, none',
      '--project-type is required',
      'BACKOPPER_KEEP_LOCAL (--keep-local) "five" is not a whole number from 1 to 1000',
    ];
    expect(run.stderr).toBe(
      `backopper-agent backup: ${problems.length} problems:\n  ${problems.join('\n  ')}\nRun \`backopper-agent backup --help\` for usage.\n`,
    );
    expect(run.report).toMatchObject({ status: 'invalid', error: problems.join('; '), problems });
  });

  it('--help lists every BACKOPPER_* variable the agent reads', async () => {
    const read = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else
          for (const [name] of readFileSync(path, 'utf8').matchAll(/\bBACKOPPER_[A-Z0-9_]*[A-Z0-9]\b/g)) read.add(name);
      }
    };
    walk('agent');
    read.delete('BACKOPPER_VERSION'); // the build's define, not a setting
    const help = (await runAgent(['--help'], {})).stdout;
    expect(read.size).toBeGreaterThanOrEqual(30);
    expect([...read].filter((name) => !help.includes(` ${name} `))).toEqual([]);
  });

  it("a command's --help lists only its settings, from the same table", async () => {
    const help = (await runAgent(['drill', '--help'], {})).stdout;
    expect(help).toContain('BACKOPPER_DRILL_ADMIN_URL');
    expect(help).not.toContain('BACKOPPER_KEEP_LOCAL');
  });

  it('inventory names every problem in one message too', async () => {
    const run = await runAgent(['inventory', '--environmnt', 'live', '--apps-dir', 'rel'], {});
    expect(run.exitCode).toBe(2);
    expect(run.report.problems).toEqual([
      'unknown flag --environmnt (did you mean --environment?)',
      '--environment is required',
      '--apps-dir (BACKOPPER_APPS_DIR) "rel" is not an absolute path',
      'AWS_SSM_INSTANCE_ID "" is not a managed instance id (the SSM agent sets it for the commands it runs); outside SSM, give --inventory-file',
    ]);
  });
});
