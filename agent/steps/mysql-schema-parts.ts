import type { DbConnection } from '../config/db-credentials';
import { CommandFailedError, messageOf } from '../errors';
import { queryDatabase } from '../process/db-client';

/** The parts of a MySQL/MariaDB schema that mysqldump includes only when told to, and only if the user may. */
export type SchemaPart = 'events' | 'routines' | 'triggers';

/** What the app's database user may see of its schema's events, triggers and routines. */
export interface SchemaVisibility {
  /** `'user'@'host'` as the server knows the user. */
  account: string;
  /** Privilege types the user holds on the database (globally or on it), not counting roles. */
  privileges: string[];
  /** Whether `SHOW EVENTS` is allowed (mysqldump --events fails without it); checked directly, roles included. */
  mayShowEvents: boolean;
  /** Routines (`PROCEDURE name`) the user sees but whose definition it may not read. */
  hiddenRoutines: string[];
}

/** Which parts to leave out of the dump, and what the report must say about what is not in it. */
export interface SchemaPartsPlan {
  skip: SchemaPart[];
  notIncluded: string[];
}

/** The schema has objects the user can see but the dump cannot include: the backup would be incomplete. */
export class SchemaNotDumpableError extends Error {
  override name = 'SchemaNotDumpableError';
}

const ROUTINE_PRIVILEGES = ['EXECUTE', 'ALTER ROUTINE', 'CREATE ROUTINE'];

/**
 * Decides what the dump can include (pure). MySQL and MariaDB hide events from a user without EVENT,
 * triggers from one without TRIGGER, and routines it did not define from one without a routine
 * privilege: what the user cannot see is not in the dump, so the report says so and which grant would
 * include it. What it can see but not dump (a routine whose definition it may not read) would leave
 * the backup incomplete: that throws SchemaNotDumpableError naming the objects and the grant needed.
 */
export function planSchemaParts(visibility: SchemaVisibility, database: string): SchemaPartsPlan {
  const { account } = visibility;
  const held = new Set(visibility.privileges.map((privilege) => privilege.toUpperCase()));
  const has = (privilege: string) => held.has(privilege) || held.has('ALL PRIVILEGES');
  const on = `\`${database.replace(/`/g, '``')}\`.*`;
  if (visibility.hiddenRoutines.length > 0) {
    throw new SchemaNotDumpableError(
      `${database} has routines that ${account} may see but not read, so the dump cannot include them: ${visibility.hiddenRoutines.join(', ')} ` +
        `(make ${account} their DEFINER, or GRANT SELECT ON mysql.proc TO ${account}; MariaDB 11.3+: GRANT SHOW CREATE ROUTINE ON ${on}; MySQL 8: GRANT SHOW_ROUTINE ON *.*)`,
    );
  }
  const skip: SchemaPart[] = [];
  const notIncluded: string[] = [];
  if (!visibility.mayShowEvents) {
    skip.push('events');
    notIncluded.push(
      `events: ${account} lacks the EVENT privilege on ${database}, and the server shows such a user no events, so whether ${database} has any cannot be checked (GRANT EVENT ON ${on} TO ${account} to include them)`,
    );
  }
  if (!has('TRIGGER')) {
    notIncluded.push(
      `triggers: ${account} lacks the TRIGGER privilege on ${database}; triggers of tables it holds no TRIGGER on are hidden from it and not in the dump (GRANT TRIGGER ON ${on} TO ${account} to include them)`,
    );
  }
  if (!ROUTINE_PRIVILEGES.some(has)) {
    notIncluded.push(
      `routines: ${account} holds none of ${ROUTINE_PRIVILEGES.join(', ')} on ${database}; routines it did not define are hidden from it and not in the dump (GRANT EXECUTE ON ${on} TO ${account} to check them)`,
    );
  }
  return { skip, notIncluded };
}

const VISIBILITY_SQL = `
SET @me = CONCAT("'", SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "'@'", SUBSTRING_INDEX(CURRENT_USER(), '@', -1), "'");
SELECT 'account', @me
UNION ALL SELECT 'privilege', PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = @me
UNION ALL SELECT 'privilege', PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = @me AND DATABASE() LIKE TABLE_SCHEMA
UNION ALL SELECT 'hidden routine', CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME)
  FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_DEFINITION IS NULL`;

/** Asks the server, as the app's user, what it may see (two short client runs before the dump). */
export async function probeSchemaVisibility(db: DbConnection, signal?: AbortSignal): Promise<SchemaVisibility> {
  // The two queries run at once: one client start-up less before the dump (the database step's fixed time).
  const [rows, mayShowEvents] = await Promise.all([
    queryDatabase(db, VISIBILITY_SQL, signal),
    queryDatabase(db, 'SHOW EVENTS', signal).then(
      () => true,
      (error: unknown) => {
        // 1044: access denied to the database for SHOW EVENTS; anything else is not about privileges.
        if (error instanceof CommandFailedError && /\bERROR 1044\b/.test(error.stderrTail)) return false;
        throw new Error(
          `checking whether ${db.user} may dump the events of ${db.database} failed: ${messageOf(error)}`,
          {
            cause: error,
          },
        );
      },
    ),
  ]);
  const values = (kind: string) => rows.filter(([what]) => what === kind).map(([, value]) => value);
  return {
    account: values('account')[0] ?? db.user,
    privileges: values('privilege'),
    mayShowEvents,
    hiddenRoutines: values('hidden routine'),
  };
}
