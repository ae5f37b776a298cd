import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDrill, type DrillOutcome, expectPassed } from '../../scripts/demo/drills';
import { AGENT_BUNDLE } from '../services/agent';
import { mysqlRoot } from '../services/mariadb';

const ROOT = resolve(__dirname, '../..');

/** `npm run demo` without its build step (the test run builds dist/ first), with a clean environment. */
function runDemo(): Promise<{ exitCode: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) =>
    child.once('close', (exitCode) =>
      done({ exitCode, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    ),
  );
}

/** The text of one `== <n>. ...` section, up to the next heading. */
function section(stdout: string, number: number): string {
  const start = stdout.indexOf(`\n== ${number}. `);
  expect(start, `section ${number}`).toBeGreaterThan(-1);
  const end = stdout.indexOf('\n== ', start + 1);
  return stdout.slice(start, end === -1 ? undefined : end);
}

describe('npm run demo (the real servers, the synthesized stack, the built agent)', () => {
  let demo: Awaited<ReturnType<typeof runDemo>>;
  beforeAll(async () => {
    if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run npm run build`);
    demo = await runDemo();
  }, 300_000);

  it('ends with exit 0, quietly, within two minutes, and removes its workspace', () => {
    expect(demo.exitCode, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stderr).toBe('');
    expect(demo.seconds).toBeLessThan(120);
    for (let number = 1; number <= 7; number += 1) section(demo.stdout, number);
    expect(demo.stdout).toContain('Demo complete; temporary files removed');
    const workspace = /apps on "the server": (\S+)\/apps\//.exec(demo.stdout)?.[1];
    expect(workspace).toBeDefined();
    expect(existsSync(workspace!)).toBe(false);
  });

  it("leaves no database behind: the drills' scratch databases and the demo's own are dropped", async () => {
    const names = [/MariaDB databases (\S+) and (\S+),/.exec(demo.stdout)?.slice(1), ['bkdrill_acme_blog_']].flat();
    expect(names).toHaveLength(3);
    for (const name of names) expect(await mysqlRoot(`SHOW DATABASES LIKE '${name}%'`), name).toBe('');
  });

  it('restores each app and puts the media archive back (sections 3 and 4)', () => {
    expect(section(demo.stdout, 3)).not.toContain('DIFF');
    expect(section(demo.stdout, 4)).toMatch(/same {2}\d+ entries in /);
  });

  it('drills each app through the Verify document, then a media drill, and shows the last proven restore', () => {
    const drills = section(demo.stdout, 5);
    expect(drills).toContain('SendCommand Backopper-Verify {"app":"acme-blog","environment":"live"}');
    expect(drills).toMatch(
      /passed {2}acme-blog {2}database [1-9]\d* tables compared, [1-9]\d* rows, restoreSeconds [\d.]+ {2}\(backup_\d+\.sql\.gz\)/,
    );
    expect(drills).toMatch(
      /passed {2}acme-crm {3}database [1-9]\d* tables compared, [1-9]\d* rows, restoreSeconds [\d.]+ {2}\(backup_\d+\.tar\)/,
    );
    expect(drills).toMatch(/passed {2}acme-blog {2}media {4}[1-9]\d* files, [1-9]\d* bytes of files/);
    expect(drills).toMatch(
      /last proven restore \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: acme-blog\/live\/backup_\d+\.sql\.gz (?:\((?:daily|weekly|monthly|yearly) copy\) )?restored in [\d.]+ s/,
    );
  });

  it('fails the drill of a dump replaced in S3, on its sha256, with a non-zero exit', () => {
    const tampered = section(demo.stdout, 5).split('A drill that must fail')[1] ?? '';
    expect(tampered).toMatch(/failed {2}acme-crm {3}database not restored/);
    expect(tampered).toMatch(/has sha256 [0-9a-f]{64}, its \.sha256 says [0-9a-f]{64}: the copy in S3 is not the dump/);
    expect(tampered).toContain('the document exited 1');
    // And status shows it beside the proof it does not erase.
    expect(section(demo.stdout, 7)).toMatch(/acme-crm .*drill failed/);
  });

  it('backs up in snapshot mode twice: the second snapshot holds one more file and sends only the change', () => {
    const snapshots = section(demo.stdout, 6);
    const run = (label: string) => {
      const match = new RegExp(`${label} *: snapshot holds (\\d+) files, (\\d+) bytes; sent (\\d+) bytes`).exec(
        snapshots,
      );
      expect(match, label).not.toBeNull();
      return { files: Number(match![1]), bytes: Number(match![2]), sent: Number(match![3]) };
    };
    const [first, second] = [run('first run'), run('second run')];
    expect(second.files).toBe(first.files + 1);
    expect(first.sent).toBeGreaterThanOrEqual(first.bytes);
    expect(second.sent).toBeLessThan(first.bytes / 100);
    expect(snapshots).toMatch(/unchanged files hard-linked to \d+_[0-9a-f]{8}/);
    const listing = snapshots.split('$ backopper backups live acme-photos')[1] ?? '';
    const listed = listing.match(/snapshots\/acme-photos@live\/\d+_[0-9a-f]{8}$/gm) ?? [];
    expect(new Set(listed).size).toBe(2);
  });
});

describe('the demo counts a drill as proof only when it passed with exit 0', () => {
  const report = (status: string): DrillOutcome => ({ app: 'shop', kind: 'database', status });
  it.each([
    [0, 'failed'],
    [1, 'passed'],
    [0, 'skipped'],
    [null, 'passed'],
  ])('exit %s with status %s is not a proof', (exitCode, status) => {
    expect(() => expectPassed({ exitCode, report: report(status) }, 'the drill')).toThrow(/did not pass/);
  });
  it('a drill that passed with exit 0 is', () => {
    expect(() => expectPassed({ exitCode: 0, report: report('passed') }, 'the drill')).not.toThrow();
  });
  it('says a failed drill restored nothing, and why', () => {
    expect(
      describeDrill({ ...report('failed'), error: 'sha256 differs', backup: { key: 'shop/live/backup_1.tar' } }),
    ).toBe('failed  shop       database not restored  (backup_1.tar)\n          sha256 differs');
  });
});
