/**
 * Red team (issue 22): a drill of a dump that has no manifest is `skipped` (exit 0) so that dumps made
 * before manifests are not false alarms. But a newer dump whose run record is gone (deleted, or never
 * written) while the runs before it recorded manifests is no such dump: replaced consistently (dump and
 * .sha256) with one that lacks a table, it must fail the drill, not pass as "skipped".
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { type LocalS3, startS3 } from '../services/s3';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('a dump whose run record vanished is not passed over as "made before manifests"', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let db: MysqlDatabase;
  const runs: AgentRun[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    [ws, s3, db] = await Promise.all([createWorkspace(), startS3(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
    writeWordpressApp(ws.appsDir, 'wpgap', db);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket };
    for (let i = 0; i < 2; i++) {
      const run = await runAgent(backupArgs('wpgap', 'mysql', 'wordpress'), env);
      if (run.exitCode !== 0) throw new Error(run.stdout);
      runs.push(run);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // one run per second
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop()]);
    await s3?.stop();
  });

  it('fails (exit 1) the newest dump, replaced without wp_options and its run record deleted', async () => {
    const newest = runs[1]!;
    const key = newest.report.steps.upload.key as string;
    const sql = gunzipSync(readFileSync(newest.report.steps.database.path)).toString();
    const without = sql.replace(/--\n-- Table structure for table `wp_options`[\s\S]*?UNLOCK TABLES;\n/, '');
    expect(without.length).toBeLessThan(sql.length);
    const body = gzipSync(without);
    const hash = createHash('sha256').update(body).digest('hex');
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${key}.sha256`, Body: `${hash}  x\n` }));
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: newest.report.runRecord.key as string }));
    const drill = await runAgent(['drill', '--app', 'wpgap', '--environment', 'live'], env);
    expect(drill.report.status).toBe('failed');
    expect(drill.exitCode).toBe(1);
    expect(drill.report.error).toMatch(/no manifest was recorded with .* though the run of .* before it recorded one/);
    expect((await mysqlRoot("SHOW DATABASES LIKE 'bkdrill\\_wpgap\\_%'")).trim()).toBe('');
  });

  it('still skips (exit 0) the oldest dump without a manifest: nothing before it recorded one', async () => {
    const oldest = runs[0]!;
    const recordKey = oldest.report.runRecord.key as string;
    const record = JSON.parse((await s3.getObject(recordKey)).toString());
    delete record.steps.database.manifest;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: recordKey, Body: JSON.stringify(record) }));
    const drill = await runAgent(
      ['drill', '--app', 'wpgap', '--environment', 'live', '--key', oldest.report.steps.upload.key],
      env,
    );
    expect(drill.exitCode).toBe(0);
    expect(drill.report.status).toBe('skipped');
  });
});
