import { describe, expect, it } from 'vitest';
import { buildDumpCommand, buildImportCommand } from '../../../agent/process/db-commands';
import { planDumpFeatures, type SchemaFeatures } from '../../../agent/steps/mysql-dump-features';

const none: SchemaFeatures = { sequenceDefaults: [], versionedTables: [], transactionPreciseTables: [] };

describe('planDumpFeatures: dump flags from what the schema holds', () => {
  it.each([
    ['a plain schema', none, true, { addLocks: true, dumpHistory: false, notIncluded: [] }],
    [
      'a NEXTVAL default (cannot load under LOCK TABLES)',
      { ...none, sequenceDefaults: ['orders.id'] },
      true,
      { addLocks: false, dumpHistory: false, notIncluded: [] },
    ],
    [
      'timestamp-versioned tables and a tool with --dump-history',
      { ...none, versionedTables: ['prices', 'stock'] },
      true,
      { addLocks: true, dumpHistory: true, notIncluded: [] },
    ],
    [
      'versioned tables and a mysqldump without --dump-history',
      { ...none, versionedTables: ['prices'] },
      false,
      {
        addLocks: true,
        dumpHistory: false,
        notIncluded: [
          "history of system-versioned tables prices: this server's mysqldump has no --dump-history (mariadb-dump 10.11+ has); only their current rows are in the dump",
        ],
      },
    ],
    [
      'a transaction-precise versioned table (--dump-history would fail the dump)',
      { sequenceDefaults: ['a.id'], versionedTables: ['prices', 'ledger'], transactionPreciseTables: ['ledger'] },
      true,
      {
        addLocks: false,
        dumpHistory: false,
        notIncluded: [
          'history of system-versioned tables prices, ledger: ledger keep transaction-precise history, which mariadb-dump --dump-history refuses (it would fail the whole dump); only their current rows are in the dump',
        ],
      },
    ],
    ['an unknown schema (the probe failed)', undefined, true, { addLocks: false, dumpHistory: false, notIncluded: [] }],
  ])('dumps %s', (_title, features, supportsDumpHistory, plan) => {
    expect(planDumpFeatures(features, { supportsDumpHistory })).toEqual(plan);
  });

  it('turns the plan into mysqldump flags', () => {
    const db = { engine: 'mysql' as const, database: 'shop', user: 'u', password: 'p' };
    const plain = buildDumpCommand(db, '/s').command.args;
    expect(plain).not.toContain('--skip-add-locks');
    expect(plain).not.toContain('--dump-history');
    const args = buildDumpCommand(db, '/s', { addLocks: false, dumpHistory: true }).command.args;
    expect(args.slice(-4)).toEqual(['--skip-add-locks', '--dump-history', '--max-allowed-packet=1G', 'shop']);
  });

  it('imports with --comments, so comments inside routines, triggers and events survive', () => {
    const db = { engine: 'mysql' as const, database: 'shop', user: 'u', password: 'p' };
    expect(buildImportCommand(db, '/s', '/d.sql.gz').command.args).toContain('--comments');
  });
});
