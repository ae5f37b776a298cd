import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRun, backupArgs, runAgent } from '../services/agent';
import { exec, uniqueSuffix } from '../services/exec';
import {
  createMysqlDatabase,
  createRestrictedUser,
  fingerprintMysql,
  mysqlRoot,
  type MysqlDatabase,
} from '../services/mariadb';
import { writeWordpressApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

/** The grants WordPress-hardening guides give the site's user for backups: no EVENT, no TRIGGER. */
const HARDENED = ['SELECT', 'LOCK TABLES', 'SHOW VIEW'];

/** Tables and a view, as WordPress has; `extra` adds objects defined by root (not by the app's user). */
async function seedSchema(db: MysqlDatabase, extra: ('trigger' | 'event' | 'procedure')[] = []): Promise<void> {
  const statements = [
    'CREATE TABLE wp_posts (ID BIGINT AUTO_INCREMENT PRIMARY KEY, post_title TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    'CREATE TABLE wp_log (id INT AUTO_INCREMENT PRIMARY KEY, post_id BIGINT) ENGINE=InnoDB',
    "INSERT INTO wp_posts (post_title) VALUES ('Hello 🌍'), ('Zweiter Beitrag'), ('tercero')",
    'CREATE DEFINER=root@localhost VIEW wp_titles AS SELECT ID, post_title FROM wp_posts',
  ];
  if (extra.includes('trigger'))
    statements.push(
      'CREATE DEFINER=root@localhost TRIGGER wp_posts_log AFTER INSERT ON wp_posts FOR EACH ROW INSERT INTO wp_log (post_id) VALUES (NEW.ID)',
    );
  if (extra.includes('event'))
    statements.push(
      'CREATE DEFINER=root@localhost EVENT wp_purge ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM wp_log',
    );
  if (extra.includes('procedure'))
    statements.push('CREATE DEFINER=root@localhost PROCEDURE wp_count(OUT n INT) SELECT COUNT(*) INTO n FROM wp_posts');
  for (const statement of statements) await mysqlRoot(statement, db.database);
}

/** Restores a dump into a fresh database as root and fingerprints it. */
async function restoredFingerprint(dumpPath: string): Promise<Record<string, string>> {
  const scratch = `restored_${uniqueSuffix()}`;
  await mysqlRoot(`CREATE DATABASE \`${scratch}\``);
  try {
    await exec('sh', ['-c', 'zcat "$1" | mysql -uroot --max-allowed-packet=1G "$2"', 'sh', dumpPath, scratch]);
    return await fingerprintMysql(scratch);
  } finally {
    await mysqlRoot(`DROP DATABASE IF EXISTS \`${scratch}\``);
  }
}

describe('an app user with the WordPress-hardening grants', () => {
  let ws: Workspace;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ws = await createWorkspace();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await ws?.remove();
  });

  /** A database with `extra` objects, and an app whose .env holds a user with only `privileges`. */
  async function appWith(
    privileges: string[],
    extra: ('trigger' | 'event' | 'procedure')[] = [],
    role?: { name: string; privileges: string[] },
  ) {
    const db = await createMysqlDatabase();
    cleanups.push(() => db.drop());
    await seedSchema(db, extra);
    const restricted = await createRestrictedUser(db, privileges, role);
    cleanups.push(() => restricted.drop());
    const app = `site-${uniqueSuffix()}`;
    writeWordpressApp(ws.appsDir, app, { ...db, user: restricted.user, password: restricted.password });
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), ws.env);
    return { db, app, account: `'${restricted.user}'@'%'`, run };
  }

  function expectSucceeded(run: AgentRun) {
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.report.steps.database.status).toBe('succeeded');
  }

  it('no EVENT, no events: the dump succeeds, restores whole, and the report says events (and hidden triggers) were not included and why', async () => {
    const { db, account, run } = await appWith(HARDENED);
    expectSucceeded(run);
    const { notIncluded, warning } = run.report.steps.database;
    expect(notIncluded).toEqual([
      `events: ${account} lacks the EVENT privilege on ${db.database}, and the server shows such a user no events, so whether ${db.database} has any cannot be checked (GRANT EVENT ON \`${db.database}\`.* TO ${account} to include them)`,
      `triggers: ${account} lacks the TRIGGER privilege on ${db.database}; triggers of tables it holds no TRIGGER on are hidden from it and not in the dump (GRANT TRIGGER ON \`${db.database}\`.* TO ${account} to include them)`,
      `routines: ${account} holds none of EXECUTE, ALTER ROUTINE, CREATE ROUTINE on ${db.database}; routines it did not define are hidden from it and not in the dump (GRANT EXECUTE ON \`${db.database}\`.* TO ${account} to check them)`,
    ]);
    expect(warning).toBe(`not included: ${notIncluded.join('; ')}`);
    expect(run.stdout).toContain('[backopper] database  succeeded');
    expect(await restoredFingerprint(run.report.steps.database.path)).toEqual(await fingerprintMysql(db.database));
  });

  it('with TRIGGER but no EVENT: the triggers are in the dump, only events are reported missing', async () => {
    const { db, run } = await appWith([...HARDENED, 'TRIGGER'], ['trigger']);
    expectSucceeded(run);
    expect(run.report.steps.database.notIncluded.map((line: string) => line.split(':')[0])).toEqual([
      'events',
      'routines',
    ]);
    const restored = await restoredFingerprint(run.report.steps.database.path);
    expect(restored.triggers).toBe('wp_posts_log');
    expect(restored).toEqual(await fingerprintMysql(db.database));
  });

  it('EVENT through a default role: the events are in the dump', async () => {
    const { db, run } = await appWith([...HARDENED, 'TRIGGER', 'EXECUTE'], ['event'], {
      name: `backup_role_${uniqueSuffix()}`,
      privileges: ['EVENT'],
    });
    expectSucceeded(run);
    expect(run.report.steps.database.notIncluded).toBeUndefined();
    const restored = await restoredFingerprint(run.report.steps.database.path);
    expect(restored.events).toBe('wp_purge');
    expect(restored).toEqual(await fingerprintMysql(db.database));
  });

  it('a routine the user sees but may not read: the step fails naming it and the grant, nothing is kept', async () => {
    const { db, app, account, run } = await appWith([...HARDENED, 'TRIGGER', 'EVENT', 'EXECUTE'], ['procedure']);
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database.error).toBe(
      `${db.database} has routines that ${account} may see but not read, so the dump cannot include them: PROCEDURE wp_count ` +
        `(make ${account} their DEFINER, or GRANT SELECT ON mysql.proc TO ${account}; MariaDB 11.3+: GRANT SHOW CREATE ROUTINE ON \`${db.database}\`.*; MySQL 8: GRANT SHOW_ROUTINE ON *.*)`,
    );
    expect(ws.backupFiles(app)).toEqual([]);
  });

  it('events that exist but are hidden from the user: MariaDB shows it none, so the report says it cannot check them', async () => {
    const { db, run } = await appWith([...HARDENED, 'TRIGGER', 'EXECUTE'], ['event']);
    expectSucceeded(run);
    expect(run.report.steps.database.notIncluded).toEqual([
      expect.stringMatching(
        /^events: .* lacks the EVENT privilege on .*, so whether .* has any cannot be checked \(GRANT EVENT ON/,
      ),
    ]);
    expect((await restoredFingerprint(run.report.steps.database.path)).events).toBe('');
    expect((await fingerprintMysql(db.database)).events).toBe('wp_purge');
  });
});

