import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeEnvBytes } from './env-bytes';
import { type EnvSource, type ParsedEnv, parseEnv } from './env-file';

/** The app's environment as its framework loads it, and a label naming the files for messages. */
export interface AppEnv {
  parsed: ParsedEnv;
  label: string;
}

/**
 * Which files the app's framework reads, in order. Bedrock (recognised by `config/application.php`
 * beside `web/app` or `web/wp`) loads `.env` and then, since 1.16 and only when `.env` exists,
 * `.env.local`, into one immutable repository: `.env.local` wins for keys both define. Laravel and
 * everything else read `.env` alone.
 */
export async function listEnvFiles(root: string): Promise<string[]> {
  const application = await readFile(join(root, 'config', 'application.php'), 'utf8').catch(() => undefined);
  const bedrock =
    application !== undefined &&
    ((await isDirectory(join(root, 'web', 'app'))) || (await isDirectory(join(root, 'web', 'wp'))));
  // Bedrock before 1.16 (2021) never read .env.local: follow what this app's own config does.
  if (bedrock && application.includes('.env.local') && (await isFile(join(root, '.env.local'))))
    return ['.env', '.env.local'];
  return ['.env'];
}

/** Reads and parses the app's `.env` file(s); errors name the file (and line). */
export async function readAppEnv(root: string): Promise<AppEnv> {
  const names = await listEnvFiles(root);
  const sources: EnvSource[] = [];
  for (const name of names) sources.push({ name: join(root, name), text: await readText(join(root, name)) });
  // The PHP runtime's environment (php-fpm's) is not the agent's: read the files alone.
  return { parsed: parseEnv(sources), label: sources.map((source) => source.name).join(' + ') };
}

async function readText(file: string): Promise<string> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `${file} not found` : `${file} cannot be read: ${error.message}`);
  });
  return decodeEnvBytes(bytes, file);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
