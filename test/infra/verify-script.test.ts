import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderVerifyScript } from '../../infra/document/verify-script';
import { AGENT_FILE } from './synth';

// The weekly drill document's run step (Backopper-Verify), run with sh on this machine against the
// built agent, as the SSM agent would run it (parameters as SSM_<name> variables).
describe('the Backopper-Verify run step (weekly drill)', () => {
  let root: string;
  let script: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'backopper-verify-doc-'));
    for (const folder of ['download', 'apps/shop', 'backups']) mkdirSync(join(root, folder), { recursive: true });
    copyFileSync(AGENT_FILE, join(root, 'download', 'backopper-agent.js'));
    script = join(root, 'run.sh');
    const lines = renderVerifyScript({
      downloadDir: join(root, 'download'),
      agentFileName: 'backopper-agent.js',
      agentSha256: createHash('sha256').update(readFileSync(AGENT_FILE)).digest('hex'),
      region: 'eu-west-1',
      agent: { appsDir: join(root, 'apps'), backupsDir: join(root, 'backups'), keepLocal: 5, maxPendingUploads: 30 },
      bucket: 'backopper-drill-test',
    });
    writeFileSync(script, `${lines.join('\n')}\n`);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const run = (app: string) => {
    const result = spawnSync('sh', [script], {
      env: {
        PATH: process.env.PATH,
        SSM_app: app,
        SSM_environment: 'live',
        TMPDIR: root,
        // Nothing listens here: the drill fails fast, without AWS.
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_MAX_ATTEMPTS: '1',
      },
      encoding: 'utf8',
    });
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      report: JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>,
    };
  };

  it('skips with exit 0 and a skipped report on a server without the app', () => {
    const result = run('elsewhere');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `backopper: skipped: elsewhere is not on this server (no ${join(root, 'apps')}/elsewhere)`,
    );
    expect(result.report).toEqual({
      app: 'elsewhere',
      command: 'drill',
      status: 'skipped',
      error: 'elsewhere is not on this server',
    });
  });

  it("runs the agent's drill of the app's S3 copy where the app is, and exits with its status", () => {
    const result = run('shop');
    expect(result.status).toBe(1);
    expect(result.report).toMatchObject({ app: 'shop', environment: 'live', command: 'drill', status: 'failed' });
    expect(result.report.error).toMatch(/127\.0\.0\.1:9|ECONNREFUSED/);
    expect(result.stderr).toContain('backopper: agent exited with status 1');
  });
});
