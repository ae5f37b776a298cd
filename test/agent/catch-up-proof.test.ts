import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIER_TAG } from '../../common/run-record';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { exec } from '../services/exec';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { type PostgresCluster, seedLaravelSchema, startPostgresCluster } from '../services/postgres';
import { type StrictS3, startStrictS3 } from '../services/s3-conditional';
import { writeLaravelApp, writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Dumps left on a server by agents that wrote no `.json` record (or whose record was lost), some of them
 * broken, and then a run that reaches S3 (s3rver behind the strict front: 403 for a missing key).
 */
describe('pending dumps without their record', () => {
  let s3: StrictS3;
  let ws: Workspace;
  let db: MysqlDatabase;
  let cluster: PostgresCluster;
  let mysqlRun: AgentRun;
  let pgRun: AgentRun;
  const whole: Record<'mysql' | 'pg', string> = { mysql: '', pg: '' };
  const wholeSha: Record<'mysql' | 'pg', string> = { mysql: '', pg: '' };
  // Broken dumps, by name, with the reason the refusal must give.
  const broken: Record<string, RegExp> = {};

  /** Makes one real dump without a bucket (no record is written then), as an agent before records did. */
  async function recordlessDump(app: string, engine: string, type: string): Promise<string> {
    const run = await runAgent(backupArgs(app, engine, type), ws.env);
    expect(run.exitCode, run.stdout).toBe(0);
    return run.report.steps.database.path as string;
  }

  beforeAll(async () => {
    [s3, ws, db, cluster] = await Promise.all([
      startStrictS3(),
      createWorkspace(),
      createMysqlDatabase(),
      startPostgresCluster(),
    ]);
    const pgDb = await cluster.createDatabase();
    await Promise.all([seedWordpressSchema(db, 20), seedLaravelSchema(cluster, pgDb, 20)]);
    writeWordpressApp(ws.appsDir, 'blog', db);
    writeLaravelApp(ws.appsDir, 'crm', pgDb);

    const mysqlDump = await recordlessDump('blog', 'mysql', 'wordpress');
    whole.mysql = mysqlDump.slice(mysqlDump.lastIndexOf('/') + 1);
    const gz = readFileSync(mysqlDump);
    wholeSha.mysql = sha256(gz);
    const dir = join(ws.backupsDir, 'blog');
    // Cut mid-stream (a disk that filled, a copy that stopped): the gzip stream itself is incomplete.
    writeFileSync(join(dir, '1700000100.sql.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    broken['1700000100.sql.gz'] = /gzip: unexpected end of file/;
    // A whole gzip stream of SQL that stops before mysqldump's last line (mysqldump was killed).
    const sql = gunzipSync(gz).toString();
    writeFileSync(join(dir, '1700000200.sql.gz'), gzipSync(sql.slice(0, sql.lastIndexOf('-- Dump completed'))));
    broken['1700000200.sql.gz'] = /does not end with "-- Dump completed"/;

    const pgDump = await recordlessDump('crm', 'postgres', 'laravel');
    whole.pg = pgDump.slice(pgDump.lastIndexOf('/') + 1);
    const tar = readFileSync(pgDump);
    wholeSha.pg = sha256(tar);
    const pgDir = join(ws.backupsDir, 'crm');
    writeFileSync(join(pgDir, '1700000100.tar'), tar.subarray(0, Math.floor(tar.length / 1024) * 512));
    broken['1700000100.tar'] = /tar end-of-archive blocks/;
    // A whole tar archive that pg_dump did not write.
    writeFileSync(join(ws.tmpDir, 'notes.txt'), 'not a database\n');
    await exec('tar', ['-cf', join(pgDir, '1700000200.tar'), '-C', ws.tmpDir, 'notes.txt']);
    rmSync(join(ws.tmpDir, 'notes.txt'));
    broken['1700000200.tar'] = /pg_restore/;

    // Keep one: every older dump is up for deletion, and only what is proven in S3 may go.
    const env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket, BACKOPPER_KEEP_LOCAL: '1' };
    mysqlRun = await runAgent(backupArgs('blog', 'mysql', 'wordpress'), env);
    pgRun = await runAgent(backupArgs('crm', 'postgres', 'laravel'), env);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([s3?.stop(), ws?.remove(), db?.drop(), cluster?.stop()]);
  });

  it.each([
    ['blog', 'mysql', '.sql.gz'],
    ['crm', 'pg', '.tar'],
  ] as const)(
    '%s: refuses each broken dump loudly (step failed, file and reason named) and uploads none of them',
    async (app, engine, suffix) => {
      const run = engine === 'mysql' ? mysqlRun : pgRun;
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.report.steps.catchUp.status).toBe('failed');
      const names = Object.keys(broken).filter((name) => name.endsWith(suffix));
      for (const name of names) {
        expect(run.report.steps.catchUp.error).toContain(
          `${name}: ${join(ws.backupsDir, app, name)} is not a whole dump`,
        );
        const line = (run.report.steps.catchUp.error as string).split('; ').find((part) => part.startsWith(name));
        expect(line).toMatch(broken[name]!);
      }
      const keys = await s3.listKeys(`${app}/live/`);
      for (const name of names) expect(keys.filter((key) => key.includes(`backup_${name}`))).toEqual([]);
      // They stay on the server for someone to look at; nothing marks them as in S3.
      expect(run.report.steps.retention.keptPending).toEqual(expect.arrayContaining(names));
      expect(ws.backupFiles(app)).toEqual(expect.arrayContaining(names));
    },
  );

  it.each([
    ['blog', 'mysql'],
    ['crm', 'pg'],
  ] as const)(
    '%s: uploads the whole record-less dump, checked, as a yearly backup with its checksum',
    async (app, engine) => {
      const run = engine === 'mysql' ? mysqlRun : pgRun;
      const key = `${app}/live/backup_${whole[engine]}`;
      expect(run.report.steps.catchUp.caughtUp).toEqual([key]);
      expect(sha256(await s3.getObject(key))).toBe(wholeSha[engine]);
      expect((await s3.getObject(`${key}.sha256`)).toString()).toBe(`${wholeSha[engine]}  backup_${whole[engine]}\n`);
      expect(s3.front.tags(key)).toEqual({ [TIER_TAG]: 'yearly' });
      // In S3 on record now, so local retention deleted it.
      expect(run.report.steps.retention.deleted).toContain(whole[engine]);
    },
  );
});

/** S3 stored the dump, then the write of its `.sha256` failed (every attempt). */
describe('a dump S3 holds without its .sha256', () => {
  let s3: StrictS3;
  let ws: Workspace;
  let db: MysqlDatabase;
  let env: Record<string, string>;
  const runs: Record<string, AgentRun[]> = {};

  /** Two runs of `app`: the first loses its .sha256 write; `between` runs before the second. */
  async function twoRuns(app: string, between: (first: AgentRun) => void = () => undefined) {
    writeWordpressApp(ws.appsDir, app, db);
    s3.front.failWrites({ key: new RegExp(`^${app}/live/backup_\\d+\\.sql\\.gz\\.sha256$`) });
    const first = await runAgent(backupArgs(app, 'mysql', 'wordpress'), env);
    between(first);
    runs[app] = [first, await runAgent(backupArgs(app, 'mysql', 'wordpress'), env)];
  }

  beforeAll(async () => {
    [s3, ws, db] = await Promise.all([startStrictS3(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 20);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket, AWS_MAX_ATTEMPTS: '1', BACKOPPER_KEEP_LOCAL: '1' };
    await twoRuns('kept');
    // The record of the first dump is lost too: only a re-hash of the stored object can prove it is this dump.
    await twoRuns('lost', (first) => rmSync(`${first.report.steps.database.path as string}.json`));
  }, 240_000);
  afterAll(async () => {
    await Promise.all([s3?.stop(), ws?.remove(), db?.drop()]);
  });

  it('the run whose .sha256 write failed exits 1 and says which object is missing', () => {
    for (const [first] of Object.values(runs)) {
      expect(first!.exitCode).toBe(1);
      expect(first!.report.steps.upload.error).toMatch(/storing s3:\/\/.*\.sql\.gz\.sha256 failed: .*internal error/);
    }
    expect(s3.front.faults()).toHaveLength(2);
  });

  it.each(['kept', 'lost'])(
    '%s record: the next run writes the missing .sha256, counts the dump as uploaded, and exits 0',
    async (app) => {
      const [first, second] = runs[app]!;
      expect(second!.exitCode, second!.stdout).toBe(0);
      const key = first!.report.steps.upload.key as string;
      expect(second!.report.steps.catchUp).toMatchObject({
        status: 'succeeded',
        caughtUp: [],
        found: [key],
        repaired: [`${key}.sha256`],
      });
      const sha = first!.report.steps.database.sha256 as string;
      expect((await s3.getObject(`${key}.sha256`)).toString()).toBe(`${sha}  ${key.slice(key.lastIndexOf('/') + 1)}\n`);
      // One run's pair: the .sha256 names the run that stored the dump, and lives as long as it.
      expect((await s3.headObject(`${key}.sha256`)).metadata['run-id']).toBe(first!.report.runId);
      expect(s3.front.tags(`${key}.sha256`)).toEqual(s3.front.tags(key));
      // Now in S3 on record, so local retention may delete it.
      expect(second!.report.steps.retention.deleted).toEqual([key.slice(key.lastIndexOf('_') + 1)]);
    },
  );
});

/** Red team: what could make the repair or the retries take another dump for this one. */
describe('the repair and the retries cannot be fooled', () => {
  let s3: StrictS3;
  let ws: Workspace;
  let db: MysqlDatabase;
  let impostor: AgentRun;
  let lostAnswers: AgentRun;
  const pending = '1700000300.sql.gz';
  const dump = gzipSync('INSERT INTO t VALUES (1);\n-- Dump completed on 2023-11-14 22:18:20\n');

  beforeAll(async () => {
    [s3, ws, db] = await Promise.all([startStrictS3(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 10);
    writeWordpressApp(ws.appsDir, 'impostor', db);
    writeWordpressApp(ws.appsDir, 'answers', db);
    // A record-less whole dump; S3 holds other bytes of the same size at its key, and no .sha256.
    mkdirSync(join(ws.backupsDir, 'impostor'), { recursive: true });
    writeFileSync(join(ws.backupsDir, 'impostor', pending), dump);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `impostor/live/backup_${pending}`,
        Body: Buffer.alloc(dump.length, 7),
      }),
    );
    const env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket, BACKOPPER_KEEP_LOCAL: '1' };
    impostor = await runAgent(backupArgs('impostor', 'mysql', 'wordpress'), env);
    // S3 stores the dump and its .sha256, and the answers are lost: the SDK retries, S3 answers 412.
    s3.front.failWrites({ key: /^answers\/live\/backup_\d+\.sql\.gz$/, afterStoring: true });
    s3.front.failWrites({ key: /^answers\/live\/backup_\d+\.sql\.gz\.sha256$/, afterStoring: true });
    lostAnswers = await runAgent(backupArgs('answers', 'mysql', 'wordpress'), env);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([s3?.stop(), ws?.remove(), db?.drop()]);
  });

  it('an object of the same size with other bytes is another dump: no .sha256 is written, the local dump stays', async () => {
    expect(impostor.exitCode).toBe(1);
    expect(impostor.report.steps.catchUp.error).toMatch(
      new RegExp(`${pending}: s3://.*/impostor/live/backup_${pending} already holds another dump \\(its bytes hash to`),
    );
    expect(await s3.listKeys(`impostor/live/backup_${pending}`)).toEqual([`impostor/live/backup_${pending}`]);
    expect(ws.backupFiles('impostor')).toContain(pending);
    expect(impostor.report.steps.retention.keptPending).toEqual([pending]);
  });

  it("a write S3 stored whose answer was lost is found on retry to be this run's own: exit 0, one pair", async () => {
    expect(lostAnswers.exitCode, lostAnswers.stdout).toBe(0);
    expect(s3.front.faults().filter((fault) => fault.includes('answers/'))).toHaveLength(2);
    const { key, checksumKey, sha256: sha } = lostAnswers.report.steps.upload;
    expect(sha256(await s3.getObject(key))).toBe(sha);
    expect((await s3.headObject(key)).metadata['run-id']).toBe(lostAnswers.report.runId);
    expect((await s3.headObject(checksumKey)).metadata['run-id']).toBe(lostAnswers.report.runId);
  });
});
