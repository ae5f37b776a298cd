import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** Where Debian's php-vlucas-phpdotenv puts its autoloader. */
export const PHPDOTENV_AUTOLOAD = '/usr/share/php/Dotenv/autoload.php';
const ORACLE = resolve(__dirname, '../agent/config/phpdotenv-oracle.php');

/** One case for the real phpdotenv: files in load order and the PHP process's own environment. */
export interface PhpdotenvCase {
  files: Array<{ name: string; text: string }>;
  environment: Record<string, string>;
}

/** What the real phpdotenv made of a case: the repository after load(), or the exception it threw. */
export type PhpdotenvResult = { values: Record<string, string> } | { error: string };

/**
 * Loads every case with the real vlucas/phpdotenv in one `php` process (Debian's `php-cli` and
 * `php-vlucas-phpdotenv`; scripts/prepare-machine.sh installs them). A missing php is a failure.
 */
export async function runPhpdotenv(cases: PhpdotenvCase[]): Promise<PhpdotenvResult[]> {
  if (!existsSync(PHPDOTENV_AUTOLOAD))
    throw new Error(
      `${PHPDOTENV_AUTOLOAD} is missing: install php-cli and php-vlucas-phpdotenv (scripts/prepare-machine.sh)`,
    );
  const dir = await mkdtemp(join(tmpdir(), 'backopper-phpdotenv-'));
  try {
    const manifest = [];
    for (const [index, testCase] of cases.entries()) {
      const caseDir = join(dir, String(index));
      await mkdir(caseDir);
      for (const file of testCase.files) await writeFile(join(caseDir, file.name), file.text, 'utf8');
      manifest.push({
        dir: caseDir,
        files: testCase.files.map((file) => file.name),
        environment: testCase.environment,
      });
    }
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const { stdout } = await promisify(execFile)('php', [ORACLE, join(dir, 'manifest.json')], {
      maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH },
    }).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
      throw new Error(
        error.code === 'ENOENT'
          ? 'php not found: install php-cli and php-vlucas-phpdotenv (scripts/prepare-machine.sh)'
          : `the phpdotenv oracle failed: ${error.stderr ?? error.message}`,
      );
    });
    const raw = JSON.parse(stdout) as Array<{ values: Array<[string, string]> } | { error: string }>;
    if (raw.length !== cases.length)
      throw new Error(`the phpdotenv oracle answered ${raw.length} cases, expected ${cases.length}`);
    return raw.map((result) => ('error' in result ? result : { values: Object.fromEntries(result.values) }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The installed php-vlucas-phpdotenv version, from dpkg (e.g. `5.4.1-1`). */
export async function phpdotenvPackageVersion(): Promise<string> {
  const { stdout } = await promisify(execFile)('dpkg-query', ['-W', '-f', '${Version}', 'php-vlucas-phpdotenv']);
  return stdout.trim();
}