describe('a row larger than the client default packet (24 MiB)', () => {
  let ws: Workspace;
  let db: MysqlDatabase;
  let originalPacket: string;
  const app = 'pagebuilder';
  const ROW_BYTES = 40_000_000;

  beforeAll(async () => {
    // The server must hold the row (a site that has one has a server that allows it).
    originalPacket = (await mysqlRoot('SELECT @@GLOBAL.max_allowed_packet')).trim();
    await mysqlRoot('SET GLOBAL max_allowed_packet = 134217728');
    [ws, db] = await Promise.all([createWorkspace(), createMysqlDatabase()]);
    await mysqlRoot(
      'CREATE TABLE wp_options (option_id INT PRIMARY KEY, option_name VARCHAR(191), option_value LONGTEXT) DEFAULT CHARSET=utf8mb4',
      db.database,
    );
    await exec('mysql', [
      '-uroot',
      '--max-allowed-packet=1G',
      db.database,
      '-e',
      `INSERT INTO wp_options VALUES (1, 'elementor_data', REPEAT(CONCAT(MD5('x'), 'ü, "quoted"\\n'), ${Math.ceil(ROW_BYTES / 45)}))`,
    ]);
    writeWordpressApp(ws.appsDir, app, db);
  });
  afterAll(async () => {
    if (originalPacket) await mysqlRoot(`SET GLOBAL max_allowed_packet = ${Number(originalPacket)}`);
    await Promise.all([ws?.remove(), db?.drop()]);
  });

  const rowPrint = async (database: string) =>
    (
      await mysqlRoot(
        `SELECT LENGTH(option_value), SHA2(option_value, 256) FROM wp_options WHERE option_id = 1`,
        database,
      )
    ).trim();

  it('dumps with the raised default, and the dump restores the row byte for byte', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), ws.env);
    expect(run.exitCode, run.stdout).toBe(0);
    const live = await rowPrint(db.database);
    expect(Number(live.split('\t')[0])).toBeGreaterThan(ROW_BYTES);
    const scratch = `restored_${uniqueSuffix()}`;
    await mysqlRoot(`CREATE DATABASE \`${scratch}\``);
    try {
      await exec('sh', [
        '-c',
        'zcat "$1" | mysql -uroot --max-allowed-packet=1G "$2"',
        'sh',
        run.report.steps.database.path,
        scratch,
      ]);
      expect(await rowPrint(scratch)).toBe(live);
    } finally {
      await mysqlRoot(`DROP DATABASE IF EXISTS \`${scratch}\``);
    }
  }, 120_000);

  it('BACKOPPER_MYSQL_MAX_ALLOWED_PACKET below the row: fails saying the row is too big for it, not only "Lost connection"', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...ws.env,
      BACKOPPER_MYSQL_MAX_ALLOWED_PACKET: '16M',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.steps.database.error).toMatch(
      /Lost connection to server during query when dumping table `wp_options`/,
    );
    expect(run.report.steps.database.error).toMatch(
      /a row of wp_options may be larger than the packet limit 16M: raise BACKOPPER_MYSQL_MAX_ALLOWED_PACKET \(at most 1G\)$/,
    );
    expect(ws.backupFiles(app).filter((name) => name.includes(String(run.report.timestamp)))).toEqual([]);
  });

  it('rejects a packet size mysqldump would not take, naming the variable', async () => {
    const run = await runAgent(backupArgs(app, 'mysql', 'wordpress'), {
      ...ws.env,
      BACKOPPER_MYSQL_MAX_ALLOWED_PACKET: '4G',
    });
    expect(run.exitCode).toBe(2);
    expect(run.report.error).toBe(
      'BACKOPPER_MYSQL_MAX_ALLOWED_PACKET (--mysql-max-allowed-packet) "4G" is not a size from 1K to 1G (a number of bytes, or with K, M or G)',
    );
  });
});
