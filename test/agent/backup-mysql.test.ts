import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, backupArgs, runAgent } from '../services/agent';
import { exec } from '../services/exec';
import {
  createMysqlDatabase,
  fingerprintMysql,
  mysqlImport,
  mysqlRoot,
  type MysqlDatabase,
  seedWordpressSchema,
} from '../services/mariadb';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('a WordPress app on MariaDB, backed up end to end', () => {
  let s3: LocalS3;
  let sshd: LocalSshd;
  let ws: Workspace;
  let db: MysqlDatabase;
  let run: Awaited<ReturnType<typeof runAgent>>;
  const app = 'shop-site_1.live';

  beforeAll(async () => {
    [s3, sshd, ws, db] = await Promise.all([startStrictS3(), startSshd(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 300);
    writeWordpressApp(ws.appsDir, app, db);
    // Two compression threads: the dump is compressed in several blocks at once, and must still restore.
    run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...ws.env,
      ...s3.env,
      ...sshd.env,
      BACKOPPER_BUCKET: s3.bucket,
      BACKOPPER_COMPRESS_THREADS: '2',
    });
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), sshd?.stop(), ws?.remove(), db?.drop()]);
  });

  it('exits 0 and reports every step as succeeded', () => {
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.report).toMatchObject({ app, environment: 'live', status: 'succeeded' });
    // Which build ran: the package version and the sha256 of the bundle file itself.
    expect(run.report.agentVersion).toBe(
      (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
    );
    expect(run.report.bundleSha256).toBe(createHash('sha256').update(readFileSync(AGENT_BUNDLE)).digest('hex'));
    for (const step of ['database', 'retention', 'upload', 'media', 'transfer'])
      expect(run.report.steps[step].status).toBe('succeeded');
  });

  it('prints one readable line per step before the JSON report', () => {
    const lines = run.stdout.trim().split('\n');
    for (const step of ['database', 'upload', 'media', 'transfer'])
      expect(lines.some((line) => line.startsWith(`[backopper] ${step} `))).toBe(true);
    expect(lines.at(-1)?.startsWith('{')).toBe(true);
  });

  it('writes <ts>.sql.gz, a complete dump whose hash the report states', () => {
    const { timestamp } = run.report;
    expect(ws.backupFiles(app)).toEqual([`${timestamp}.sql.gz`]);
    expect(readFileSync(join(ws.backupsDir, app, '.backopper-last-run'), 'utf8')).toBe(`${timestamp}\n`);
    const file = readFileSync(join(ws.backupsDir, app, `${timestamp}.sql.gz`));
    expect(run.report.steps.database).toMatchObject({
      path: join(ws.backupsDir, app, `${timestamp}.sql.gz`),
      bytes: file.length,
      sha256: sha256(file),
    });
    expect(gunzipSync(file).toString('utf8')).toMatch(/-- Dump completed[^\n]*\n$/);
  });

  it('restores into a fresh database identical to the original: text, binary, JSON, triggers, views, routines, events', async () => {
    const restored = `${db.database}_r`;
    await mysqlRoot(`CREATE DATABASE \`${restored}\``);
    try {
      const file = readFileSync(run.report.steps.database.path);
      await mysqlImport(restored, gunzipSync(file).toString('utf8'));
      const [original, copy] = await Promise.all([fingerprintMysql(db.database), fingerprintMysql(restored)]);
      expect(copy).toEqual(original);
      expect(original['table wp_posts']).toMatch(/^301 rows/);
      expect(original.triggers).toBe('wp_posts_audit');
      expect(original.routines).toBe('FUNCTION wp_title_upper,PROCEDURE wp_count_posts');
      expect(original.events).toBe('wp_cleanup');
      const edge = await mysqlRoot(`SELECT HEX(thumb), meta FROM wp_posts WHERE post_title='binary edge'`, restored);
      expect(edge.trim()).toBe('00FF0D0A1A5C27220009\t{}');
      const emoji = await mysqlRoot(`SELECT option_value FROM wp_options WHERE option_name='blogname'`, restored);
      expect(emoji).toContain('Ünïcödé 🚀');
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS \`${restored}\``);
    }
  });

  it('stores a byte-identical copy in S3 under <app>/<environment>/backup_<ts>.sql.gz with its metadata and sha256', async () => {
    const { timestamp } = run.report;
    const key = `${app}/live/backup_${timestamp}.sql.gz`;
    const keys = await s3.listKeys();
    expect(keys.slice(0, 2)).toEqual([key, `${key}.sha256`]);
    expect(keys.slice(2)).toEqual([run.report.runRecord.key]);
    expect(run.report.runRecord.key).toMatch(new RegExp(`^${app}/live/runs/${timestamp}_[0-9a-f]{8}\\.json$`));
    const local = readFileSync(run.report.steps.database.path);
    expect(sha256(await s3.getObject(key))).toBe(sha256(local));
    const head = await s3.headObject(key);
    expect(head.metadata).toMatchObject({ app, environment: 'live', engine: 'mysql', timestamp: String(timestamp) });
    expect((await s3.getObject(`${key}.sha256`)).toString()).toBe(`${sha256(local)}  backup_${timestamp}.sql.gz\n`);
    expect(run.report.steps.upload).toMatchObject({
      bucket: s3.bucket,
      key,
      bytes: local.length,
      sha256: sha256(local),
    });
  });

  it('copies the media archive to the media server, identical, and leaves no temporary file', async () => {
    const { timestamp } = run.report;
    const remoteDir = join(sshd.remoteRoot, app, 'live');
    // <app>+<environment>+media_<ts>_<host id>.tar.gz: whose, and unique per run and server.
    const name = run.report.steps.transfer.path.split('/').pop();
    expect(name).toMatch(new RegExp(`^${app}\\+live\\+media_${timestamp}_[0-9a-f]{8}\\.tar\\.gz$`));
    expect(run.report.steps.transfer.path).toBe(`127.0.0.1:${join(remoteDir, name)}`);
    expect(readdirSync(remoteDir)).toEqual([name]);
    const remote = readFileSync(join(remoteDir, name));
    expect(sha256(remote)).toBe(run.report.steps.transfer.sha256);
    expect(run.report.steps.media.sha256).toBe(sha256(remote));
    const listing = await exec('tar', ['-tzf', join(remoteDir, name)]);
    expect(listing.split('\n')).toEqual(
      expect.arrayContaining(['uploads/', 'uploads/2024/05/image-0.jpg', 'uploads/ünïcode name ✓.txt']),
    );
    const extracted = join(ws.root, 'extracted');
    await exec('mkdir', ['-p', extracted]);
    await exec('tar', ['-xzf', join(remoteDir, name), '-C', extracted]);
    const original = readFileSync(join(ws.appsDir, app, 'public/wp-content/uploads/2024/05/image-0.jpg'));
    expect(readFileSync(join(extracted, 'uploads/2024/05/image-0.jpg')).equals(original)).toBe(true);
    expect(ws.leftovers()).toEqual([]);
  });

  it('keeps only the newest BACKOPPER_KEEP_LOCAL dumps of its own naming and never touches other files', async () => {
    const dir = join(ws.backupsDir, app);
    for (const ts of [1600000001, 1600000002, 1600000003]) writeFileSync(join(dir, `${ts}.sql.gz`), 'old');
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    writeFileSync(join(dir, '1500000000.sql.gz.bak'), 'keep me too');
    const again = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...ws.env, BACKOPPER_KEEP_LOCAL: '4' });
    expect(again.exitCode).toBe(0);
    expect(again.report.steps.retention.deleted).toEqual(['1600000001.sql.gz']);
    expect(ws.backupFiles(app)).toEqual(
      [
        `${run.report.timestamp}.sql.gz`,
        '1500000000.sql.gz.bak',
        '1600000002.sql.gz',
        '1600000003.sql.gz',
        `${again.report.timestamp}.sql.gz`,
        'notes.txt',
      ].sort(),
    );
  });
});
