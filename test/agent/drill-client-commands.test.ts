/**
 * Red team (issue 22): the drill restores a dump from S3 as root, with the `mysql` client, on every
 * server, every week. The client runs its own commands found in its input (`\! <shell command>`), so a
 * dump replaced in S3 together with its .sha256 (or one whose object names smuggled a line in) would run
 * shell commands as root. The import must refuse client commands: the drill fails, nothing runs.
 * `backopper restore` imports the same way.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { runOpsCli } from '../services/ops-cli';
import { type LocalS3, startS3 } from '../services/s3';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('a dump that carries mysql client commands runs none of them', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let db: MysqlDatabase;
  let backup: AgentRun;
  let env: Record<string, string>;
  let marker: string;

  beforeAll(async () => {
    [ws, s3, db] = await Promise.all([createWorkspace(), startS3(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
    writeWordpressApp(ws.appsDir, 'wpcmd', db);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket };
    backup = await runAgent(backupArgs('wpcmd', 'mysql', 'wordpress'), env);
    if (backup.exitCode !== 0) throw new Error(backup.stdout);
    // The dump, replaced in S3 with its .sha256: a client shell command after the first table.
    marker = join(ws.root, 'client-command-ran');
    const key = backup.report.steps.upload.key as string;
    // Without the sandbox line MariaDB's mysqldump (10.11.8+) writes first: whoever replaces the dump drops it.
    const sql = gunzipSync(readFileSync(backup.report.steps.database.path))
      .toString()
      .replace(/^\/\*M!999999\\- enable the sandbox mode \*\/ *\n/, '');
    expect(sql.startsWith('/*M!999999')).toBe(false);
    const at = sql.indexOf('UNLOCK TABLES;\n') + 'UNLOCK TABLES;\n'.length;
    expect(at).toBeGreaterThan(20);
    const body = gzipSync(`${sql.slice(0, at)}\\! touch ${marker}\n${sql.slice(at)}`);
    const hash = createHash('sha256').update(body).digest('hex');
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${key}.sha256`, Body: `${hash}  x\n` }));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop()]);
    await s3?.stop();
  });

  it('drill: fails (exit 1) and the shell command never runs', async () => {
    rmSync(marker, { force: true });
    const drill = await runAgent(['drill', '--app', 'wpcmd', '--environment', 'live'], env);
    expect(existsSync(marker)).toBe(false);
    expect(drill.exitCode).toBe(1);
    expect(drill.report.error).toMatch(/mysql exited with status 1: ERROR at line \d+: Unknown command '\\!'/);
  });

  it('backopper restore: fails and the shell command never runs', async () => {
    rmSync(marker, { force: true });
    const target = `${db.database}_cmd`;
    await mysqlRoot(`CREATE DATABASE \`${target}\``);
    try {
      const run = await runOpsCli(
        ['restore', 'live', 'wpcmd', '--output', ws.root, '--database-url', `mysql://root@localhost/${target}`],
        env,
      );
      expect(existsSync(marker)).toBe(false);
      expect(run.exitCode).toBe(1);
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS \`${target}\``);
    }
  });
});
