/**
 * `npm run demo`: the whole path on one machine, with real servers wherever one can run here.
 *
 *   1. A local app-list API serves the agency's apps; `backopper plan` shows the schedules it implies and
 *      a sync creates them (EventBridge Scheduler is a stateful in-memory fake: AWS can't run here).
 *   2. The CDK stack is synthesized (cdk-nag on), and its SSM document's script runs for each schedule
 *      with the parameters the schedule would send: the real agent bundle backs up a WordPress app on
 *      MariaDB and a Laravel app on PostgreSQL (a cluster that checks passwords) to s3rver and to a
 *      loopback sshd media server.
 *   3. `backopper restore` downloads each backup from S3, checks its sha256 and imports it into a
 *      fresh database, which is compared with the original table by table.
 *   4. `backopper backups` lists the dumps and media archives from the run records, and the stack's
 *      Backopper-RestoreMedia document puts the WordPress app's archive back beside its live uploads.
 *   5. Restore drills: the stack's Backopper-Verify document drills each app: its media archive read
 *      whole from the media server, then its S3 copy restored into a scratch database and compared with
 *      the dump's manifest (MariaDB: root over the socket; PostgreSQL: an admin URL for the demo's
 *      private cluster); `backopper backups` shows the last proven restore. Then one dump in S3 is replaced with another
 *      file: the drill catches it by its sha256 and exits non-zero (scripts/demo/drills.ts).
 *   6. Snapshot mode: a media-only app on a second stack with cdk.json `media.mode: snapshot`, backed up
 *      twice by that stack's document into a media server whose key is bound to the gate, the uploads
 *      changed in between: what each snapshot holds against the bytes sent (scripts/demo/snapshots.ts).
 *   7. A third app whose `.env` holds a wrong database password fails as it would in production: the
 *      alert the describe-failure Lambda would send, and its `backopper status` line.
 * Quiet: CDK's bundling output is captured (shown only if the synth fails). Everything lives in
 * temporary folders, removed at the end; `--keep` keeps the workspace, the databases and the PostgreSQL
 * cluster, and writes how to run a backup there again (scripts/demo/keep.ts).
 */
import './demo/quiet-sdk';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RESTORE_MEDIA_DOCUMENT_NAME } from '../common/names';
import { alertFor, createRunHistory, recordRun } from './demo/failure';
import { writeRerunNotes } from './demo/keep';
import { describeDrill, expectPassed, replaceObject, runVerifyDocument } from './demo/drills';
import {
  changeUploads,
  describeSnapshotRun,
  runSnapshotBackup,
  SNAPSHOT_APP,
  writeSnapshotApp,
} from './demo/snapshots';
import type { SynthInput, SynthOutput } from './demo/synth-documents';
import { runCli } from '../ops/commands/run-cli';
import { AGENT_BUNDLE } from '../test/services/agent';
import { createMysqlDatabase, fingerprintMysql, mysqlRoot, seedWordpressSchema } from '../test/services/mariadb';
import { runOpsCli } from '../test/services/ops-cli';
import { fingerprintPostgres, seedLaravelSchema, startPostgresCluster } from '../test/services/postgres';
import { startS3 } from '../test/services/s3';
import { envValue, writeLaravelApp, writeWordpressApp } from '../test/services/sample-app';
import { startSnapshotServer } from '../test/services/media-gate';
import { startSshd } from '../test/services/sshd';
import { createWorkspace } from '../test/services/workspace';
import { type DocumentRun, runDocument } from '../test/infra/document-runner';
import { createSyncWorld } from '../test/fakes/sync-world';

const keep = process.argv.includes('--keep');
const say = (line = '') => process.stdout.write(`${line}\n`);
const heading = (text: string) => say(`\n== ${text} ${'='.repeat(Math.max(0, 96 - text.length))}`);

