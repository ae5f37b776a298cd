/**
 * Red team (issue 22): a drill killed with SIGKILL leaves a scratch database holding a full copy of the
 * app's data. The next drill of this server must remove it even when that drill itself fails early
 * (a dump that does not match its .sha256), not only when it gets as far as its own restore.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { type LocalS3, startS3 } from '../services/s3';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe("a killed drill's scratch database is removed by the next drill, whatever that drill finds", () => {
  let ws: Workspace;
  let s3: LocalS3;
  let db: MysqlDatabase;
  let backup: AgentRun;
  let env: Record<string, string>;

  beforeAll(async () => {
    [ws, s3, db] = await Promise.all([createWorkspace(), startS3(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
    writeWordpressApp(ws.appsDir, 'wpleft', db);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket };
    backup = await runAgent(backupArgs('wpleft', 'mysql', 'wordpress'), env);
    if (backup.exitCode !== 0) throw new Error(backup.stdout);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop()]);
    await s3?.stop();
  });

  it('drops the leftover of a dead drill of this server when the dump fails its sha256 check', async () => {
    const host = /_([0-9a-f]{8})\.json$/.exec(backup.report.runRecord.key as string)![1]!;
    // A pid above pid_max: no process has it. It holds "customer data", as a killed drill's copy would.
    const leftover = `bkdrill_wpleft_${Math.floor(Date.now() / 1000) - 600}_${host}_4194999`;
    await mysqlRoot(
      `CREATE DATABASE \`${leftover}\`; CREATE TABLE \`${leftover}\`.wp_users (email text); INSERT INTO \`${leftover}\`.wp_users VALUES ('a@example.com');`,
    );
    try {
      const key = backup.report.steps.upload.key as string;
      await s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: `${key}.sha256`, Body: `${'0'.repeat(64)}  x\n` }),
      );
      const run = await runAgent(['drill', '--app', 'wpleft', '--environment', 'live'], env);
      expect(run.exitCode).toBe(1);
      expect(run.report.error).toMatch(/the copy in S3 is not the dump that was made/);
      expect((await mysqlRoot(`SHOW DATABASES LIKE 'bkdrill\\_wpleft\\_%'`)).trim()).toBe('');
      expect(run.report.cleaned).toContain(leftover);
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS \`${leftover}\``);
    }
  });
});
