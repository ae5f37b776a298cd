import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIER_TAG } from '../../common/run-record';
import { type AgentRun, backupArgs, exitWithin, startAgent } from '../services/agent';
import { frozenClockEnv } from '../services/clock';
import { exec, waitFor } from '../services/exec';
import { addRandomRows, createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import type { LocalS3 } from '../services/s3';
import { type ConditionalS3, type StrictS3, startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { startTcpProxy, type TcpProxy } from '../services/tcp-proxy';
import { createWorkspace, type Workspace } from '../services/workspace';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Two servers that hold the same app (each its own backups folder, one database behind both), one bucket. */
describe('two servers back up the same app in the same second', () => {
  let s3: StrictS3;
  let front: ConditionalS3;
  let db: MysqlDatabase;
  const servers: Workspace[] = [];
  const app = 'shop';

  beforeAll(async () => {
    [s3, db] = await Promise.all([startStrictS3(), createMysqlDatabase()]);
    front = s3.front;
    await seedWordpressSchema(db, 50);
    for (let i = 0; i < 2; i += 1) {
      const ws = await createWorkspace();
      writeWordpressApp(ws.appsDir, app, db);
      servers.push(ws);
    }
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), db?.drop(), ...servers.map((ws) => ws.remove())]);
  });

  /** Starts both agents with clocks that read the same second, and waits for both. */
  async function race(extraEnv: Record<string, string> = {}): Promise<AgentRun[]> {
    const second = Math.floor(Date.now() / 1000) + 1;
    const clock = frozenClockEnv(second * 1000, 3000);
    const agents = servers.map((ws) =>
      startAgent(backupArgs(app, 'mysql', 'wordpress'), {
        ...ws.env,
        ...front.env,
        ...clock,
        ...extraEnv,
        BACKOPPER_BUCKET: s3.bucket,
      }),
    );
    return Promise.all(agents.map((agent) => agent.finished));
  }

  /** A run that exits 0 owns its dump and its `.sha256`: both hold what its report says, nobody else's. */
  async function expectOwnsItsObjects(run: AgentRun) {
    const upload = run.report.steps.upload;
    const local = readFileSync(run.report.steps.database.path);
    expect(sha256(local)).toBe(upload.sha256);
    const stored = await s3.getObject(upload.key);
    expect(sha256(stored)).toBe(upload.sha256);
    expect((await s3.headObject(upload.key)).metadata['run-id']).toBe(run.report.runId);
    const fileName = upload.key.slice(upload.key.lastIndexOf('/') + 1);
    expect((await s3.getObject(upload.checksumKey)).toString()).toBe(`${upload.sha256}  ${fileName}\n`);
    expect((await s3.headObject(upload.checksumKey)).metadata['run-id']).toBe(run.report.runId);
    // The run's files carry the run's one timestamp.
    expect(upload.key).toBe(`${app}/live/backup_${run.report.timestamp}.sql.gz`);
    expect(run.report.steps.database.path.endsWith(`/${run.report.timestamp}.sql.gz`)).toBe(true);
  }

  function expectNothingLeftOver(ws: Workspace) {
    expect(
      readdirSync(join(ws.backupsDir, app)).filter((name) => name.endsWith('.partial') || name === '.backopper.lock'),
    ).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  }

  it.each([
    ['small dumps (one conditional PutObject each)', 0, 'PutObject'],
    ['dumps of several parts (conditional CompleteMultipartUpload)', 9, 'CompleteMultipartUpload'],
  ])(
    "%s: neither run can replace the other one's dump or .sha256; the loser takes the next free second",
    async (_name, randomMiB, call) => {
      if (randomMiB) await addRandomRows(db, randomMiB, 1024 * 1024);
      const refusedBefore = front.refused().length;
      const runs = await race();
      for (const run of runs) {
        expect(run.exitCode, run.stdout).toBe(0);
        await expectOwnsItsObjects(run);
      }
      const [first, second] = runs;
      expect(first.report.steps.upload.key).not.toBe(second.report.steps.upload.key);
      // The race happened: one run's conditional write of the dump was refused, and it says so.
      const [firstKey, secondKey] = runs.map((run) => run.report.timestamp as number).sort((a, b) => a - b);
      expect(
        front
          .refused()
          .slice(refusedBefore)
          .map((write) => write.slice(4)),
      ).toContain(`${call} ${app}/live/backup_${firstKey}.sql.gz`);
      expect(secondKey).toBeGreaterThan(firstKey);
      const loser = runs.find((run) => run.report.steps.upload.warning)!;
      expect(loser.report.steps.upload.warning).toMatch(
        /was stored by another run .*; stored as backup_\d+\.sql\.gz instead/,
      );
      for (const ws of servers) expectNothingLeftOver(ws);
      expect(existsSync(loser.report.steps.database.path)).toBe(true);
      // The run that moved keeps its tier: its dump and .sha256 at the new key are tagged as the run is.
      for (const run of runs) {
        const upload = run.report.steps.upload;
        expect(front.tags(upload.key)).toEqual({ [TIER_TAG]: run.report.tier });
        expect(front.tags(upload.checksumKey)).toEqual({ [TIER_TAG]: run.report.tier });
      }
    },
  );
});

