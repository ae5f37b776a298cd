import { exec, uniqueSuffix } from './exec';

/** A MariaDB database with its own password-protected user, on the machine's server at 127.0.0.1:3306. */
export interface MysqlDatabase {
  database: string;
  user: string;
  password: string;
  host: string;
  port: number;
  drop(): Promise<void>;
}

/** A password with characters that break naive quoting in option files, shells and `.env` files. */
export const AWKWARD_PASSWORD_CHARS = `p@ss"w:rd'#$x\\y`;

/** Runs SQL as root over the server's socket; returns tab-separated rows. */
export async function mysqlRoot(sql: string, database?: string): Promise<string> {
  return exec('mysql', [
    '-uroot',
    '--default-character-set=utf8mb4',
    '--batch',
    '--skip-column-names',
    ...(database ? [database] : []),
    '-e',
    sql,
  ]);
}

/** Pipes a file's SQL (e.g. a restored dump) into `database` as root. */
export async function mysqlImport(database: string, sql: string): Promise<void> {
  await exec('mysql', ['-uroot', '--default-character-set=utf8mb4', database], { input: sql });
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Creates a database and a user allowed to dump it (including routines it defines); `chosenPassword` replaces the awkward default. */
export async function createMysqlDatabase(prefix = 'bk', chosenPassword?: string): Promise<MysqlDatabase> {
  const suffix = uniqueSuffix();
  const database = `${prefix}_${suffix}`;
  const user = `u_${suffix}`;
  const password = chosenPassword ?? `${AWKWARD_PASSWORD_CHARS}${suffix}`;
  await mysqlRoot(
    `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;` +
      `CREATE USER '${user}'@'%' IDENTIFIED BY ${quote(password)};` +
      `CREATE USER '${user}'@'localhost' IDENTIFIED BY ${quote(password)};` +
      `GRANT ALL ON \`${database}\`.* TO '${user}'@'%';` +
      `GRANT ALL ON \`${database}\`.* TO '${user}'@'localhost';`,
  );
  return {
    database,
    user,
    password,
    host: '127.0.0.1',
    port: 3306,
    async drop() {
      await mysqlRoot(
        `DROP DATABASE IF EXISTS \`${database}\`; DROP USER IF EXISTS '${user}'@'%'; DROP USER IF EXISTS '${user}'@'localhost';`,
      );
    },
  };
}

/**
 * A WordPress-like schema with what dumps get wrong: utf8mb4 text (emoji), binary data, JSON, a
 * trigger, a view, a procedure, a function and an event. `rows` sizes the posts table.
 */
export async function seedWordpressSchema(db: MysqlDatabase, rows = 50): Promise<void> {
  const definer = `DEFINER='${db.user}'@'%'`;
  const statements = [
    `CREATE TABLE wp_posts (ID BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, post_title TEXT, post_content LONGTEXT, meta JSON, thumb BLOB, created DATETIME) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `CREATE TABLE wp_audit (id INT AUTO_INCREMENT PRIMARY KEY, post_id BIGINT, action VARCHAR(20)) ENGINE=InnoDB`,
    `CREATE TABLE wp_options (option_id INT AUTO_INCREMENT PRIMARY KEY, option_name VARCHAR(191) UNIQUE, option_value LONGTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `CREATE ${definer} TRIGGER wp_posts_audit AFTER INSERT ON wp_posts FOR EACH ROW INSERT INTO wp_audit (post_id, action) VALUES (NEW.ID, 'insert')`,
    `CREATE ${definer} VIEW wp_titles AS SELECT ID, post_title FROM wp_posts`,
    `CREATE ${definer} PROCEDURE wp_count_posts(OUT n INT) SELECT COUNT(*) INTO n FROM wp_posts`,
    `CREATE ${definer} FUNCTION wp_title_upper(i BIGINT) RETURNS TEXT READS SQL DATA RETURN (SELECT UPPER(post_title) FROM wp_posts WHERE ID = i)`,
    `CREATE ${definer} EVENT wp_cleanup ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM wp_audit WHERE id < 0`,
    `INSERT INTO wp_options (option_name, option_value) VALUES ('siteurl', 'https://example.test'), ('blogname', 'Ünïcödé 🚀 “quotes” \\\\ back\\\\slash ''single''')`,
    `INSERT INTO wp_posts (post_title, post_content, meta, thumb, created)
       SELECT CONCAT('Post ', seq, ' — ñandú 🦜'), REPEAT(CONCAT('Línea ', seq, ' de texto; '), 1 + seq % 20),
              JSON_OBJECT('views', seq * 7, 'tags', JSON_ARRAY('a', 'ü', seq)), UNHEX(SHA2(seq, 256)) , '2024-01-01 00:00:00' + INTERVAL seq MINUTE
       FROM seq_1_to_${rows}`,
    `INSERT INTO wp_posts (post_title, post_content, meta, thumb, created) VALUES ('binary edge', '', '{}', UNHEX('00FF0D0A1A5C27220009'), NOW())`,
  ];
  for (const statement of statements) await mysqlRoot(statement, db.database);
}

/** A fingerprint of a database: per table its row count and CHECKSUM, plus its triggers, views, routines and events. */
export async function fingerprintMysql(database: string): Promise<Record<string, string>> {
  const tables = (
    await mysqlRoot(
      `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='${database}' AND TABLE_TYPE='BASE TABLE' ORDER BY 1`,
    )
  )
    .trim()
    .split('\n')
    .filter(Boolean);
  const print: Record<string, string> = {};
  for (const table of tables) {
    const count = (await mysqlRoot(`SELECT COUNT(*) FROM \`${table}\``, database)).trim();
    const checksum = (await mysqlRoot(`CHECKSUM TABLE \`${table}\``, database)).trim().split('\t')[1];
    print[`table ${table}`] = `${count} rows, checksum ${checksum}`;
  }
  const list = async (sql: string) => (await mysqlRoot(sql)).trim().split('\n').join(',');
  print.triggers = await list(
    `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='${database}' ORDER BY 1`,
  );
  print.views = await list(
    `SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA='${database}' ORDER BY 1`,
  );
  print.routines = await list(
    `SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='${database}' ORDER BY 1`,
  );
  print.events = await list(
    `SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA='${database}' ORDER BY 1`,
  );
  return print;
}

/**
 * Adds a table `fill` of `rows` rows holding `bytesEach` random (incompressible) bytes each, so a dump
 * of the database is about rows x bytesEach after compression.
 */
export async function addRandomRows(db: MysqlDatabase, rows: number, bytesEach: number): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  await mysqlRoot(
    'CREATE TABLE IF NOT EXISTS fill (id INT AUTO_INCREMENT PRIMARY KEY, data LONGBLOB) ENGINE=InnoDB',
    db.database,
  );
  const statements = Array.from(
    { length: rows },
    () => `INSERT INTO fill (data) VALUES (UNHEX('${randomBytes(bytesEach).toString('hex')}'));`,
  );
  await mysqlImport(db.database, statements.join('\n'));
}

/** A second user of `db` holding only `privileges` on it (e.g. the WordPress-hardening set), with a default role if given. */
export async function createRestrictedUser(
  db: MysqlDatabase,
  privileges: string[],
  role?: { name: string; privileges: string[] },
): Promise<{ user: string; password: string; drop(): Promise<void> }> {
  const suffix = uniqueSuffix();
  const user = `r_${suffix}`;
  const password = `${AWKWARD_PASSWORD_CHARS}${suffix}`;
  const on = `\`${db.database}\`.*`;
  const statements: string[] = [];
  if (role) statements.push(`CREATE ROLE ${role.name}`, `GRANT ${role.privileges.join(', ')} ON ${on} TO ${role.name}`);
  for (const host of ['%', 'localhost']) {
    statements.push(
      `CREATE USER '${user}'@'${host}' IDENTIFIED BY ${quote(password)}`,
      `GRANT ${privileges.join(', ')} ON ${on} TO '${user}'@'${host}'`,
    );
    if (role)
      statements.push(
        `GRANT ${role.name} TO '${user}'@'${host}'`,
        `SET DEFAULT ROLE ${role.name} FOR '${user}'@'${host}'`,
      );
  }
  await mysqlRoot(statements.map((statement) => `${statement};`).join(''));
  return {
    user,
    password,
    async drop() {
      await mysqlRoot(
        `DROP USER IF EXISTS '${user}'@'%'; DROP USER IF EXISTS '${user}'@'localhost';${role ? ` DROP ROLE IF EXISTS ${role.name};` : ''}`,
      );
    },
  };
}
