/**
 * Red team (issue 22): a media drill proves this app's archive, never another's. A run record of
 * `gallery` rewritten to name `poster`'s archive (with its sha256, size and counts) must fail the
 * drill, not record a pass for gallery; the snapshot path already refuses this (media-drill.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { type LocalS3, startS3 } from '../services/s3';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

describe("the media drill of one app never proves another app's archive", () => {
  let ws: Workspace;
  let s3: LocalS3;
  let sshd: LocalSshd;
  let gallery: AgentRun;
  let poster: AgentRun;
  const env = () => ({ ...ws.env, ...s3.env, ...sshd.env, BACKOPPER_BUCKET: s3.bucket, BACKOPPER_MEDIA_DIR: 'files' });

  beforeAll(async () => {
    [ws, s3, sshd] = await Promise.all([createWorkspace(), startS3(), startSshd()]);
    for (const app of ['gallery', 'poster']) {
      mkdirSync(join(ws.appsDir, app, 'files'), { recursive: true });
      writeFileSync(join(ws.appsDir, app, 'files', 'a.jpg'), `${app}\n`.repeat(100));
    }
    gallery = await runAgent(backupArgs('gallery', 'none', 'static'), env());
    poster = await runAgent(backupArgs('poster', 'none', 'static'), env());
    if (gallery.exitCode !== 0 || poster.exitCode !== 0) throw new Error(`${gallery.stdout}\n${poster.stdout}`);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), sshd?.stop()]);
    await s3?.stop();
  });

  it("fails (exit 1) when gallery's run record names poster's archive, with poster's sha256, size and counts", async () => {
    const key = gallery.report.runRecord.key as string;
    const record = JSON.parse((await s3.getObject(key)).toString());
    record.steps.transfer = { ...poster.report.steps.transfer };
    record.steps.media = { ...record.steps.media, ...poster.report.steps.media };
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: JSON.stringify(record) }));
    const drill = await runAgent(['drill', '--app', 'gallery', '--environment', 'live', '--media'], env());
    expect(drill.report.status).toBe('failed');
    expect(drill.exitCode).toBe(1);
    expect(drill.report.error).toMatch(/is not an archive of gallery \(live\)/);
  });

  it('fails when the run record names a file that is no archive of this app (an earlier-style name outside its folder, any file)', async () => {
    const key = gallery.report.runRecord.key as string;
    const original = JSON.parse((await s3.getObject(key)).toString());
    for (const path of [
      '127.0.0.1:/etc/hostname',
      `127.0.0.1:${join(ws.root, 'elsewhere', 'media_1765000000.tar.gz')}`,
    ]) {
      const record = structuredClone(original);
      record.steps.transfer.path = path;
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: JSON.stringify(record) }));
      const drill = await runAgent(['drill', '--app', 'gallery', '--environment', 'live', '--media'], env());
      expect(drill.exitCode).toBe(1);
      expect(drill.report.error).toBe(
        `${path} (run ${gallery.report.timestamp}) is not an archive of gallery (live) in its media folder ${join(sshd.remoteRoot, 'gallery', 'live')}`,
      );
    }
  });
});
