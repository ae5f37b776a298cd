import { statSync, truncateSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_DOCUMENT_NAME } from '../../common/names';
import { commandReport } from '../../common/run-report';
import { describeFailure } from '../../lambda/describe-failure/failure';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { type LocalS3, startS3 } from '../services/s3';
import { type ConditionalS3, startConditionalS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';
import { type DocumentContent, localStackDocument, runDocument } from './document-runner';
import { AGENT_FILE } from './synth';

/** Every JSON report line of a document run's output, in order. */
const reportsOf = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

describe('the synthesized Backopper-Verify document drills the media, then the database (real agent, MariaDB, S3 front, sshd)', () => {
  let ws: Workspace;
  let s3: LocalS3;
  let front: ConditionalS3;
  let sshd: LocalSshd;
  let db: MysqlDatabase;
  let content: DocumentContent;
  let env: Record<string, string | undefined>;
  let backup: AgentRun;

  beforeAll(async () => {
    [ws, s3, sshd, db] = await Promise.all([createWorkspace(), startS3(), startSshd(), createMysqlDatabase()]);
    // The servers' role may list its environment's prefix (the drill finds the newest dump and its records).
    front = await startConditionalS3(s3, { listBucket: true });
    await seedWordpressSchema(db, 200);
    writeWordpressApp(ws.appsDir, 'wp', db);
    backup = await runAgent(backupArgs('wp', 'mysql', 'wordpress'), {
      ...ws.env,
      ...front.env,
      ...sshd.env,
      BACKOPPER_BUCKET: s3.bucket,
    });
    if (backup.exitCode !== 0) throw new Error(backup.stdout);
    content = localStackDocument({
      ws,
      bucket: s3.bucket,
      sshd,
      media: { identityFile: sshd.identityFile },
      document: VERIFY_DOCUMENT_NAME,
    });
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      TMPDIR: ws.env.TMPDIR,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...front.env,
    };
  }, 180_000);
  afterAll(async () => {
    await Promise.all([ws?.remove(), front?.stop(), sshd?.stop(), db?.drop()]);
    await s3?.stop();
  });

  const verify = () =>
    runDocument({ content, parameters: { app: 'wp', environment: 'live' }, agentBundle: AGENT_FILE, env });

  it('passes both drills and exits 0; the database drill is the last report line', async () => {
    const run = await verify();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const reports = reportsOf(run.stdout);
    expect(reports.map((report) => [report.kind, report.status])).toEqual([
      ['media', 'passed'],
      ['database', 'passed'],
    ]);
    expect(reports[0].backup.key).toBe(backup.report.steps.transfer.path);
    expect(reports[1].backup.key).toBe(backup.report.steps.upload.key);
    expect(await s3.listKeys('wp/live/drills/')).toHaveLength(2);
  });

  it('fails the command on a truncated media archive although the database drill passes, and the alert quotes the media drill', async () => {
    const remote = backup.report.steps.transfer.path.split(':').slice(1).join(':');
    truncateSync(remote, statSync(remote).size - 200);
    const run = await verify();
    expect(run.exitCode).toBe(1);
    const reports = reportsOf(run.stdout);
    expect(reports.map((report) => [report.kind, report.status])).toEqual([
      ['media', 'failed'],
      ['database', 'passed'],
    ]);
    expect(commandReport(run.stdout)).toMatchObject({ kind: 'media', status: 'failed' });
    const alert = describeFailure(
      {
        region: 'eu-west-1',
        detail: {
          'command-id': 'c-1',
          'document-name': VERIFY_DOCUMENT_NAME,
          'instance-id': 'i-1',
          status: 'Failed',
        },
      } as never,
      { stdout: run.stdout, stderr: run.stderr, parameters: { app: ['wp'], environment: ['live'] } },
    );
    expect(alert.task).toBe('restore check');
    expect(alert.reason).toBe(reports[0].error.replace(/\s+/g, ' ').trim());
  });

  it('skips the media drill of an app whose runs recorded no media (exit 0, the database drill still proves it)', async () => {
    writeWordpressApp(ws.appsDir, 'plain', db);
    const plain = await runAgent(backupArgs('plain', 'mysql', 'wordpress'), {
      ...ws.env,
      ...front.env,
      BACKOPPER_BUCKET: s3.bucket,
    });
    expect(plain.exitCode, plain.stdout).toBe(0);
    expect(plain.report.steps.transfer.status).toBe('skipped');
    const run = await runDocument({
      content,
      parameters: { app: 'plain', environment: 'live' },
      agentBundle: AGENT_FILE,
      env,
    });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(reportsOf(run.stdout).map((report) => [report.kind, report.status, report.reason])).toEqual([
      ['media', 'skipped', 'no run of plain in live recorded its media on the media server'],
      ['database', 'passed', undefined],
    ]);
  });
});
