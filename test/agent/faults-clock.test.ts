import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupArgs, exitWithin, startAgent } from '../services/agent';
import { frozenClockEnv } from '../services/clock';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

const DAY = 86_400;
const seconds = () => Math.floor(Date.now() / 1000);

/** `.backopper-last-run` ahead of the clock: the clock was set back after a run (NTP step, a VM restored). */

/** A whole dump (gzip, mysqldump's last line) without a record: catch-up checks it, then uploads it. */
const wholeDump = (sql: string) => gzipSync(`-- ${sql}\n-- Dump completed on 2026-01-01  0:00:00\n`);
describe('the run timestamp never lies', () => {
  let s3: LocalS3;
  let ws: Workspace;
  let db: MysqlDatabase;
  const app = 'clock';
  let env: Record<string, string>;
  let dir: string;
  const statePath = () => join(dir, '.backopper-last-run');

  beforeAll(async () => {
    [s3, ws, db] = await Promise.all([startStrictS3(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
    writeWordpressApp(ws.appsDir, app, db);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket };
    dir = join(ws.backupsDir, app);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), ws?.remove(), db?.drop()]);
  });
  beforeEach(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
  });

  it('a last run recorded 1 h ahead: reported, ignored, no waiting, names of this second', async () => {
    const before = seconds();
    writeFileSync(statePath(), `${before + 3600}\n`);
    const run = await exitWithin(startAgent(backupArgs(app, 'mysql', 'wordpress'), env), 30);
    const after = seconds();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${statePath()} records a run at ${before + 3600} \\(.*\\), 1 h ahead of this server's clock .*: the clock was set back; ignored it`,
        ),
      ),
    ]);
    expect(run.report.timestamp).toBeGreaterThanOrEqual(before);
    expect(run.report.timestamp).toBeLessThanOrEqual(after);
    expect(run.report.steps.upload.key).toBe(`${app}/live/backup_${run.report.timestamp}.sql.gz`);
    expect(readFileSync(statePath(), 'utf8')).toBe(`${run.report.timestamp}\n`);
    expect(existsSync(join(dir, '.backopper.lock'))).toBe(false);
  });

  it('40 days ahead, with dumps the wrong clock named: the new dump is named today, retention deletes nothing and names the misdated file', async () => {
    const before = seconds();
    writeFileSync(statePath(), `${before + 40 * DAY}\n`);
    const future = [1, 2, 3, 4, 5].map((k) => `${before + 40 * DAY - k * DAY}.sql.gz`);
    for (const name of future) writeFileSync(join(dir, name), wholeDump('a dump from the days the clock was ahead'));
    const run = await exitWithin(startAgent(backupArgs(app, 'mysql', 'wordpress'), env), 30);
    const after = seconds();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.warnings?.[0]).toMatch(/, 40 d ahead of this server's clock/);
    expect(run.report.timestamp).toBeLessThanOrEqual(after);
    expect(await s3.listKeys(`${app}/`)).toContain(`${app}/live/backup_${run.report.timestamp}.sql.gz`);
    // Misnamed dumps make every age unknown: nothing is deleted, and the report names the furthest one.
    expect(run.report.steps.retention.deleted).toEqual([]);
    expect(run.report.steps.retention.warning).toMatch(
      new RegExp(
        `^${join(dir, future[0]!)} is dated .*, after this run's .*: the clock is wrong now or was when it was named, so nothing was deleted`,
      ),
    );
    expect(ws.backupFiles(app)).toEqual([...future, `${run.report.timestamp}.sql.gz`].sort());
  });

  it('without a record, a dump already named after this second is not overwritten: the run takes the next one', async () => {
    const second = seconds() + 1;
    writeFileSync(join(dir, `${second}.sql.gz`), wholeDump('an earlier dump of this second'));
    const run = await exitWithin(
      startAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, ...frozenClockEnv(second * 1000, 1500) }),
      30,
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.timestamp).toBe(second + 1);
    expect(readFileSync(join(dir, `${second}.sql.gz`))).toEqual(wholeDump('an earlier dump of this second'));
    expect(run.report.warnings).toBeUndefined();
  });

  it('a record that is not a timestamp is reported and ignored', async () => {
    writeFileSync(statePath(), 'garbage\n');
    const run = await exitWithin(startAgent(backupArgs(app, 'mysql', 'wordpress'), env), 30);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.warnings).toEqual([`${statePath()} holds "garbage", not a unix timestamp: ignored it`]);
  });
});
