import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import { exec } from '../services/exec';
import {
  fingerprintPostgres,
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeLaravelApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('a Laravel app on PostgreSQL (a cluster that checks passwords), backed up end to end', () => {
  let cluster: PostgresCluster;
  let s3: LocalS3;
  let sshd: LocalSshd;
  let ws: Workspace;
  let db: PostgresDatabase;
  let run: Awaited<ReturnType<typeof runAgent>>;
  const app = 'crm';

  beforeAll(async () => {
    [cluster, s3, sshd, ws] = await Promise.all([
      startPostgresCluster(),
      startStrictS3(),
      startSshd(),
      createWorkspace(),
    ]);
    db = await cluster.createDatabase();
    await seedLaravelSchema(cluster, db, 200);
    writeLaravelApp(ws.appsDir, app, db);
    run = await runAgent(backupArgs(app, 'postgres', 'laravel', 'staging'), {
      ...ws.env,
      ...s3.env,
      ...sshd.env,
      BACKOPPER_BUCKET: s3.bucket,
    });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), s3?.stop(), sshd?.stop(), ws?.remove()]);
  });

  it('exits 0 with every step succeeded', () => {
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.report.status).toBe('succeeded');
    for (const step of ['database', 'retention', 'upload', 'media', 'transfer'])
      expect(run.report.steps[step].status).toBe('succeeded');
  });

  it('writes <ts>.tar in pg_dump tar format and the same bytes to S3 as backup_<ts>.tar', async () => {
    const { timestamp } = run.report;
    expect(ws.backupFiles(app)).toEqual([`${timestamp}.tar`]);
    const local = readFileSync(join(ws.backupsDir, app, `${timestamp}.tar`));
    expect(run.report.steps.database.sha256).toBe(sha256(local));
    const listing = await exec('tar', ['-tf', join(ws.backupsDir, app, `${timestamp}.tar`)]);
    expect(listing).toContain('toc.dat');
    const key = `${app}/staging/backup_${timestamp}.tar`;
    expect((await s3.listKeys()).filter((name) => !name.includes('/runs/'))).toEqual([key, `${key}.sha256`]);
    expect(sha256(await s3.getObject(key))).toBe(sha256(local));
    expect((await s3.headObject(key)).metadata).toMatchObject({ engine: 'postgres', environment: 'staging' });
  });

  it('restores with pg_restore into a fresh database identical to the original', async () => {
    const restored = `${db.database}_r`;
    await cluster.psql(`CREATE DATABASE ${restored}`);
    await exec('pg_restore', [
      '--no-owner',
      '--exit-on-error',
      '-h',
      cluster.socketDir,
      '-p',
      String(cluster.port),
      '-U',
      'postgres',
      '-d',
      restored,
      run.report.steps.database.path,
    ]);
    const [original, copy] = await Promise.all([
      fingerprintPostgres(cluster, db.database),
      fingerprintPostgres(cluster, restored),
    ]);
    expect(copy).toEqual(original);
    expect(original['table users']).toMatch(/^201 rows/);
    expect(original).toMatchObject({ views: 'user_names', functions: 'log_user', triggers: 'users_audit' });
    const edge = await cluster.psql(
      `SELECT encode(avatar, 'hex') || ' ' || name FROM users WHERE email='edge@example.test'`,
      restored,
    );
    expect(edge.trim()).toBe(`00ff0d0a00 edge ' \\ "quote"`);
  });

  it('archives storage/app/public and copies it to the media server', () => {
    const remoteDir = join(sshd.remoteRoot, app, 'staging');
    // <app>+<environment>+media_<ts>_<host id>.tar.gz: whose, and unique per run and server.
    const name = run.report.steps.transfer.path.split('/').pop();
    expect(name).toMatch(new RegExp(`^${app}\\+staging\\+media_${run.report.timestamp}_[0-9a-f]{8}\\.tar\\.gz$`));
    expect(readdirSync(remoteDir)).toEqual([name]);
    expect(sha256(readFileSync(join(remoteDir, name)))).toBe(run.report.steps.media.sha256);
    expect(run.report.steps.media.path).toBe(join(ws.appsDir, app, 'storage/app/public'));
    expect(ws.leftovers()).toEqual([]);
  });

  it('fails on a wrong password (the cluster really checks it), keeps nothing and still backs up media', async () => {
    const { writeFileSync } = await import('node:fs');
    const envPath = join(ws.appsDir, app, '.env');
    const original = readFileSync(envPath, 'utf8');
    writeFileSync(envPath, original.replace(/^DB_PASSWORD=.*$/m, 'DB_PASSWORD=wrong'));
    try {
      const before = ws.backupFiles(app);
      const failed = await runAgent(backupArgs(app, 'postgres', 'laravel', 'staging'), {
        ...ws.env,
        ...s3.env,
        ...sshd.env,
        BACKOPPER_BUCKET: s3.bucket,
      });
      expect(failed.exitCode).toBe(1);
      expect(failed.report.steps.database.status).toBe('failed');
      expect(failed.report.steps.database.error).toMatch(/password authentication failed/);
      expect(failed.report.steps.upload.status).toBe('skipped');
      expect(failed.report.steps.media.status).toBe('succeeded');
      expect(failed.report.steps.transfer.status).toBe('succeeded');
      expect(ws.backupFiles(app)).toEqual(before);
      const keys = (await s3.listKeys()).filter((key) => key.includes(String(failed.report.timestamp)));
      // No dump; the failed run is on record.
      expect(keys).toEqual([failed.report.runRecord.key]);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      writeFileSync(envPath, original);
    }
  });
});
