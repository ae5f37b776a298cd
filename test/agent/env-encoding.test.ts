/**
 * A `.env` saved in Windows-1252 (an `é` in the password is the single byte 0xE9) is refused by the
 * agent and by `backopper restore --dotenv`, naming the file and line, instead of sending U+FFFD to the
 * database as the password.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import { createMysqlDatabase, type MysqlDatabase } from '../services/mariadb';
import { runOpsCli } from '../services/ops-cli';
import { createWorkspace, type Workspace } from '../services/workspace';

const windows1252 = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`, 'latin1');

describe('a .env that is not UTF-8', () => {
  let ws: Workspace;
  let db: MysqlDatabase;
  const app = 'cp1252';

  beforeAll(async () => {
    [ws, db] = await Promise.all([createWorkspace(), createMysqlDatabase('enc', 'café-secret')]);
    mkdirSync(join(ws.appsDir, app, 'wp-content', 'uploads'), { recursive: true });
    writeFileSync(
      join(ws.appsDir, app, '.env'),
      windows1252([
        `DB_NAME=${db.database}`,
        `DB_USER=${db.user}`,
        `DB_HOST=${db.host}:${db.port}`,
        'DB_PASSWORD="caf\xe9-secret"',
      ]),
    );
  });
  afterAll(async () => {
    await Promise.all([ws?.remove(), db?.drop()]);
  });

  it('fails the database step naming the file and line, and writes no dump', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), ws.env);
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database).toMatchObject({ status: 'failed' });
    expect(run.report.steps.database.error).toContain(
      `${join(ws.appsDir, app, '.env')} line 4 (DB_PASSWORD): byte 17 is not valid UTF-8`,
    );
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/Access denied|\uFFFD|secret/);
    expect(ws.backupFiles(app)).toEqual([]);
  });

  it('is refused by backopper restore --dotenv before anything is downloaded (exit 2)', async () => {
    const output = join(ws.root, 'restore-out');
    mkdirSync(output);
    const run = await runOpsCli(
      ['restore', 'live', app, '--output', output, '--dotenv', join(ws.appsDir, app, '.env')],
      { BACKOPPER_BUCKET: 'no-such-bucket', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${join(ws.appsDir, app, '.env')} line 4 (DB_PASSWORD): byte 17 is not valid UTF-8`);
    expect(readdirSync(output)).toEqual([]);
  });
});
