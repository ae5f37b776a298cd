import { describe, expect, it } from 'vitest';
import { buildDumpCommand, MYSQLDUMP_FLAGS } from '../../../agent/process/db-commands';

describe('buildDumpCommand', () => {
  const secret = 'pa"ss\\wo:rd';

  it('builds mysqldump with the defaults file first, the agreed flags, and the password only in the file', () => {
    const plan = buildDumpCommand(
      { engine: 'mysql', database: 'wp', user: 'u', password: secret, host: 'db', port: 3307 },
      '/tmp/s/my.cnf',
    );
    expect(plan.command).toEqual({
      file: 'mysqldump',
      args: ['--defaults-extra-file=/tmp/s/my.cnf', ...MYSQLDUMP_FLAGS, '--max-allowed-packet=1G', 'wp'],
    });
    expect(MYSQLDUMP_FLAGS).toEqual([
      '--single-transaction',
      '--quick',
      '--routines',
      '--triggers',
      '--events',
      '--hex-blob',
      '--default-character-set=utf8mb4',
      '--no-tablespaces',
    ]);
    expect(plan.secretFile.contents).toBe('[client]\nuser="u"\npassword="pa\\"ss\\\\wo:rd"\nhost="db"\nport=3307\n');
    expect(JSON.stringify(plan.command)).not.toContain('wo:rd');
    expect(plan.secrets).toEqual([secret]);
  });

  it('leaves out the schema parts the user may not dump, and takes the configured packet size', () => {
    const plan = buildDumpCommand({ engine: 'mysql', database: 'wp', user: 'u', password: 'p' }, '/s', {
      skip: ['events'],
      maxAllowedPacket: '256M',
    });
    expect(plan.command.args).toEqual([
      '--defaults-extra-file=/s',
      '--single-transaction',
      '--quick',
      '--routines',
      '--triggers',
      '--skip-events',
      '--hex-blob',
      '--default-character-set=utf8mb4',
      '--no-tablespaces',
      '--max-allowed-packet=256M',
      'wp',
    ]);
  });

  it('builds pg_dump in tar format with a password file, and a database name that cannot be read as a connection string', () => {
    const plan = buildDumpCommand(
      { engine: 'postgres', database: "app host=evil'", user: 'u', password: secret, socket: '/run/postgresql' },
      '/tmp/s/pgpass',
    );
    expect(plan.command).toEqual({
      file: 'pg_dump',
      args: [
        '--format=tar',
        '--no-password',
        '--host=/run/postgresql',
        '--username=u',
        "--dbname=dbname='app host=evil\\''",
      ],
      env: { PGPASSFILE: '/tmp/s/pgpass', PGCONNECT_TIMEOUT: '15' },
    });
    expect(plan.secretFile.contents).toBe('*:*:*:u:pa"ss\\\\wo\\:rd\n');
  });

  it('has pg_dump write the file the agent names, as one --file= argument', () => {
    const plan = buildDumpCommand(
      { engine: 'postgres', database: 'app', user: 'u', password: 'p' },
      '/s',
      {},
      '/b/app/.1700000000.tar.partial',
    );
    expect(plan.command.args.slice(-1)).toEqual(['--file=/b/app/.1700000000.tar.partial']);
    expect(plan.command.args.filter((arg) => arg.startsWith('--file'))).toHaveLength(1);
  });

  it('refuses a database name that would read as an option', () => {
    expect(() =>
      buildDumpCommand({ engine: 'mysql', database: '--all-databases', user: 'u', password: '' }, '/x'),
    ).toThrow(/starts with "-"/);
  });
});