describe('S3 accepts connections and then goes silent', () => {
  let s3: LocalS3;
  let proxy: TcpProxy;
  let ws: Workspace;
  let db: MysqlDatabase;
  let big: MysqlDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    [s3, ws, db, big] = await Promise.all([
      startStrictS3(),
      createWorkspace(),
      createMysqlDatabase(),
      createMysqlDatabase(),
    ]);
    proxy = await startTcpProxy(Number(new URL(s3.endpoint).port));
    await Promise.all([seedWordpressSchema(db, 50), seedWordpressSchema(big, 50)]);
    // Incompressible: the dump (about 35 MB) outgrows what the streamed upload buffers (about 25 MB),
    // so a silent S3 pushes back on the dump itself.
    await addRandomRows(big, 32, 1024 * 1024);
    writeWordpressApp(ws.appsDir, 'small', db);
    writeWordpressApp(ws.appsDir, 'big', big);
    env = { ...ws.env, ...s3.env, AWS_ENDPOINT_URL_S3: proxy.url, BACKOPPER_BUCKET: s3.bucket };
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([s3?.stop(), ws?.remove(), db?.drop(), big?.drop()]);
  });

  function expectCleanAfter(app: string) {
    expect(
      readdirSync(join(ws.backupsDir, app)).filter((name) => name.endsWith('.partial') || name === '.backopper.lock'),
    ).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  }

  async function expectIntactDump(path: string, sha: string) {
    expect(sha256(readFileSync(path))).toBe(sha);
    await exec('gzip', ['-t', path]);
    const tail = await exec('sh', ['-c', 'zcat "$1" | tail -c 200', 'sh', path]);
    expect(tail).toContain('-- Dump completed');
  }

  it('mid-upload: the dump completes locally and intact, the upload fails naming the key and the timeouts, exit 1', async () => {
    proxy.setMode('blackhole', 1024 * 1024);
    try {
      const run = await exitWithin(
        // The stall is noticed first (1 s without taking data), long before S3's idle timeout (4 s).
        startAgent(backupArgs('big', 'mysql', 'wordpress'), {
          ...env,
          BACKOPPER_S3_TIMEOUT: '4',
          BACKOPPER_UPLOAD_STALL_TIMEOUT: '1',
          AWS_MAX_ATTEMPTS: '2',
        }),
        90,
      );
      expect(run.exitCode).toBe(1);
      expect(run.report.status).toBe('failed');
      const { database, upload } = run.report.steps;
      expect(database.status).toBe('succeeded');
      expect(database.bytes).toBeGreaterThan(30 * 1024 * 1024);
      await expectIntactDump(database.path, database.sha256);
      expect(upload.status).toBe('failed');
      const key = `big/live/backup_${run.report.timestamp}.sql.gz`;
      expect(upload.error).toContain(`to s3://${s3.bucket}/${key} failed`);
      expect(upload.error).toMatch(/failed: the request socket timed out after 4000 ms of inactivity \(2 attempts\)/);
      expect(upload.error).toMatch(
        /before that, the streamed upload was dropped: it took no data for 1 s \(BACKOPPER_UPLOAD_STALL_TIMEOUT\)$/,
      );
      expect(proxy.stats().cutOff).toBeGreaterThan(0);
      expect(await s3.listKeys('big/')).toEqual([]);
      expectCleanAfter('big');
    } finally {
      proxy.setMode('pass');
    }
  }, 120_000);

  it('SIGTERM while the dump is held back by a silent upload ends the run within seconds, with a report', async () => {
    proxy.setMode('blackhole', 1024 * 1024);
    try {
      const agent = startAgent(backupArgs('big', 'mysql', 'wordpress'), {
        ...env,
        BACKOPPER_S3_TIMEOUT: '600',
        BACKOPPER_UPLOAD_STALL_TIMEOUT: '600',
      });
      const dir = join(ws.backupsDir, 'big');
      const partialSize = () =>
        readdirSync(dir)
          .filter((name) => name.endsWith('.partial'))
          .map((name) => statSync(join(dir, name)).size)[0];
      const cutBefore = proxy.stats().cutOff;
      await waitFor('the upload to go silent', async () => proxy.stats().cutOff > cutBefore, 60_000);
      // The dump has stopped growing: it waits on the upload.
      let last = -1;
      await waitFor(
        'the dump to stall',
        async () => {
          const size = partialSize();
          const stalled = size !== undefined && size === last;
          last = size ?? -1;
          await new Promise((resolve) => setTimeout(resolve, 500));
          return stalled;
        },
        60_000,
      );
      agent.child.kill('SIGTERM');
      const run = await exitWithin(agent, 20);
      expect(run.exitCode).toBe(1);
      expect(run.report.status).toBe('failed');
      expect(run.report.error).toBe('interrupted: received SIGTERM');
      expect(run.report.steps.database.status).toBe('failed');
      expect(ws.backupFiles('big').filter((name) => name.includes(String(run.report.timestamp)))).toEqual([]);
      expect(await s3.listKeys('big/')).toEqual([]);
      expectCleanAfter('big');
    } finally {
      proxy.setMode('pass');
    }
  }, 120_000);

  it('SIGTERM while a finished dump waits on a silent S3 ends the run within seconds; the verified local dump stays', async () => {
    proxy.setMode('blackhole', 0);
    try {
      const cutBefore = proxy.stats().cutOff;
      const agent = startAgent(backupArgs('small', 'mysql', 'wordpress'), { ...env, BACKOPPER_S3_TIMEOUT: '600' });
      const dumped = () => ws.backupFiles('small').some((name) => /^\d+\.sql\.gz$/.test(name));
      await waitFor(
        'the finished dump to wait on S3',
        async () => dumped() && proxy.stats().cutOff > cutBefore,
        60_000,
      );
      agent.child.kill('SIGTERM');
      const run = await exitWithin(agent, 20);
      expect(run.exitCode).toBe(1);
      expect(run.report.error).toBe('interrupted: received SIGTERM');
      const { database, upload } = run.report.steps;
      expect(database.status, run.stdout).toBe('succeeded');
      await expectIntactDump(database.path, database.sha256);
      expect(upload).toMatchObject({
        status: 'failed',
        error: 'received SIGTERM',
        key: `small/live/backup_${run.report.timestamp}.sql.gz`,
      });
      expect(await s3.listKeys('small/')).toEqual([]);
      expectCleanAfter('small');
    } finally {
      proxy.setMode('pass');
    }
  }, 120_000);

  it('after the silence, the same settings back up normally', async () => {
    const run = await exitWithin(
      startAgent(backupArgs('small', 'mysql', 'wordpress'), { ...env, BACKOPPER_S3_TIMEOUT: '2' }),
      60,
    );
    expect(run.exitCode, run.stdout).toBe(0);
    // The dumps the silent runs kept locally are caught up too, and every run that reached S3 is on record.
    const { upload, catchUp } = run.report.steps;
    const dumps = [
      upload.key,
      upload.checksumKey,
      ...catchUp.caughtUp.flatMap((key: string) => [key, `${key}.sha256`]),
    ].sort();
    const keys = await s3.listKeys('small/');
    expect(keys.filter((key) => !key.includes('/runs/'))).toEqual(dumps);
    expect(keys).toContain(run.report.runRecord.key);
  });
});
