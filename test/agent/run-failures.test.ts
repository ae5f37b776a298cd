import { createServer, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent, startAgent } from '../services/agent';
import { openSession, waitFor } from '../services/exec';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase, seedWordpressSchema } from '../services/mariadb';
import { freePort } from '../services/ports';
import type { LocalS3 } from '../services/s3';
import { startStrictS3 } from '../services/s3-conditional';
import { writeWordpressApp } from '../services/sample-app';
import { type LocalSshd, startSshd } from '../services/sshd';
import { createWorkspace, type Workspace } from '../services/workspace';

describe('bad invocations and unreachable servers', () => {
  let s3: LocalS3;
  let sshd: LocalSshd;
  let ws: Workspace;
  let db: MysqlDatabase;
  const app = 'news';
  let env: Record<string, string>;

  beforeAll(async () => {
    [s3, sshd, ws, db] = await Promise.all([startStrictS3(), startSshd(), createWorkspace(), createMysqlDatabase()]);
    await seedWordpressSchema(db, 100);
    writeWordpressApp(ws.appsDir, app, db);
    env = { ...ws.env, ...s3.env, ...sshd.env, BACKOPPER_BUCKET: s3.bucket };
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), sshd?.stop(), ws?.remove(), db?.drop()]);
  });

  const remoteFiles = () =>
    existsSync(join(sshd.remoteRoot, app, 'live')) ? readdirSync(join(sshd.remoteRoot, app, 'live')) : [];

  it.each([
    [
      ['backup', '--app', '../etc', '--environment', 'live', '--engine', 'mysql', '--project-type', 'wordpress'],
      /app name "\.\.\/etc" is not a folder name/,
    ],
    [
      ['backup', '--app', '.hidden', '--environment', 'live', '--engine', 'mysql', '--project-type', 'wordpress'],
      /app name "\.hidden" is not a folder name/,
    ],
    [
      ['backup', '--app', 'a;rm -rf /', '--environment', 'live', '--engine', 'mysql', '--project-type', 'wordpress'],
      /app name "a;rm -rf \/" is not a folder name/,
    ],
    [
      ['backup', '--app', 'ok', '--environment', 'live', '--engine', 'oracle', '--project-type', 'wordpress'],
      /db engine "oracle" is not one of/,
    ],
    [
      ['backup', '--app', 'ok', '--environment', 'li ve', '--engine', 'mysql', '--project-type', 'wordpress'],
      /environment "li ve" is not valid/,
    ],
    [['backup', '--app', 'ok', '--environment', 'live', '--engine', 'mysql'], /--project-type is required/],
    [
      [
        'backup',
        '--app',
        'ok',
        '--environment',
        'live',
        '--engine',
        'mysql',
        '--project-type',
        'wp',
        '--keep-local',
        'five',
      ],
      /BACKOPPER_KEEP_LOCAL \(--keep-local\) "five" is not a whole number/,
    ],
    [
      ['backup', '--app', 'ok', '--environment', 'live', '--engine', 'mysql', '--project-type', 'wp', '--frobnicate'],
      /unknown flag --frobnicate/,
    ],
    [['restore'], /unknown command "restore"/],
  ])('exits 2 for %j, names the bad input, and touches nothing', async (args, message) => {
    const run = await runAgent(args, env);
    expect(run.exitCode).toBe(2);
    expect(run.report.status).toBe('invalid');
    expect(run.report.error).toMatch(message);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(ws.backupsDir)).toEqual([]);
    expect(await s3.listKeys()).toEqual([]);
  });

  it('exits 2 when a BACKOPPER_* variable is malformed, naming the variable', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_MEDIA_PORT: '70000' });
    expect(run.exitCode).toBe(2);
    expect(run.report.error).toBe('BACKOPPER_MEDIA_PORT (--media-port) "70000" is not a whole number from 1 to 65535');
    expect(readdirSync(ws.backupsDir)).toEqual([]);
  });

  it('--dry-run prints the plan with the password redacted and touches nothing', async () => {
    const run = await runAgent([...backupArgs(app, 'mysql', 'wordpress'), '--dry-run', '--json'], env);
    expect(run.exitCode).toBe(0);
    expect(run.report.status).toBe('dry-run');
    expect(run.report.plan.database.command).toMatch(
      /^mysqldump --defaults-extra-file=\/dev\/fd\/3 --single-transaction --quick/,
    );
    expect(run.report.plan.database.secretFile).toContain('password="***"');
    expect(run.stdout).not.toContain(db.password);
    expect(run.report.plan.upload.url).toMatch(new RegExp(`^s3://${s3.bucket}/${app}/live/backup_\\d+\\.sql\\.gz$`));
    expect(run.report.plan.transfer.batch.at(-1)).toMatch(
      /^rename -l ".*\/\.[^/]+\+live\+media_\d+_[0-9a-f]{8}\.tar\.gz\.part" ".*\/[^/]+\+live\+media_\d+_[0-9a-f]{8}\.tar\.gz"$/,
    );
    expect(readdirSync(ws.backupsDir)).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });

  it('S3 unreachable: keeps the verified local dump, fails the upload step, exits 1', async () => {
    const port = await freePort();
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...env,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '2',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database.status).toBe('succeeded');
    expect(run.report.steps.upload.status).toBe('failed');
    expect(run.report.steps.upload.error).toMatch(/ECONNREFUSED|connect/i);
    expect(run.stdout).toContain('retrying once from');
    expect(existsSync(run.report.steps.database.path)).toBe(true);
    expect(run.report.steps.transfer.status).toBe('succeeded');
    expect(ws.leftovers()).toEqual([]);
  });

  it('media host unreachable: the transfer fails loudly, the database backup stands, no tmp is left', async () => {
    const port = await freePort();
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), { ...env, BACKOPPER_MEDIA_PORT: String(port) });
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.report.steps, run.stdout + run.stderr).toBeDefined();
    expect(run.report.steps.upload.status).toBe('succeeded');
    expect(run.report.steps.media.status).toBe('succeeded');
    expect(run.report.steps.transfer).toMatchObject({ status: 'failed' });
    expect(run.report.steps.transfer.error).toMatch(/Connection refused/);
    expect(remoteFiles().filter((name) => name.includes(String(run.report.timestamp)))).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });

  it('unknown host key: refuses to copy (strict host key checking), no file on the server', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...env,
      BACKOPPER_MEDIA_KNOWN_HOSTS: sshd.wrongKnownHostsFile,
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.transfer.error).toMatch(/host key|Host key verification failed/i);
    expect(remoteFiles().filter((name) => name.includes(String(run.report.timestamp)))).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });

  it('missing media folder: the media step fails naming the paths it tried; the database backup stands', async () => {
    const uploads = join(ws.appsDir, app, 'public', 'wp-content', 'uploads');
    renameSync(uploads, `${uploads}.moved`);
    try {
      const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), env);
      expect(run.exitCode).toBe(1);
      expect(run.report.steps.database.status).toBe('succeeded');
      expect(run.report.steps.media.error).toBe(
        `no media folder: looked for ${uploads}, ${join(ws.appsDir, app, 'wp-content/uploads')}, ${join(ws.appsDir, app, 'web/app/uploads')}`,
      );
      expect(run.report.steps.transfer).toMatchObject({ status: 'skipped', reason: 'the media step failed' });
    } finally {
      renameSync(`${uploads}.moved`, uploads);
    }
  });

  it('a second run for the same app while one is running exits 1 with "already running" and touches nothing', async () => {
    const lock = openSession('mysql', ['-uroot', db.database], 'LOCK TABLES wp_posts WRITE;\n');
    try {
      const first = startAgent(backupArgs(app, 'mysql', 'wordpress'), env);
      await waitFor('the first dump to block', async () =>
        (
          await mysqlRoot(
            `SELECT ID FROM information_schema.PROCESSLIST WHERE USER='${db.user}' AND STATE LIKE 'Waiting for table metadata lock'`,
          )
        ).trim(),
      );
      const filesBefore = ws.backupFiles(app);
      const keysBefore = await s3.listKeys();
      const second = await runAgent(backupArgs(app, 'mysql', 'wordpress'), env);
      expect(second.exitCode).toBe(1);
      expect(second.report.error).toMatch(/a backup of news is already running \(pid \d+/);
      expect(second.report.steps).toEqual({});
      expect(ws.backupFiles(app)).toEqual(filesBefore);
      expect(await s3.listKeys()).toEqual(keysBefore);
      await lock.close();
      expect((await first.finished).exitCode).toBe(0);
    } finally {
      await lock.close();
    }
  });

  it('SIGTERM mid-dump: stops, removes the partial dump, the tmp files and the lock, and exits 1', async () => {
    const lock = openSession('mysql', ['-uroot', db.database], 'LOCK TABLES wp_posts WRITE;\n');
    try {
      const filesBefore = ws.backupFiles(app);
      const agent = startAgent(backupArgs(app, 'mysql', 'wordpress'), env);
      await waitFor('the dump to block', async () =>
        (
          await mysqlRoot(
            `SELECT ID FROM information_schema.PROCESSLIST WHERE USER='${db.user}' AND STATE LIKE 'Waiting for table metadata lock'`,
          )
        ).trim(),
      );
      agent.child.kill('SIGTERM');
      const run = await agent.finished;
      expect(run.exitCode).toBe(1);
      expect(run.report.status).toBe('failed');
      expect(run.report.error).toBe('interrupted: received SIGTERM');
      expect(run.report.steps.database.error).toMatch(/mysqldump was killed by SIGTERM/);
      expect(run.report.steps.media).toMatchObject({ status: 'skipped', reason: 'interrupted' });
      expect(ws.backupFiles(app)).toEqual(filesBefore);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      await lock.close();
    }
  });

  it('POSTs the run report to BACKOPPER_REPORT_URL with the secret header; a failing report URL is only a warning', async () => {
    const received: { headers: IncomingMessage['headers']; body: any }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body: JSON.parse(body) });
        response.writeHead(request.url === '/fail' ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const ok = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
        ...env,
        BACKOPPER_REPORT_URL: `http://127.0.0.1:${port}/backups/report`,
        BACKOPPER_REPORT_SECRET: 's3cret',
      });
      expect(ok.exitCode).toBe(0);
      expect(received).toHaveLength(1);
      expect(received[0].headers['x-secret-key']).toBe('s3cret');
      expect(received[0].body).toMatchObject({ name: app, executed: true, status: 'succeeded', environment: 'live' });
      const warned = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
        ...env,
        BACKOPPER_REPORT_URL: `http://127.0.0.1:${port}/fail`,
      });
      expect(warned.exitCode).toBe(0);
      expect(warned.report.warnings).toEqual([
        `report to http://127.0.0.1:${port}/fail answered 500 Internal Server Error`,
      ]);
    } finally {
      server.close();
    }
  });
});

