import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listEnvFiles, readAppEnv } from '../../../agent/config/app-env-files';

/** Bedrock's config/application.php, as far as it concerns the files it loads. */
const BEDROCK_APPLICATION = `<?php
$env_files = file_exists($root_dir . '/.env.local') ? ['.env', '.env.local'] : ['.env'];
$dotenv = Dotenv\\Dotenv::createUnsafeImmutable($root_dir, $env_files, false);
`;

describe('the files an app framework reads, in its order', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'backopper-envfiles-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reads .env then .env.local for Bedrock (config/application.php beside web/app), the later winning', async () => {
    write('config/application.php', BEDROCK_APPLICATION);
    mkdirSync(join(root, 'web', 'app'), { recursive: true });
    write('.env', 'DB_NAME=wp\nDB_HOST=db-from-env\nDB_USER=${DB_HOST}\n');
    write('.env.local', 'DB_HOST=db-from-local\n');
    expect(await listEnvFiles(root)).toEqual(['.env', '.env.local']);
    const { parsed, label } = await readAppEnv(root);
    expect(parsed.values).toEqual({ DB_NAME: 'wp', DB_HOST: 'db-from-local', DB_USER: 'db-from-env' });
    expect(label).toBe(`${join(root, '.env')} + ${join(root, '.env.local')}`);
  });

  it('recognises Bedrock by web/wp too', async () => {
    write('config/application.php', BEDROCK_APPLICATION);
    mkdirSync(join(root, 'web', 'wp'), { recursive: true });
    write('.env', 'A=1\n');
    write('.env.local', 'A=2\n');
    expect(await listEnvFiles(root)).toEqual(['.env', '.env.local']);
  });

  it.each([
    ['a Laravel app', () => write('artisan', '#!/usr/bin/env php\n')],
    ['config/application.php without web/app or web/wp', () => write('config/application.php', BEDROCK_APPLICATION)],
    [
      'a Bedrock older than 1.16, whose application.php never loads .env.local',
      () => {
        write('config/application.php', '<?php\n$dotenv = Dotenv\\Dotenv::createImmutable($root_dir);\n');
        mkdirSync(join(root, 'web', 'app'), { recursive: true });
      },
    ],
  ])('reads .env alone for %s, even when a .env.local exists', async (_name, layout) => {
    layout();
    write('.env', 'A=1\n');
    write('.env.local', 'A=2\n');
    expect(await listEnvFiles(root)).toEqual(['.env']);
    expect((await readAppEnv(root)).parsed.values).toEqual({ A: '1' });
  });

  it('fails naming .env when it is missing, even for Bedrock with a .env.local (Bedrock then loads nothing)', async () => {
    write('config/application.php', BEDROCK_APPLICATION);
    mkdirSync(join(root, 'web', 'app'), { recursive: true });
    write('.env.local', 'A=2\n');
    await expect(readAppEnv(root)).rejects.toThrow(`${join(root, '.env')} not found`);
  });

  it('refuses a file that is not UTF-8 rather than read mangled bytes', async () => {
    writeFileSync(join(root, '.env'), Buffer.from('DB_PASSWORD=ab\xffcd\n', 'latin1'));
    await expect(readAppEnv(root)).rejects.toThrow(
      `${join(root, '.env')} line 1 (DB_PASSWORD): byte 15 is not valid UTF-8`,
    );
  });
});
