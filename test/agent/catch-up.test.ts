import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunRecord, TIER_TAG } from '../../common/run-record';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { type LocalS3, startS3 } from '../services/s3';
import { type ConditionalS3, startConditionalS3, type StrictS3, startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { startTcpProxy, type TcpProxy } from '../services/tcp-proxy';
import { createWorkspace, type Workspace } from '../services/workspace';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** A whole dump as an older agent wrote it: gzipped SQL ending with mysqldump's trailer. */
const oldDump = (sql: string) => gzipSync(`${sql}\n-- Dump completed on 2023-11-14  22:13:20\n`);

/** S3 (s3rver behind the conditional-write front, which also records tags) reached through a proxy that can cut it off. */
describe('S3 down for three runs, then back', () => {
  let s3: LocalS3;
  let front: ConditionalS3;
  let proxy: TcpProxy;
  let ws: Workspace;
  let db: MysqlDatabase;
  let env: Record<string, string>;
  const app = 'outage';
  const missed: AgentRun[] = [];
  let back: AgentRun;

  beforeAll(async () => {
    [s3, ws, db] = await Promise.all([startS3(), createWorkspace(), createMysqlDatabase()]);
    front = await startConditionalS3(s3);
    proxy = await startTcpProxy(Number(new URL(front.endpoint).port));
    await seedWordpressSchema(db, 30);
    writeWordpressApp(ws.appsDir, app, db);
    env = {
      ...ws.env,
      ...front.env,
      AWS_ENDPOINT_URL_S3: proxy.url,
      AWS_MAX_ATTEMPTS: '1',
      BACKOPPER_BUCKET: s3.bucket,
      BACKOPPER_S3_TIMEOUT: '2',
      BACKOPPER_S3_CONNECT_TIMEOUT: '2',
      // Without the catch-up rule, each run would delete the previous (never uploaded) dump.
      BACKOPPER_KEEP_LOCAL: '1',
    };
    proxy.setMode('reset');
    for (let i = 0; i < 3; i += 1) missed.push(await runAgent(backupArgs(app, 'mysql', 'wordpress'), env));
    proxy.setMode('pass');
    back = await runAgent(backupArgs(app, 'mysql', 'wordpress'), env);
  }, 240_000);
  afterAll(async () => {
    await proxy?.stop();
    await front?.stop();
    await Promise.all([s3?.stop(), ws?.remove(), db?.drop()]);
  });

  const dumpName = (run: AgentRun) => `${run.report.timestamp}.sql.gz`;
  const keyOf = (run: AgentRun) => `${app}/live/backup_${dumpName(run)}`;

  it('the runs without S3 fail loudly, keep every dump made, and delete none of them', () => {
    missed.forEach((run, index) => {
      expect(run.exitCode).toBe(1);
      expect(run.report.steps.database.status).toBe('succeeded');
      expect(run.report.steps.upload.status).toBe('failed');
      expect(run.report.steps.catchUp).toMatchObject({ status: 'skipped' });
      expect(run.report.steps.retention.deleted).toEqual([]);
      expect(run.report.steps.retention.keptPending ?? []).toEqual(missed.slice(0, index).map(dumpName).reverse());
      // No record could be written: said in the report, and the run failed anyway.
      expect(run.report.runRecord.error).toMatch(
        /writing the run record s3:\/\/.*\/runs\/\d+_[0-9a-f]{8}\.json failed/,
      );
    });
  });

  it('the run that reaches S3 uploads every missed dump, oldest first, under its own key, with its checksum', async () => {
    expect(back.exitCode, back.stdout).toBe(0);
    expect(back.report.steps.catchUp).toMatchObject({ status: 'succeeded', caughtUp: missed.map(keyOf) });
    const keys = await s3.listKeys(`${app}/live/backup_`);
    expect(keys).toEqual([...missed, back].flatMap((run) => [keyOf(run), `${keyOf(run)}.sha256`]).sort());
    for (const run of missed) {
      const stored = await s3.getObject(keyOf(run));
      expect(sha256(stored)).toBe(run.report.steps.database.sha256);
      expect((await s3.getObject(`${keyOf(run)}.sha256`)).toString()).toBe(
        `${run.report.steps.database.sha256}  backup_${dumpName(run)}\n`,
      );
    }
  });

  it('tags each dump with the tier it got when it was made: the first ever yearly, the same day daily', () => {
    const tiers = [...missed, back].map((run) => run.report.tier);
    expect(tiers).toEqual(['yearly', 'daily', 'daily', 'daily']);
    for (const run of [...missed, back]) {
      expect(front.tags(keyOf(run))).toEqual({ [TIER_TAG]: run.report.tier });
      expect(front.tags(`${keyOf(run)}.sha256`)).toEqual({ [TIER_TAG]: run.report.tier });
    }
  });

  it('only then does local retention delete them, down to BACKOPPER_KEEP_LOCAL', () => {
    expect(back.report.steps.retention.deleted.sort()).toEqual(missed.map(dumpName).sort());
    expect(ws.backupFiles(app)).toEqual([dumpName(back)]);
    const record = JSON.parse(readFileSync(join(ws.backupsDir, app, `${dumpName(back)}.json`), 'utf8'));
    expect(record).toEqual({
      sha256: back.report.steps.database.sha256,
      bytes: back.report.steps.database.bytes,
      tier: 'daily',
      runId: back.report.runId,
      uploaded: { bucket: s3.bucket, key: keyOf(back) },
    });
  });

  it('the run that reached S3 is on record: its whole report, tagged with its tier', async () => {
    const key = back.report.runRecord.key;
    expect(key).toMatch(new RegExp(`^${app}/live/runs/${back.report.timestamp}_[0-9a-f]{8}\\.json$`));
    const record = parseRunRecord((await s3.getObject(key)).toString());
    expect(record).toMatchObject({
      app,
      environment: 'live',
      status: 'succeeded',
      timestamp: back.report.timestamp,
      runId: back.report.runId,
    });
    expect(record.steps.catchUp).toMatchObject({ status: 'succeeded' });
    expect(front.tags(key)).toEqual({ [TIER_TAG]: 'daily' });
  });
});

describe('local dumps from before the dump records (an upgraded server)', () => {
  let s3: StrictS3;
  let ws: Workspace;
  let db: MysqlDatabase;
  let run: AgentRun;
  const app = 'upgraded';
  const already = '1700000000.sql.gz';
  const other = '1700000100.sql.gz';

  beforeAll(async () => {
    [s3, ws, db] = await Promise.all([startStrictS3(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 10);
    writeWordpressApp(ws.appsDir, app, db);
    const dir = join(ws.backupsDir, app);
    mkdirSync(dir, { recursive: true });
    // Uploaded by an older agent: in S3 with a sha256sum-format .sha256 and no sha256 metadata.
    writeFileSync(join(dir, already), oldDump('an old dump;'));
    const put = (key: string, body: string | Buffer) =>
      s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    await put(`${app}/live/backup_${already}`, oldDump('an old dump;'));
    await put(`${app}/live/backup_${already}.sha256`, `${sha256(oldDump('an old dump;'))}  backup_${already}\n`);
    // A key some other run holds with other bytes.
    writeFileSync(join(dir, other), oldDump('mine;'));
    await put(`${app}/live/backup_${other}`, oldDump('theirs;'));
    await put(`${app}/live/backup_${other}.sha256`, `${sha256(oldDump('theirs;'))}  backup_${other}\n`);
    run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...ws.env,
      ...s3.env,
      BACKOPPER_BUCKET: s3.bucket,
      BACKOPPER_KEEP_LOCAL: '1',
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([s3?.stop(), ws?.remove(), db?.drop()]);
  });

  it('finds a dump S3 already holds with the same checksum, uploads nothing, and lets retention delete it', async () => {
    expect(run.report.steps.catchUp.found).toEqual([`${app}/live/backup_${already}`]);
    expect(run.report.steps.catchUp.caughtUp).toEqual([]);
    expect((await s3.headObject(`${app}/live/backup_${already}`)).metadata).toEqual({});
    expect(run.report.steps.retention.deleted).toEqual([already]);
  });

  it('never replaces a key that holds another dump: the step fails loudly and the local dump stays', async () => {
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.catchUp.status).toBe('failed');
    expect(run.report.steps.catchUp.error).toContain(
      `${other}: s3://${s3.bucket}/${app}/live/backup_${other} already holds another dump`,
    );
    expect(await s3.getObject(`${app}/live/backup_${other}`)).toEqual(oldDump('theirs;'));
    expect(ws.backupFiles(app)).toEqual([other, `${run.report.timestamp}.sql.gz`].sort());
    expect(run.report.steps.retention.keptPending).toEqual([other]);
  });
});
