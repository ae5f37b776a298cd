/**
 * The agent's command line, as servers run the bundle: `--help` on every command (exit 0, nothing
 * touched), `--version` with the bundle's sha256, one-line usage errors with a pointer to `--help`,
 * and every report saying which build wrote it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
    [['verify', '--help'], 'usage: backopper-agent verify '],
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
      'backopper-agent: unknown command "restore" (commands: backup, drill, inventory, restore-media, verify)',
      'backopper-agent --help',
    ],
    [
      ['backup', '--frobnicate'],
      "backopper-agent backup: Unknown option '--frobnicate'",
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
});