describe('a transfer cut short', () => {
  it('SIGTERM mid-transfer leaves no file under the final name on the media server, and no tmp', async () => {
    const [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    try {
      const media = join(ws.appsDir, 'big', 'files');
      mkdirSync(media, { recursive: true });
      for (let i = 0; i < 8; i += 1) writeFileSync(join(media, `video-${i}.mp4`), randomBytes(16 * 1024 * 1024));
      const agent = startAgent(backupArgs('big', 'none', 'static-site'), {
        ...ws.env,
        ...sshd.env,
        BACKOPPER_MEDIA_DIR: 'files',
      });
      const remoteDir = join(sshd.remoteRoot, 'big', 'live');
      await waitFor(
        'the upload to start',
        async () => existsSync(remoteDir) && readdirSync(remoteDir).some((name) => name.endsWith('.part')),
        60_000,
      );
      agent.child.kill('SIGTERM');
      const run = await agent.finished;
      expect(run.exitCode).toBe(1);
      expect(run.report.steps.transfer.status).toBe('failed');
      expect(readdirSync(remoteDir)).toEqual([]);
      expect(ws.leftovers()).toEqual([]);
    } finally {
      await Promise.all([ws.remove(), sshd.stop()]);
    }
  });
});

describe('an app that is not on this server', () => {
  it('fails loudly by default, and with --skip-absent exits 0 with status skipped and creates nothing', async () => {
    const ws = await createWorkspace();
    try {
      const loud = await runAgent(backupArgs('elsewhere', 'mysql', 'wordpress'), ws.env);
      expect(loud.exitCode).toBe(1);
      expect(loud.report.steps.database.error).toBe(`${join(ws.appsDir, 'elsewhere', '.env')} not found`);
      const quiet = await runAgent([...backupArgs('other', 'mysql', 'wordpress'), '--skip-absent'], ws.env);
      expect(quiet.exitCode).toBe(0);
      expect(quiet.report).toMatchObject({
        status: 'skipped',
        error: `${join(ws.appsDir, 'other')} does not exist on this server`,
      });
      expect(existsSync(join(ws.backupsDir, 'other'))).toBe(false);
    } finally {
      await ws.remove();
    }
  });
});

describe('media only (--engine none)', () => {
  it('skips the database steps, archives and transfers the media', async () => {
    const [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    try {
      mkdirSync(join(ws.appsDir, 'static', 'files'), { recursive: true });
      const run = await runAgent(backupArgs('static', 'none', 'static-site'), {
        ...ws.env,
        ...sshd.env,
        BACKOPPER_MEDIA_DIR: 'files',
      });
      expect(run.exitCode).toBe(0);
      expect(run.report.steps.database).toMatchObject({ status: 'skipped', reason: 'engine is none (media only)' });
      expect(run.report.steps.transfer.status).toBe('succeeded');
      expect(readdirSync(join(sshd.remoteRoot, 'static', 'live'))).toEqual([
        run.report.steps.transfer.path.split('/').pop(),
      ]);
      expect(run.report.steps.transfer.path).toMatch(
        new RegExp(`/static\\+live\\+media_${run.report.timestamp}_[0-9a-f]{8}\\.tar\\.gz$`),
      );
    } finally {
      await Promise.all([ws.remove(), sshd.stop()]);
    }
  });
  it('fails (exit 1, with the reason) when its project type has no media folder: a run that saved nothing is no success', async () => {
    const [ws, sshd] = await Promise.all([createWorkspace(), startSshd()]);
    try {
      mkdirSync(join(ws.appsDir, 'bare'), { recursive: true });
      const run = await runAgent(backupArgs('bare', 'none', 'static-site'), { ...ws.env, ...sshd.env });
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.report.status).toBe('failed');
      expect(run.report.steps.media).toMatchObject({
        status: 'failed',
        error:
          'nothing to back up: engine none and no default media folder for project type static-site; set BACKOPPER_MEDIA_DIR',
      });
      expect(run.report.steps.transfer.status).toBe('skipped');
      expect(existsSync(join(sshd.remoteRoot, 'bare'))).toBe(false);
    } finally {
      await Promise.all([ws.remove(), sshd.stop()]);
    }
  });
  it('fails (exit 1, with the reason) when no media server is set: a media-only run that sent nothing is no success', async () => {
    const ws = await createWorkspace();
    try {
      mkdirSync(join(ws.appsDir, 'static', 'files'), { recursive: true });
      const run = await runAgent(backupArgs('static', 'none', 'static-site'), {
        ...ws.env,
        BACKOPPER_MEDIA_DIR: 'files',
      });
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.report.status).toBe('failed');
      expect(run.report.steps.media).toMatchObject({
        status: 'failed',
        error: 'nothing to back up: engine none and BACKOPPER_MEDIA_HOST is not set',
      });
      expect(run.report.steps.transfer.status).toBe('skipped');
    } finally {
      await ws.remove();
    }
  });
});
