import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareManifests } from '../../../common/dump-manifest';
import { readDatabaseManifest } from '../../../agent/manifest/database-manifest';
import { MysqlDumpScanner } from '../../../agent/manifest/mysql-dump-scanner';
import { MYSQLDUMP_FLAGS } from '../../../agent/process/db-commands';
import { createMysqlDatabase, mysqlRoot, type MysqlDatabase } from '../../services/mariadb';

/** Feeds `sql` to a fresh scanner in pieces of `chunk` bytes (0: one piece). */
const scan = (sql: Buffer, chunk: number) => {
  const scanner = new MysqlDumpScanner();
  if (chunk === 0) scanner.write(sql);
  else for (let i = 0; i < sql.length; i += chunk) scanner.write(sql.subarray(i, i + chunk));
  return scanner.result();
};

const connection = (database: string) => ({
  engine: 'mysql' as const,
  database,
  user: 'root',
  password: '',
  socket: '/run/mysqld/mysqld.sock',
});

// Values that break a naive scanner: tuple separators, quotes and semicolons in strings, backslash runs
// (even and odd) before a quote, newlines, an INSERT at the start of a line inside a string, long strings
// (past the byte-by-byte stretch) with escaped quotes, multibyte text, and every byte value in a blob.
const AWKWARD_STRINGS = [
  'a),(b',
  "'),('x",
  "it's; (not) a row",
  'back\\slash',
  'ends with a backslash\\',
  'two\\\\',
  "\\'",
  'line one\nINSERT INTO `awk` VALUES (99),(98);\nline three',
  ');\n',
  `${'x'.repeat(40)}\\'${'y'.repeat(40)}'),(`,
  `${'\\'.repeat(31)}`,
  `${'q'.repeat(23)}'`,
  'ünïcödé ✓ 😀 ),(',
  '',
  'DELIMITER ;;',
];
const sqlString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

describe('the MariaDB dump scanner on awkward data', () => {
  let db: MysqlDatabase;
  let scratch: MysqlDatabase;
  beforeAll(async () => {
    [db, scratch] = await Promise.all([createMysqlDatabase(), createMysqlDatabase()]);
    const values = AWKWARD_STRINGS.map((value, index) => `(${index}, ${sqlString(value)}, ${sqlString(value)})`);
    const blobRows = Array.from(
      { length: 20 },
      (_, row) =>
        `(${row}, 0x${Buffer.from(Array.from({ length: 256 + row * 97 }, (_, i) => (i * 7 + row) % 256)).toString('hex')})`,
    );
    await mysqlRoot(
      [
        'CREATE TABLE `awk` (id int, s text, t varchar(300))',
        `INSERT INTO \`awk\` VALUES ${values.join(', ')}`,
        // The same rows again, many times over: long statements that cross every chunk boundary.
        ...Array.from({ length: 40 }, () => 'INSERT INTO `awk` SELECT * FROM `awk` LIMIT 15'),
        'CREATE TABLE `bin` (id int, b longblob)',
        `INSERT INTO \`bin\` VALUES ${blobRows.join(', ')}`,
        'CREATE TABLE `empty` (id int)',
        'CREATE TABLE `we(ird``na;me),(` (id int, `co``l),(` text)',
        "INSERT INTO `we(ird``na;me),(` VALUES (1, 'a'), (2, NULL), (3, '\\\\')",
        'CREATE TABLE `numbers` (id int, f double, d decimal(10,2), n int)',
        'INSERT INTO `numbers` VALUES (1, -1.5e-20, -3.25, NULL), (2, 1e300, 0, -7)',
      ].join(';\n'),
      db.database,
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all([db?.drop(), scratch?.drop()]);
  });

  // The agent's flags, and the forms a dump made elsewhere may take.
  const FLAG_SETS: [string, string[]][] = [
    ['the agent flags', [...MYSQLDUMP_FLAGS]],
    ['one row per statement', [...MYSQLDUMP_FLAGS, '--skip-extended-insert']],
    ['small statements', [...MYSQLDUMP_FLAGS, '--net-buffer-length=4096']],
    ['column lists', [...MYSQLDUMP_FLAGS, '--complete-insert']],
    ['binary as strings', MYSQLDUMP_FLAGS.filter((flag) => flag !== '--hex-blob')],
    ['INSERT IGNORE', [...MYSQLDUMP_FLAGS, '--insert-ignore']],
    ['REPLACE', [...MYSQLDUMP_FLAGS, '--replace']],
  ];

  it.each(FLAG_SETS)(
    'counts exactly the rows mysql restores from the dump (%s), whatever the chunking',
    async (_label, flags) => {
      const sql = execFileSync('mysqldump', ['-uroot', ...flags, db.database], { maxBuffer: 1 << 28 });
      const live = await readDatabaseManifest(connection(db.database));
      expect(live.rows.awk).toBeGreaterThan(AWKWARD_STRINGS.length);
      // Restore it as is and count what mysql itself made of it.
      await mysqlRoot(`DROP DATABASE \`${scratch.database}\`; CREATE DATABASE \`${scratch.database}\``);
      execFileSync('mysql', ['-uroot', scratch.database], { input: sql });
      const restored = await readDatabaseManifest(connection(scratch.database));
      expect(restored.rows).toEqual(live.rows);
      for (const chunk of [0, 1, 2, 3, 5, 24, 25, 4096, 65536]) {
        const fromDump = scan(sql, chunk);
        expect({ chunk, rows: fromDump.rows }).toEqual({ chunk, rows: restored.rows });
        expect(compareManifests(restored, fromDump)).toEqual([]);
      }
    },
    120_000,
  );

  it('counts a string that ends exactly at a chunk boundary after a backslash', () => {
    const sql = Buffer.from("CREATE TABLE `t` (\n);\nINSERT INTO `t` VALUES ('a\\\\'),('b\\''),('c');\n");
    for (let cut = 1; cut < sql.length; cut++) {
      const scanner = new MysqlDumpScanner();
      scanner.write(sql.subarray(0, cut));
      scanner.write(sql.subarray(cut));
      expect({ cut, rows: scanner.result().rows }).toEqual({ cut, rows: { t: 3 } });
    }
  });
});