const APP_LIST = [
  { name: 'acme-blog', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
  { name: 'acme-crm', frequency: 'weekly', db_engine: 'postgresql', project_type: 'laravel' },
  { name: 'acme-shop', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
  { name: '../../etc', frequency: 'daily', db_engine: 'mysql', project_type: 'wordpress' },
];

async function main(): Promise<void> {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run npm run build (npm run demo does)`);
  heading('Local servers');
  const [ws, s3, sshd, snapshotSshd, cluster, mysqlDb, shopDb] = await Promise.all([
    createWorkspace(),
    startS3('backopper-demo'),
    startSshd(),
    startSnapshotServer(),
    startPostgresCluster(),
    createMysqlDatabase('demo_wp'),
    createMysqlDatabase('demo_shop'),
  ]);
  const world = await createSyncWorld({ backend: 'scheduler', environments: ['live'] });
  // --keep keeps what can be used again: the databases and the PostgreSQL cluster (it runs on its own).
  const cleanups: (() => Promise<unknown>)[] = [
    () => world.close(),
    () => s3.stop(),
    () => sshd.stop(),
    () => snapshotSshd.stop(),
    ...(keep ? [] : [() => cluster.stop(), () => mysqlDb.drop(), () => shopDb.drop()]),
  ];
  try {
    const pgDb = await cluster.createDatabase('demo_crm');
    await Promise.all([
      seedWordpressSchema(mysqlDb, 2000),
      seedLaravelSchema(cluster, pgDb, 2000),
      seedWordpressSchema(shopDb, 50),
    ]);
    writeWordpressApp(ws.appsDir, 'acme-blog', mysqlDb);
    writeLaravelApp(ws.appsDir, 'acme-crm', pgDb);
    // The failure an operator meets most: the app's password changed, its .env was not updated.
    writeWordpressApp(ws.appsDir, 'acme-shop', { ...shopDb, password: `${shopDb.password}-old` });
    say(
      `MariaDB databases ${mysqlDb.database} and ${shopDb.database}, PostgreSQL cluster on 127.0.0.1:${cluster.port} (scram passwords), s3rver ${s3.endpoint}, sshd 127.0.0.1:${sshd.port}, snapshot media server (gate) 127.0.0.1:${snapshotSshd.port}`,
    );
    say(`apps on "the server": ${ws.appsDir}/{acme-blog,acme-crm,acme-shop} (acme-shop's .env has an old password)`);

    heading('1. The app-list API and the sync');
    world.api.setList('live', APP_LIST);
    say(`GET ${world.api.urlTemplate.replace('{environment}', 'live')} (X-Secret-Key) serves:`);
    for (const entry of APP_LIST) say(`  ${JSON.stringify(entry)}`);
    say('\n$ backopper plan');
    const cliContext = {
      env: world.env,
      deps: { ...world.deps(), logger: undefined },
      stdout: (line: string) => say(`  ${line}`),
      stderr: (line: string) => say(`  ${line}`),
    };
    await runCli(['plan'], cliContext);
    const synced = await world.sync();
    if (!synced.ok) throw new Error(`the sync failed: ${JSON.stringify(synced.summary)}`);
    say('\nafter the sync, the schedules (as in the EventBridge Scheduler console):');
    for (const name of world.names())
      say(`  ${name.padEnd(28)} ${world.expressionOf(name)}  ${JSON.stringify(world.parametersOf(name))}`);

    heading('2. Each schedule runs the Backopper-Backup document on the server');
    const documents = synthDocuments({
      out: join(ws.root, 'documents.json'),
      bucket: s3.bucket,
      ws,
      sshd,
      snapshotSshd,
    });
    say('synthesized the CDK stack (cdk-nag: no unacknowledged findings); running its document locally');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      TMPDIR: ws.env.TMPDIR,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...s3.env,
    };
    const reports = [];
    const history = createRunHistory();
    let failed: { commandId: string; parameters: Record<string, string>; run: DocumentRun; at: Date } | undefined;
    for (const name of world.names()) {
      const parameters = world.parametersOf(name)!;
      say(`\n${name}: SendCommand Backopper-Backup ${JSON.stringify(parameters)}`);
      const at = new Date();
      const run = await runDocument({ content: documents.backup, parameters, agentBundle: AGENT_BUNDLE, env });
      for (const line of run.stdout.trim().split('\n').slice(0, -1)) say(`  ${line}`);
      const commandId = recordRun(history, { request: world.sendCommandOf(name)!, run, at });
      if (parameters.app === 'acme-shop') {
        if (run.exitCode === 0) throw new Error('acme-shop backed up with a wrong password');
        say(`  (the document exited ${run.exitCode}: SSM marks the command Failed)`);
        failed = { commandId, parameters, run, at };
        continue;
      }
      if (run.exitCode !== 0) throw new Error(`the document for ${name} exited ${run.exitCode}: ${run.stderr}`);
      reports.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!));
    }

    heading('Artifacts');
    say(`  ${'app'.padEnd(10)} ${'step'.padEnd(9)} ${'bytes'.padStart(9)}  where`);
    for (const report of reports) {
      for (const [step, where] of [
        ['database', report.steps.database.path],
        ['upload', `s3://${report.steps.upload.bucket}/${report.steps.upload.key}`],
        ['transfer', report.steps.transfer.path],
      ]) {
        say(`  ${report.app.padEnd(10)} ${step.padEnd(9)} ${String(report.steps[step].bytes).padStart(9)}  ${where}`);
      }
    }

    heading('3. Restore each app from S3 into a fresh database');
    const restoredWp = `${mysqlDb.database}_restored`;
    await mysqlRoot(`CREATE DATABASE \`${restoredWp}\``);
    if (!keep) cleanups.push(() => mysqlRoot(`DROP DATABASE IF EXISTS \`${restoredWp}\``));
    await restore(
      ['restore', 'live', 'acme-blog', '--output', ws.root, '--database-url', `mysql://root@localhost/${restoredWp}`],
      s3.env,
      s3.bucket,
    );
    compare('acme-blog', await fingerprintMysql(mysqlDb.database), await fingerprintMysql(restoredWp));

    const target = await cluster.createDatabase('demo_crm_restored');
    const envFile = join(ws.root, 'restore-target.env');
    writeFileSync(
      envFile,
      `DB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_PORT=${target.port}\nDB_DATABASE=${target.database}\nDB_USERNAME=${target.user}\nDB_PASSWORD=${envValue(target.password)}\n`,
    );
    await restore(['restore', 'live', 'acme-crm', '--output', ws.root, '--dotenv', envFile], s3.env, s3.bucket);
    compare(
      'acme-crm',
      await fingerprintPostgres(cluster, pgDb.database),
      await fingerprintPostgres(cluster, target.database),
    );

    heading('4. Media: listed from the run records, restored beside the live folder');
    await restore(['backups', 'live', 'acme-blog'], s3.env, s3.bucket);
    const blog = reports.find((report) => report.app === 'acme-blog');
    const parameters = {
      app: 'acme-blog',
      environment: 'live',
      archive: blog.steps.transfer.path,
      sha256: blog.steps.transfer.sha256,
    };
    say(`\nSendCommand ${RESTORE_MEDIA_DOCUMENT_NAME} ${JSON.stringify(parameters)}`);
    const restoredMedia = await runDocument({
      content: documents.restoreMedia,
      parameters,
      agentBundle: AGENT_BUNDLE,
      env,
    });
    for (const line of restoredMedia.stdout.trim().split('\n').slice(0, -1)) say(`  ${line}`);
    const result = JSON.parse(restoredMedia.stdout.trim().split('\n').at(-1) ?? '{}');
    if (restoredMedia.exitCode !== 0 || result.status !== 'succeeded')
      throw new Error(`the media restore exited ${restoredMedia.exitCode}: ${result.error ?? restoredMedia.stderr}`);
    const files = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
    const same = JSON.stringify(files(result.restored)) === JSON.stringify(files(result.live));
    say(
      `  ${same ? 'same' : 'DIFF'}  ${files(result.restored).length} entries in ${result.restored} and in the live ${result.live}`,
    );
    if (!same) throw new Error('the restored media folder differs from the live one');
    say(`  swap (a separate step): ${result.swap.join(' && ')}`);

    heading('5. Restore drills: the Backopper-Verify document (media, then database), the last proven restore');
    const drillContext = { verify: documents.verify, env, say };
    const crm = reports.find((report) => report.app === 'acme-crm');
    // The demo's cluster is private (its own socket and port): the drill's admin URL says where. On a
    // server it comes from the stack's verify.adminUrlParameter; the default is the local postgres role.
    const pgAdmin = {
      BACKOPPER_DRILL_ADMIN_URL: `postgres://postgres@localhost:${cluster.port}/?socket=${encodeURIComponent(cluster.socketDir)}`,
    };
    // Each document run drills the app's media (read whole from the media server), then its S3 dump.
    for (const [app, serverEnv] of [
      ['acme-blog', {}],
      ['acme-crm', pgAdmin],
    ] as const) {
      const drill = await runVerifyDocument(drillContext, app, serverEnv);
      for (const report of drill.reports) {
        say(`  ${describeDrill(report)}`);
        expectPassed({ exitCode: drill.exitCode, report }, `the ${report.kind} drill of ${app}`);
      }
    }
    const listing = await restore(['backups', 'live', 'acme-blog'], s3.env, s3.bucket);
    const proof = listing.split('\n').find((line) => line.includes('last proven restore'));
    if (!proof?.includes(blog.steps.upload.key))
      throw new Error(
        `backopper backups does not show the drill of ${blog.steps.upload.key} as the last proven restore`,
      );

    say(
      `\nA drill that must fail: s3://${s3.bucket}/${crm.steps.upload.key} replaced with the blog's dump (its .sha256 kept)`,
    );
    await replaceObject(s3.client, { bucket: s3.bucket, key: crm.steps.upload.key, file: blog.steps.database.path });
    const tampered = await runVerifyDocument(drillContext, 'acme-crm', pgAdmin);
    say(`  ${describeDrill(tampered.report)}`);
    if (tampered.exitCode === 0 || tampered.report.status !== 'failed' || !/sha256/.test(tampered.report.error ?? ''))
      throw new Error(
        `the drill of a replaced dump did not fail on its sha256 (exit ${tampered.exitCode}): ${JSON.stringify(tampered.report)}`,
      );
    say(`  the document exited ${tampered.exitCode}: SSM marks the command Failed`);

    heading('6. Snapshot mode: a second stack with media.mode snapshot, two runs');
    const uploads = writeSnapshotApp(ws.appsDir);
    say(
      `${SNAPSHOT_APP}: media only (engine none), ${uploads}; media server 127.0.0.1:${snapshotSshd.port}, key bound to the gate`,
    );
    const snapshotRun = () => runSnapshotBackup({ content: documents.snapshotBackup, env, say });
    const first = await snapshotRun();
    changeUploads(uploads);
    say('\n(between the runs: one new upload, one edited)');
    const second = await snapshotRun();
    say();
    say(describeSnapshotRun('first run ', first));
    say(describeSnapshotRun('second run', second));
    if (!first.snapshot.endsWith(`/${second.linkedFrom}`) || second.bytesSent >= first.bytesSent / 4)
      throw new Error(
        `the second snapshot did not build on the first (linked from ${second.linkedFrom}, sent ${second.bytesSent} vs ${first.bytesSent} bytes)`,
      );
    const snapshots = await restore(['backups', 'live', SNAPSHOT_APP], s3.env, s3.bucket);
    for (const run of [first, second])
      if (!snapshots.includes(run.snapshot))
        throw new Error(`backopper backups does not list the snapshot ${run.snapshot}`);

    heading('7. A failed backup, as an operator meets it');
    const alert = alertFor(failed!);
    say('the alert (SNS e-mail; the describe-failure Lambda builds it from the failed command):');
    say(`  Subject: ${alert.subject}`);
    for (const line of alert.text.split('\n')) say(`  ${line}`);
    say('\n$ backopper status --environment live');
    history.install();
    try {
      await runCli(['status', '--environment', 'live'], {
        env: {
          AWS_REGION: 'eu-west-1',
          BACKOPPER_ENVIRONMENTS: world.env.BACKOPPER_ENVIRONMENTS!,
          BACKOPPER_SCHEDULE_BACKEND: 'scheduler',
          BACKOPPER_BUCKET: s3.bucket,
        },
        deps: { ...world.deps({}, new Date()), logger: undefined, s3: s3.client },
        stdout: (line: string) => say(`  ${line}`),
        stderr: (line: string) => say(`  ${line}`),
      });
    } finally {
      history.restore();
    }
    say();
    if (keep) {
      const kept = writeRerunNotes({
        root: ws.root,
        env: ws.env,
        mysqlDatabases: [mysqlDb.database, shopDb.database, restoredWp],
        mysqlUsers: [mysqlDb.user, shopDb.user].flatMap((user) => [`'${user}'@'%'`, `'${user}'@'localhost'`]),
        postgres: { dataDir: join(cluster.socketDir, 'data'), port: cluster.port },
      });
      for (const line of kept) say(line);
    } else say('Demo complete; temporary files removed (run with --keep to keep them and run a backup again).');
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
    if (!keep) await rm(ws.root, { recursive: true, force: true });
  }
}

