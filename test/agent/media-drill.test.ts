import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, FAULT_BIN, runAgent } from '../services/agent';
import { exec } from '../services/exec';
import { startSnapshotServer } from '../services/media-gate';
import { type LocalS3, startS3 } from '../services/s3';
import { type ConditionalS3, startConditionalS3 } from '../services/s3-conditional';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

const drillArgs = (app: string) => ['drill', '--app', app, '--environment', 'live', '--media'];
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('the media drill checks the archive or snapshot against what the run recorded', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let front: ConditionalS3;
  let plain: LocalSshd;
  let gate: LocalSshd;
  let archived: AgentRun;
  let snapshotted: AgentRun;
  const media = (app: string) => join(ws.appsDir, app, 'files');
  const envFor = (server: LocalSshd) => ({
    ...ws.env,
    ...front.env,
    ...server.env,
    BACKOPPER_BUCKET: s3.bucket,
    BACKOPPER_MEDIA_DIR: 'files',
  });
  const rewriteRecord = async (runReport: AgentRun, change: (record: Record<string, any>) => void) => {
    const key = runReport.report.runRecord.key as string;
    const record = JSON.parse((await s3.getObject(key)).toString());
    change(record);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: JSON.stringify(record) }));
  };

  beforeAll(async () => {
    [ws, s3, plain, gate] = await Promise.all([createWorkspace(), startS3(), startSshd(), startSnapshotServer()]);
    front = await startConditionalS3(s3, { listBucket: true });
    for (const app of ['gallery', 'album']) {
      mkdirSync(join(media(app), '2026', '12'), { recursive: true });
      for (let i = 0; i < 7; i++) writeFileSync(join(media(app), '2026', '12', `photo-${i}.jpg`), 'x'.repeat(1000 + i));
      writeFileSync(join(media(app), 'top.txt'), 'top\n');
    }
    archived = await runAgent(backupArgs('gallery', 'none', 'static'), envFor(plain));
    snapshotted = await runAgent(backupArgs('album', 'none', 'static'), envFor(gate));
    if (archived.exitCode !== 0) throw new Error(archived.stdout);
    if (snapshotted.exitCode !== 0) throw new Error(snapshotted.stdout);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), front?.stop(), plain?.stop(), gate?.stop()]);
    await s3?.stop();
  });

  it("records the archive's entries and file bytes, counted while tar wrote it", () => {
    // 8 files, and the folders files/, files/2026/, files/2026/12/.
    const bytes = 7 * 1000 + 21 + 4;
    expect(archived.report.steps.media).toMatchObject({ entries: 11, fileBytes: bytes });
  });

  it('fails the media step, copying nothing, when tar exits 0 but its archive stops half-way', async () => {
    const run = await runAgent(backupArgs('gallery', 'none', 'static'), {
      ...envFor(plain),
      PATH: `${FAULT_BIN}:${process.env.PATH}`,
      FAKE_TAR_MODE: 'truncated',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.media.status).toBe('failed');
    expect(run.report.steps.media.error).toMatch(/ends before its end-of-archive blocks|a tar header with a bad size/);
    expect(run.report.steps.transfer.status).toBe('skipped');
    expect(readdirSync(join(plain.remoteRoot, 'gallery', 'live'))).toHaveLength(1);
  });

  it('passes an archive that holds what the media step counted, and says so', async () => {
    const drill = await runAgent(drillArgs('gallery'), envFor(plain));
    expect(drill.exitCode).toBe(0);
    expect(drill.report).toMatchObject({ status: 'passed', entries: 11, files: 8 });
    expect(drill.report.reason).toMatch(/11 entries, 7025 bytes of files, as the media step recorded/);
  });

  it('fails (exit 1, failed record) an archive replaced consistently (sha256 and size) but holding fewer files', async () => {
    const remote = archived.report.steps.transfer.path.split(':').slice(1).join(':') as string;
    const original = readFileSync(remote);
    try {
      rmSync(join(media('gallery'), 'top.txt'));
      // A valid archive of the folder without top.txt, under the same name, its sha256 and size recorded.
      rmSync(remote);
      await exec('tar', ['-czf', remote, '-C', ws.appsDir + '/gallery', 'files']);
      await rewriteRecord(archived, (record) => {
        record.steps.transfer.sha256 = sha256(remote);
        record.steps.transfer.bytes = statSync(remote).size;
      });
      const drill = await runAgent(drillArgs('gallery'), envFor(plain));
      expect(drill.exitCode).toBe(1);
      expect(drill.report.status).toBe('failed');
      expect(drill.report.differences).toEqual([
        'the archive has 10 entries, the media step recorded 11',
        "the archive's files hold 7021 bytes, the media step recorded 7025",
      ]);
      const record = JSON.parse((await s3.getObject(drill.report.drillRecord.key)).toString());
      expect(record.status).toBe('failed');
    } finally {
      writeFileSync(remote, original);
      writeFileSync(join(media('gallery'), 'top.txt'), 'top\n');
      await rewriteRecord(archived, (record) => {
        record.steps.transfer.sha256 = archived.report.steps.transfer.sha256;
        record.steps.transfer.bytes = archived.report.steps.transfer.bytes;
      });
    }
  });

  it('checks sha256 and readability only for a run from before the counts, and says "counts not recorded"', async () => {
    await rewriteRecord(archived, (record) => {
      delete record.steps.media.entries;
      delete record.steps.media.fileBytes;
    });
    const drill = await runAgent(drillArgs('gallery'), envFor(plain));
    expect(drill.exitCode).toBe(0);
    expect(drill.report.status).toBe('passed');
    expect(drill.report.reason).toMatch(/counts not recorded .*sha256 and readability checked only/);
  });

  it('passes a snapshot whose listing matches its manifest, and fails one that lost a file since', async () => {
    const good = await runAgent(drillArgs('album'), envFor(gate));
    expect(good.exitCode).toBe(0);
    expect(good.report).toMatchObject({ status: 'passed', files: 8, fileBytes: 7025 });
    expect(good.report.reason).toMatch(/listed: 8 files, 7025 bytes, as its manifest says/);
    const snapshot = snapshotted.report.steps.transfer.path.split(':').pop() as string;
    rmSync(join(snapshot, '2026', '12', 'photo-3.jpg'));
    const bad = await runAgent(drillArgs('album'), envFor(gate));
    expect(bad.exitCode).toBe(1);
    expect(bad.report.differences).toEqual([
      `${snapshotted.report.steps.transfer.path} holds 7 files, its manifest says 8`,
      `${snapshotted.report.steps.transfer.path} holds 6022 bytes, its manifest says 7025`,
    ]);
    expect(readdirSync(snapshot).sort()).toEqual(['2026', 'top.txt']);
  });

  it("refuses a run record that names a snapshot outside the app's own folder (another app's), listing nothing", async () => {
    const other = (snapshotted.report.steps.transfer.path as string).replace('/album@live/', '/gallery@live/');
    await rewriteRecord(snapshotted, (record) => {
      record.steps.transfer.path = other;
    });
    try {
      const drill = await runAgent(drillArgs('album'), envFor(gate));
      expect(drill.exitCode).toBe(1);
      expect(drill.report.error).toBe(
        `${other} (run ${snapshotted.report.timestamp}) is not a snapshot in this app's folder ${join(gate.remoteRoot, 'snapshots', 'album@live')}`,
      );
      expect(drill.report.files).toBeUndefined();
    } finally {
      await rewriteRecord(snapshotted, (record) => {
        record.steps.transfer.path = snapshotted.report.steps.transfer.path;
      });
    }
  });
});
