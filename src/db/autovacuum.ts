import type { Logger } from '../logger';
import { isPostgres, rowsOf, type Db } from './connection';

/**
 * Whether the PostgreSQL server runs without autovacuum. Each change of a dossier's state leaves a
 * dead row version behind; without autovacuum none is ever cleared and the tables are never
 * analysed, so the queries slow down all year (docs/operations.md, "PostgreSQL"). False on SQLite,
 * which has no such setting.
 */
export async function autovacuumIsOff(db: Db): Promise<boolean> {
  if (!isPostgres(db)) return false;
  const [row] = rowsOf(await db.raw(`select current_setting('autovacuum') as autovacuum`));
  return row?.autovacuum === 'off';
}

/**
 * For a process that starts on the database: the operator's log says once when autovacuum is off,
 * the one setting that slowed a replayed year's at-risk list 30-fold without any error to notice.
 * Answers whether it is off.
 */
export async function warnIfAutovacuumOff(db: Db, logger: Logger): Promise<boolean> {
  const off = await autovacuumIsOff(db);
  if (off) {
    logger.warn(
      { autovacuum: 'off' },
      'PostgreSQL autovacuum is off: dead rows will accumulate, tables will not be analysed and queries will slow down. ' +
        'Turn it on (ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();), see docs/operations.md, "PostgreSQL"',
    );
  }
  return off;
}