/**
 * Synthesizes the stack in a child process (scripts/demo/synth-documents.ts) with its output captured:
 * CDK's and esbuild's bundling lines are shown only when the synth fails.
 */
function synthDocuments(input: SynthInput): SynthOutput {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'demo', 'synth-documents.ts'), JSON.stringify(input)],
    { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
  );
  if (child.status !== 0 || !existsSync(input.out)) {
    process.stderr.write(`${child.stdout ?? ''}${child.stderr ?? ''}`);
    throw new Error(`synthesizing the stack failed (exit ${child.status ?? child.signal}); its output is above`);
  }
  return JSON.parse(readFileSync(input.out, 'utf8'));
}

/** Runs the ops CLI, prints its output indented, throws on a non-zero exit; returns its stdout. */
async function restore(args: string[], s3Env: Record<string, string>, bucket: string): Promise<string> {
  say(`\n$ backopper ${args.join(' ')}`);
  const run = await runOpsCli(args, { ...s3Env, BACKOPPER_BUCKET: bucket });
  for (const line of run.stdout.trim().split('\n')) say(`  ${line}`);
  if (run.exitCode !== 0) throw new Error(`backopper ${args[0]} exited ${run.exitCode}: ${run.stderr}`);
  return run.stdout;
}

function compare(app: string, original: Record<string, string>, restored: Record<string, string>): void {
  for (const [item, value] of Object.entries(original)) {
    const same = restored[item] === value;
    say(`  ${same ? 'same' : 'DIFF'}  ${item.padEnd(20)} ${value}`);
    if (!same) throw new Error(`${app}: ${item} differs after restore: ${restored[item]} vs ${value}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
