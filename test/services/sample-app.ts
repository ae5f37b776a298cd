import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Writes a `.env` value in double quotes, escaped the way phpdotenv reads it back. */
export function envValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`;
}

/** A media folder with nested files, text and random binary (like uploaded images). Returns the file count. */
export function writeMediaFiles(dir: string, files = 12, bytesEach = 4096): number {
  mkdirSync(join(dir, '2024', '05'), { recursive: true });
  for (let i = 0; i < files; i += 1) {
    const sub = i % 2 === 0 ? join(dir, '2024', '05') : dir;
    writeFileSync(join(sub, `image-${i}.jpg`), randomBytes(bytesEach));
  }
  writeFileSync(join(dir, 'ünïcode name ✓.txt'), 'media with a unicode name\n');
  return files + 1;
}

/** A WordPress (ServerPilot layout) app: `.env` with Bedrock-style keys, media in public/wp-content/uploads. */
export function writeWordpressApp(
  appsDir: string,
  app: string,
  db: { database: string; user: string; password: string; host: string; port: number },
): string {
  const root = join(appsDir, app);
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, '.env'),
    [
      '# WordPress (Bedrock-style) settings',
      `DB_NAME=${db.database}`,
      `DB_USER=${db.user}`,
      `DB_PASSWORD=${envValue(db.password)}`,
      `DB_HOST=${db.host}:${db.port}`,
      'WP_ENV=production',
      'WP_HOME=https://example.test',
      'WP_SITEURL=${WP_HOME}/wp',
      '',
    ].join('\n'),
  );
  writeMediaFiles(join(root, 'public', 'wp-content', 'uploads'));
  return root;
}

/** A Laravel app: `.env` with Laravel keys, media in storage/app/public. */
export function writeLaravelApp(
  appsDir: string,
  app: string,
  db: { database: string; user: string; password: string; host: string; port: number },
): string {
  const root = join(appsDir, app);
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, '.env'),
    [
      'APP_NAME=Laravel',
      'APP_ENV=production',
      'DB_CONNECTION=pgsql',
      `DB_HOST=${db.host}`,
      `DB_PORT=${db.port}`,
      `DB_DATABASE=${db.database}`,
      `DB_USERNAME=${db.user}`,
      `DB_PASSWORD=${envValue(db.password)}`,
      '',
    ].join('\n'),
  );
  writeMediaFiles(join(root, 'storage', 'app', 'public'));
  return root;
}
