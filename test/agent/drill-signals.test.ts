import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, killGroup, runAgent, startAgent } from '../services/agent';
import { waitFor } from '../services/exec';
import {
  addRandomRows,
  createMysqlDatabase,
  mysqlRoot,
  type MysqlDatabase,
  seedWordpressSchema,
} from '../services/mariadb';
import { type LocalS3, startS3 } from '../services/s3';
import { type ConditionalS3, startConditionalS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

const app = 'stopped';
const drillArgs = ['drill', '--app', app, '--environment', 'live'];

/**
 * SSM's cancel sends SIGTERM to the drill; its execution timeout SIGKILLs the whole process group. A
 * drill stopped either way mid-restore must leave no scratch database and no temporary file behind: at
 * once (SIGTERM), or by the next drill on the server (SIGKILL).
 */
describe('a drill stopped mid-restore (SIGTERM, SIGKILL of its process group)', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let front: ConditionalS3;
  let db: MysqlDatabase;
  let env: Record<string, string>;
  /** The drill scratch databases of this app on the local MariaDB. */
  const scratch = async () =>
    (await mysqlRoot(`SHOW DATABASES LIKE 'bkdrill\\_${app}\\_%'`)).split('\n').filter((line) => line.trim() !== '');
  /** A scratch database that already holds rows of the big table: the restore is under way. */
  const restoring = () =>
    waitFor(
      'the restore into the scratch database to be under way',
      async () => {
        const rows = await mysqlRoot(
          `SELECT table_schema FROM information_schema.tables WHERE table_schema LIKE 'bkdrill\\_${app}\\_%' AND table_name = 'fill' AND table_rows > 0`,
        );
        return rows.trim();
      },
      60_000,
    );
  const drillRecord = async (report: Record<string, any>) =>
    JSON.parse((await s3.getObject(report.drillRecord.key)).toString());

  beforeAll(async () => {
    [ws, s3, db] = await Promise.all([createWorkspace(), startS3(), createMysqlDatabase()]);
    front = await startConditionalS3(s3, { listBucket: true });
    await seedWordpressSchema(db, 50);
    // Big enough that the restore takes seconds: 400 rows of 200 KB.
    for (let i = 0; i < 4; i++) await addRandomRows(db, 100, 200_000);
    writeWordpressApp(ws.appsDir, app, db);
    env = { ...ws.env, ...front.env, BACKOPPER_BUCKET: s3.bucket };
    const backup = await runAgent(backupArgs(app, 'mysql', 'wordpress'), env);
    if (backup.exitCode !== 0) throw new Error(backup.stdout);
  }, 300_000);
  afterAll(async () => {
    for (const name of await scratch().catch(() => [])) await mysqlRoot(`DROP DATABASE \`${name}\``);
    await Promise.all([ws?.remove(), front?.stop(), db?.drop()]);
    await s3?.stop();
  });

  it.each([
    ['its process group (the mysql client too)', true],
    ['the agent alone (it stops the mysql client)', false],
  ])(
    'SIGTERM to %s: drops the scratch database, writes a failed record, exits 1, leaves no temporary file',
    async (_who, group) => {
      const drill = startAgent(drillArgs, env, { detached: true });
      const started = performance.now();
      await restoring();
      process.kill(group ? -drill.child.pid! : drill.child.pid!, 'SIGTERM');
      const run = await drill.finished;
      const afterKill = performance.now() - started;
      expect(run.exitCode, run.stdout + run.stderr).toBe(1);
      expect(run.report).toMatchObject({ status: 'failed', kind: 'database' });
      expect(run.report.error).toMatch(/received SIGTERM/);
      expect(run.report.scratchDatabase).toMatch(new RegExp(`^bkdrill_${app}_\\d+_[0-9a-f]{8}_${drill.child.pid}$`));
      expect((await drillRecord(run.report)).status).toBe('failed');
      expect(await scratch()).toEqual([]);
      expect(ws.leftovers()).toEqual([]);
      // Stopped promptly: the drop and the record do not wait for the restore to finish.
      expect(afterKill).toBeLessThan(30_000);
    },
    120_000,
  );

  it('SIGKILL: the scratch database and temporary files stay; the next drill removes them, says so, and passes', async () => {
    const drill = startAgent(drillArgs, env, { detached: true });
    const name = await restoring();
    const killed = await killGroup(drill);
    expect(killed.exitCode).toBeNull();
    expect(await scratch()).toEqual([name]);
    const left = ws.leftovers();
    expect(left.length).toBeGreaterThan(0);
    // A live drill's scratch database (this test's own pid) and another server's are never touched.
    // (made after this process started: a name older than its pid's process is a leftover of a reused pid)
    const live = `bkdrill_${app}_${Math.floor(Date.now() / 1000)}_${name.split('_').at(-2)}_${process.pid}`;
    const otherServer = `bkdrill_${app}_1765000000_00000000_1`;
    await mysqlRoot(`CREATE DATABASE \`${live}\``);
    await mysqlRoot(`CREATE DATABASE \`${otherServer}\``);
    const next = await runAgent(drillArgs, env);
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.report.status).toBe('passed');
    expect(next.report.cleaned.map((path: string) => path.split('/').pop()).sort()).toEqual([name, ...left].sort());
    expect((await scratch()).sort()).toEqual([live, otherServer].sort());
    expect(ws.leftovers()).toEqual([]);
    await mysqlRoot(`DROP DATABASE \`${live}\``);
    await mysqlRoot(`DROP DATABASE \`${otherServer}\``);
  }, 180_000);
});
