/**
 * `npm run demo -- --keep`: what stays, and how to run it again. The databases stay (MariaDB's, and the
 * PostgreSQL cluster, which keeps running from its folder), as do the apps, the local dumps and the
 * restored files. s3rver and the media sshd lived in the demo's process and end with it, so the kept
 * settings leave out the bucket and the media server: a backup run again dumps locally and says that
 * the upload and media steps are skipped. Everything is written to `<root>/RERUN.md` and `demo.env`.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What the kept workspace holds, for the notes. */
export interface KeptWorkspace {
  root: string;
  env: Record<string, string>;
  mysqlDatabases: string[];
  mysqlUsers: string[];
  postgres: { dataDir: string; port: number };
}

/** Writes `demo.env` and `RERUN.md` into the workspace and returns the lines to print. */
export function writeRerunNotes(kept: KeptWorkspace): string[] {
  const agent = resolve('dist/backopper-agent.js');
  const envFile = join(kept.root, 'demo.env');
  writeFileSync(
    envFile,
    `${Object.entries(kept.env)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );
  const run = (app: string, engine: string, type: string, extra = '') =>
    `(set -a; . ${envFile}; node ${agent} backup --app ${app} --environment live --engine ${engine} --project-type ${type}${extra})`;
  const lines = [
    `Kept the workspace ${kept.root}: apps, local dumps, restored files; MariaDB databases ${kept.mysqlDatabases.join(', ')};`,
    `the PostgreSQL cluster in ${kept.postgres.dataDir} is still running on 127.0.0.1:${kept.postgres.port}.`,
    'Run a backup again (S3 and the media server ended with the demo, so those steps say they are skipped):',
    `  ${run('acme-blog', 'mysql', 'wordpress')}`,
    `  ${run('acme-crm', 'postgres', 'laravel')}`,
    `  ${run('acme-shop', 'mysql', 'wordpress', ' --dry-run')}    # the wrong password, caught before a run`,
    'Clean up when done:',
    `  runuser -u postgres -- ${pgCtl()} -D ${kept.postgres.dataDir} -m fast stop`,
    `  mysql -uroot -e "${[
      ...kept.mysqlDatabases.map((db) => `DROP DATABASE IF EXISTS ${db};`),
      ...kept.mysqlUsers.map((user) => `DROP USER IF EXISTS ${user};`),
    ].join(' ')}"`,
    `  rm -rf ${kept.root} ${resolve(kept.postgres.dataDir, '..')}`,
  ];
  writeFileSync(join(kept.root, 'RERUN.md'), `# The kept demo workspace\n\n${lines.join('\n')}\n`);
  return lines;
}

/** The newest installed PostgreSQL's pg_ctl (Debian keeps it off PATH). */
function pgCtl(): string {
  const [newest] = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${newest}/bin/pg_ctl`;
}
