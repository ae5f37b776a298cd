import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent, type AgentRun } from '../services/agent';
import {
  createMysqlDatabase,
  fingerprintMysql,
  mysqlRoot,
  type MysqlDatabase,
  seedWordpressSchema,
} from '../services/mariadb';
import {
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import { type LocalS3, startS3 } from '../services/s3';
import { type ConditionalS3, startConditionalS3 } from '../services/s3-conditional';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';
import { runOpsCli } from '../services/ops-cli';
import { join } from 'node:path';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const drillArgs = (app: string, ...more: string[]) => ['drill', '--app', app, '--environment', 'live', ...more];

describe('backopper-agent drill: restores the S3 copy into a scratch database and compares it with its manifest', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let front: ConditionalS3;
  let sshd: LocalSshd;
  let db: MysqlDatabase;
  let cluster: PostgresCluster;
  let pg: PostgresDatabase;
  let env: Record<string, string>;
  const wp: AgentRun[] = [];
  let lara: AgentRun;

  beforeAll(async () => {
    [ws, s3, sshd, db, cluster] = await Promise.all([
      createWorkspace(),
      startS3(),
      startSshd(),
      createMysqlDatabase(),
      startPostgresCluster(),
    ]);
    // The servers' role may list its environment's prefix (the drill finds the newest dump and its records).
    front = await startConditionalS3(s3, { listBucket: true });
    pg = await cluster.createDatabase();
    await Promise.all([seedWordpressSchema(db, 500), seedLaravelSchema(cluster, pg, 300)]);
    writeWordpressApp(ws.appsDir, 'wp', db);
    writeLaravelApp(ws.appsDir, 'lara', pg);
    env = { ...ws.env, ...front.env, ...sshd.env, BACKOPPER_BUCKET: s3.bucket };
    for (let i = 0; i < 3; i++) {
      const run = await runAgent(backupArgs('wp', 'mysql', 'wordpress'), env);
      if (run.exitCode !== 0) throw new Error(run.stdout);
      wp.push(run);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // one run per second
    }
    lara = await runAgent(backupArgs('lara', 'postgres', 'laravel'), { ...env, BACKOPPER_MEDIA_HOST: '' });
    if (lara.exitCode !== 0) throw new Error(lara.stdout);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), front?.stop(), sshd?.stop(), db?.drop(), cluster?.stop()]);
    await s3?.stop();
  });

  const drillRecord = async (report: Record<string, any>) => {
    expect(report.drillRecord.key).toMatch(/^(wp|lara)\/live\/drills\/\d+_[0-9a-f]{8}\.json$/);
    return JSON.parse((await s3.getObject(report.drillRecord.key)).toString());
  };
  // The agent's host id, as its run record keys carry it (`runs/<ts>_<host id>.json`).
  const thisHostId = () => /_([0-9a-f]{8})\.json$/.exec(wp[0]!.report.runRecord.key as string)![1]!;
  const scratchLeft = async () => (await mysqlRoot("SHOW DATABASES LIKE 'bkdrill\\_%'")).trim();

  it('records the manifest of every dump in the run report', () => {
    const manifest = wp[0]!.report.steps.database.manifest;
    expect(manifest.objects.tables).toEqual(expect.arrayContaining(['wp_options', 'wp_posts']));
    expect(manifest.rows.wp_posts).toBeGreaterThanOrEqual(500);
    expect(lara.report.steps.database.manifest.rows['public.users']).toBe(301);
  });

  it('passes a drill of a good MariaDB backup, records its restore time in S3 and drops the scratch database', async () => {
    const run = await runAgent(drillArgs('wp', '--key', wp[0]!.report.steps.upload.key), env);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.report).toMatchObject({
      command: 'drill',
      status: 'passed',
      differences: [],
      bytes: wp[0]!.report.steps.database.bytes,
    });
    expect(run.report.restoreSeconds).toBeGreaterThan(0);
    // The first run of an app is its yearly copy (the largest calendar boundary since no previous success).
    expect(run.report.backup.tier).toBe(wp[0]!.report.tier);
    expect(await drillRecord(run.report)).toMatchObject({
      status: 'passed',
      backup: { key: wp[0]!.report.steps.upload.key, sha256: wp[0]!.report.steps.database.sha256 },
      restoreSeconds: run.report.restoreSeconds,
    });
    expect(await scratchLeft()).toBe('');
    // Proof where operators look: `backopper backups` names the last proven restore and marks the dump.
    const listing = await runOpsCli(['backups', 'live', 'wp'], env);
    expect(listing.stdout).toMatch(
      new RegExp(
        `last proven restore \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: ${wp[0]!.report.steps.upload.key} \\(yearly copy\\) restored in ${run.report.restoreSeconds} s`,
      ),
    );
    const rows = JSON.parse((await runOpsCli(['backups', 'live', 'wp', '--json'], env)).stdout);
    expect(rows.find((row: any) => row.key === wp[0]!.report.steps.upload.key).drill).toMatchObject({
      status: 'passed',
      restoreSeconds: run.report.restoreSeconds,
    });
  });

  it('passes a drill of the newest PostgreSQL backup through an admin URL', async () => {
    const run = await runAgent(drillArgs('lara'), {
      ...env,
      BACKOPPER_DRILL_ADMIN_URL: `postgres://postgres@localhost:${cluster.port}/?socket=${encodeURIComponent(cluster.socketDir)}`,
    });
    expect(run.exitCode).toBe(0);
    expect(run.report).toMatchObject({
      status: 'passed',
      differences: [],
      backup: { key: lara.report.steps.upload.key },
    });
    expect((await drillRecord(run.report)).status).toBe('passed');
    expect((await cluster.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'bkdrill%'")).trim()).toBe('0');
  });

  it('drops the PostgreSQL scratch database a killed drill of this server left, and no other', async () => {
    const pgAdmin = `postgres://postgres@localhost:${cluster.port}/?socket=${encodeURIComponent(cluster.socketDir)}`;
    const host = thisHostId();
    const now = Math.floor(Date.now() / 1000);
    // A pid no process has (above pid_max), this server; the same dead pid, another server; a live drill (this pid).
    const dead = `bkdrill_lara_${now - 60}_${host}_4194999`;
    const otherServer = `bkdrill_lara_${now - 60}_00000000_4194999`;
    const live = `bkdrill_lara_${now}_${host}_${process.pid}`;
    for (const name of [dead, otherServer, live]) await cluster.psql(`CREATE DATABASE "${name}"`);
    const run = await runAgent(drillArgs('lara'), { ...env, BACKOPPER_DRILL_ADMIN_URL: pgAdmin });
    expect(run.exitCode).toBe(0);
    expect(run.report.cleaned).toEqual([dead]);
    const left = await cluster.psql("SELECT datname FROM pg_database WHERE datname LIKE 'bkdrill%' ORDER BY 1");
    expect(
      left
        .trim()
        .split('\n')
        .map((line) => line.trim()),
    ).toEqual([otherServer, live].sort());
    for (const name of [otherServer, live]) await cluster.psql(`DROP DATABASE "${name}"`);
  });

  it("fails loudly (exit 1, failed record) when a dead drill's leftover cannot be dropped, and still restores", async () => {
    const host = thisHostId();
    // A role that may create databases, but not drop the superuser's leftover.
    const role = `drill_${Date.now()}`;
    await cluster.psql(`CREATE ROLE ${role} LOGIN CREATEDB PASSWORD 'drill-pass'`);
    const leftover = `bkdrill_lara_${Math.floor(Date.now() / 1000) - 60}_${host}_4194999`;
    await cluster.psql(`CREATE DATABASE "${leftover}"`);
    try {
      const run = await runAgent(drillArgs('lara'), {
        ...env,
        BACKOPPER_DRILL_ADMIN_URL: `postgres://${role}:drill-pass@localhost:${cluster.port}/?socket=${encodeURIComponent(cluster.socketDir)}`,
      });
      expect(run.exitCode).toBe(1);
      expect(run.report.status).toBe('failed');
      expect(run.report.differences).toEqual([
        expect.stringMatching(/^leftover scratch databases of killed drills could not be dropped: .*must be owner/),
      ]);
      expect(run.report.tables).toBeGreaterThan(0);
      expect((await drillRecord(run.report)).status).toBe('failed');
    } finally {
      await cluster.psql(`DROP DATABASE IF EXISTS "${leftover}"`);
      await cluster.psql(`DROP ROLE ${role}`);
    }
  });

  it('fails (exit 1, failed record in S3) when the S3 object does not match its .sha256', async () => {
    const key = wp[1]!.report.steps.upload.key;
    const tampered = Buffer.from(readFileSync(wp[1]!.report.steps.database.path));
    tampered[tampered.length - 100] ^= 0xff;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: tampered }));
    const run = await runAgent(drillArgs('wp', '--key', key), env);
    expect(run.exitCode).toBe(1);
    expect(run.report.status).toBe('failed');
    expect(run.report.error).toMatch(
      /has sha256 [0-9a-f]{64}, its \.sha256 says [0-9a-f]{64}: the copy in S3 is not the dump that was made/,
    );
    expect(await drillRecord(run.report)).toMatchObject({ status: 'failed', backup: { key } });
  });

  it('fails when the dump and its .sha256 were replaced consistently but the dump lacks a table its manifest lists', async () => {
    const key = wp[2]!.report.steps.upload.key;
    const sql = gunzipSync(readFileSync(wp[2]!.report.steps.database.path)).toString();
    const withoutOptions = sql.replace(/--\n-- Table structure for table `wp_options`[\s\S]*?UNLOCK TABLES;\n/, '');
    expect(withoutOptions.length).toBeLessThan(sql.length);
    const body = gzipSync(withoutOptions);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `${key}.sha256`, Body: `${sha256(body)}  backup.sql.gz\n` }),
    );
    const run = await runAgent(drillArgs('wp', '--key', key), env);
    expect(run.exitCode).toBe(1);
    expect(run.report.differences).toContain('tables missing: wp_options');
    expect(await drillRecord(run.report)).toMatchObject({
      status: 'failed',
      differences: expect.arrayContaining(['tables missing: wp_options']),
    });
    expect(await scratchLeft()).toBe('');
  });

  it('says how to fix a drill that cannot create a scratch database, and never touches the app database', async () => {
    const before = await fingerprintMysql(db.database);
    const run = await runAgent(drillArgs('wp', '--key', wp[0]!.report.steps.upload.key), {
      ...env,
      BACKOPPER_DRILL_ADMIN_URL: `mysql://${db.user}:${encodeURIComponent(db.password)}@127.0.0.1:3306/`,
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.error).toMatch(
      /cannot create the scratch database bkdrill_wp_\d+_[0-9a-f]{8}_\d+ as u_\S+ over 127\.0\.0\.1:3306: .*set BACKOPPER_DRILL_ADMIN_URL .*The app's own database was not touched\./,
    );
    expect(await fingerprintMysql(db.database)).toEqual(before);
    expect((await drillRecord(run.report)).status).toBe('failed');
  });

  it('takes the admin URL of its own engine from a setting that names one per engine (a server with both)', async () => {
    const pgAdmin = `postgres://postgres@localhost:${cluster.port}/?socket=${encodeURIComponent(cluster.socketDir)}`;
    // The MariaDB URL is the app's user, who may not create databases: proof the MariaDB drill used it.
    const both = `mysql://${db.user}:${encodeURIComponent(db.password)}@127.0.0.1:3306/ ${pgAdmin}`;
    const [wpRun, laraRun] = [
      await runAgent(drillArgs('wp', '--key', wp[0]!.report.steps.upload.key), {
        ...env,
        BACKOPPER_DRILL_ADMIN_URL: both,
      }),
      await runAgent(drillArgs('lara'), { ...env, BACKOPPER_DRILL_ADMIN_URL: both }),
    ];
    expect(wpRun.exitCode).toBe(1);
    expect(wpRun.report.error).toMatch(/cannot create the scratch database \S+ as u_\S+ over 127\.0\.0\.1:3306/);
    expect(laraRun.exitCode, laraRun.stdout).toBe(0);
    expect(laraRun.report.status).toBe('passed');
    // Only a PostgreSQL URL: the MariaDB drill uses root over the socket, as with no setting at all.
    const wpDefault = await runAgent(drillArgs('wp', '--key', wp[0]!.report.steps.upload.key), {
      ...env,
      BACKOPPER_DRILL_ADMIN_URL: pgAdmin,
    });
    expect(wpDefault.exitCode, wpDefault.stdout).toBe(0);
    expect(wpDefault.report.status).toBe('passed');
    expect(await scratchLeft()).toBe('');
  });

  it('passes a media drill of a whole archive and fails it when the archive on the media server is truncated', async () => {
    const good = await runAgent(drillArgs('wp', '--media'), env);
    expect(good.exitCode).toBe(0);
    const uploads = join(ws.appsDir, 'wp', 'public', 'wp-content', 'uploads');
    const files = readdirSync(uploads, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    const bytes = files.reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
    expect(good.report).toMatchObject({ kind: 'media', status: 'passed', files: files.length, fileBytes: bytes });
    const remote = wp[2]!.report.steps.transfer.path.split(':').slice(1).join(':');
    truncateSync(remote, statSync(remote).size - 300);
    const bad = await runAgent(drillArgs('wp', '--media'), env);
    expect(bad.exitCode).toBe(1);
    expect(bad.report.status).toBe('failed');
    expect(bad.report.differences.join('\n')).toMatch(/bytes, the run recorded/);
    expect(bad.report.differences.join('\n')).toMatch(/cannot be read whole|is truncated/);
    expect((await drillRecord(bad.report)).status).toBe('failed');
  });

  it('restores a dump made before manifests were recorded, and says it was not compared (skipped, not a false alarm)', async () => {
    const recordKey = wp[0]!.report.runRecord.key as string;
    const record = JSON.parse((await s3.getObject(recordKey)).toString());
    delete record.steps.database.manifest;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: recordKey, Body: JSON.stringify(record) }));
    const key = wp[0]!.report.steps.upload.key;
    const run = await runAgent(drillArgs('wp', '--key', key), env);
    expect(run.exitCode).toBe(0);
    expect(run.report.status).toBe('skipped');
    expect(run.report.reason).toMatch(
      /restored into a scratch database \(\d+ tables, \d+ rows\), but no manifest was recorded/,
    );
    expect(run.report.tables).toBeGreaterThan(0);
    expect(await drillRecord(run.report)).toMatchObject({ status: 'skipped', backup: { key } });
    expect(await scratchLeft()).toBe('');
  });
});
