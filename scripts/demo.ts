/**
 * `npm run demo`: one complete backup of a sample WordPress app on MariaDB and a sample Laravel app on
 * PostgreSQL, on this machine, with real servers: s3rver as S3, a loopback sshd as the media server, a
 * private PostgreSQL cluster that checks passwords. Each app is backed up by the built agent exactly as
 * servers run it, then each dump is restored into a fresh database and compared with the original.
 * Everything lives under one temporary folder, removed at the end (pass --keep to look around).
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { AGENT_BUNDLE, backupArgs, runAgent } from '../test/helpers/agent';
import { exec } from '../test/helpers/exec';
import { createMysqlDatabase, fingerprintMysql, mysqlImport, mysqlRoot, seedWordpressSchema } from '../test/helpers/mariadb';
import { fingerprintPostgres, seedLaravelSchema, startPostgresCluster } from '../test/helpers/postgres';
import { startS3 } from '../test/helpers/s3';
import { writeLaravelApp, writeWordpressApp } from '../test/helpers/sample-app';
import { startSshd } from '../test/helpers/sshd';
import { createWorkspace } from '../test/helpers/workspace';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const keep = process.argv.includes('--keep');
const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run npm run build (npm run demo does)`);
  say('Backopper demo: starting local MariaDB database, PostgreSQL cluster, S3 (s3rver) and media server (sshd)...');
  const [ws, s3, sshd, cluster, mysqlDb] = await Promise.all([createWorkspace(), startS3('backopper-demo'), startSshd(), startPostgresCluster(), createMysqlDatabase('demo_wp')]);
  const cleanups = [() => s3.stop(), () => sshd.stop(), () => cluster.stop(), () => mysqlDb.drop()];
  try {
    const pgDb = await cluster.createDatabase('demo_crm');
    await Promise.all([seedWordpressSchema(mysqlDb, 2000), seedLaravelSchema(cluster, pgDb, 2000)]);
    writeWordpressApp(ws.appsDir, 'acme-blog', mysqlDb);
    writeLaravelApp(ws.appsDir, 'acme-crm', pgDb);
    say(`apps under ${ws.appsDir}: acme-blog (WordPress, MariaDB), acme-crm (Laravel, PostgreSQL)`);
    const env = { ...ws.env, ...s3.env, ...sshd.env, BACKOPPER_BUCKET: s3.bucket };

    const runs = [];
    for (const [app, engine, type] of [['acme-blog', 'mysql', 'wordpress'], ['acme-crm', 'postgres', 'laravel']] as const) {
      say();
      say(`$ node dist/backopper-agent.js ${backupArgs(app, engine, type).join(' ')}`);
      const run = await runAgent(backupArgs(app, engine, type), env);
      process.stdout.write(run.stdout.split('\n').filter((line) => line.startsWith('[backopper]')).map((line) => `  ${line}\n`).join(''));
      if (run.exitCode !== 0) throw new Error(`the backup of ${app} exited ${run.exitCode}: ${run.stderr}${run.stdout}`);
      runs.push(run.report);
    }

    say();
    say('Where every artifact landed:');
    for (const report of runs) {
      say(`  ${report.app}`);
      say(`    local dump    ${report.steps.database.path}  (${report.steps.database.bytes} bytes, sha256 ${report.steps.database.sha256.slice(0, 16)}...)`);
      say(`    S3 object     s3://${report.steps.upload.bucket}/${report.steps.upload.key}  (+ .sha256)`);
      say(`    media archive ${report.steps.transfer.path}  (${report.steps.transfer.bytes} bytes)`);
    }
    say(`  S3 bucket holds: ${(await s3.listKeys()).join(', ')}`);

    say();
    say('Restore check (each dump restored into a fresh database, compared table by table):');
    const blog = runs[0];
    const restoredWp = `${mysqlDb.database}_restored`;
    await mysqlRoot(`CREATE DATABASE \`${restoredWp}\``);
    cleanups.push(() => mysqlRoot(`DROP DATABASE IF EXISTS \`${restoredWp}\``).then(() => undefined));
    await mysqlImport(restoredWp, gunzipSync(readFileSync(blog.steps.database.path)).toString('utf8'));
    compare('acme-blog', await fingerprintMysql(mysqlDb.database), await fingerprintMysql(restoredWp));

    const crm = runs[1];
    const restoredCrm = `${pgDb.database}_restored`;
    await cluster.psql(`CREATE DATABASE ${restoredCrm}`);
    await exec('pg_restore', ['--no-owner', '--exit-on-error', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '-d', restoredCrm, crm.steps.database.path]);
    compare('acme-crm', await fingerprintPostgres(cluster, pgDb.database), await fingerprintPostgres(cluster, restoredCrm));
    say();
    say(keep ? `Kept everything under ${ws.root} (servers stopped).` : 'Demo complete; temporary files removed (run with --keep to look around).');
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
    if (!keep) await rm(ws.root, { recursive: true, force: true });
  }
}

function compare(app: string, original: Record<string, string>, restored: Record<string, string>): void {
  for (const [item, value] of Object.entries(original)) {
    const same = restored[item] === value;
    say(`  ${same ? 'ok  ' : 'DIFF'} ${app.padEnd(10)} ${item.padEnd(20)} ${value}`);
    if (!same) throw new Error(`${app}: ${item} differs after restore: ${restored[item]} vs ${value}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
