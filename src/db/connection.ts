import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { StatementCachingSqliteClient } from './sqlite-client';

export type Db = Knex;

// Instants are stored as epoch milliseconds in BIGINT columns: identical on SQLite and PostgreSQL,
// index-friendly and free of timezone conversions. pg returns BIGINT as a string by default;
// epoch milliseconds stay far below 2^53, so a plain number is exact.
pg.types.setTypeParser(20, (v: string) => Number(v));

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

/**
 * What every connection shares whatever the database: knex's own messages (a connection that
 * could not be opened or was cut, deprecations) go to the service's JSON log instead of the
 * console, and a failed query's error message carries its SQL with placeholders, not the bound
 * values — those may be a citizen's name or phone number, and the message ends up in the log.
 */
function common(logger: Logger): Pick<Knex.Config, 'log' | 'compileSqlOnError'> {
  const db = logger.child({ component: 'knex' });
  return {
    compileSqlOnError: false,
    log: {
      warn: (message: unknown) => db.warn(String(message)),
      error: (message: unknown) => db.error(String(message)),
      // knex hands its deprecation notice over already written out, as the one argument.
      deprecate: (message: string) => db.warn(String(message)),
      debug: (message: unknown) => db.debug(String(message)),
    },
  };
}

export function createDb(database: Config['database'], logger: Logger): Db {
  if (database.client === 'pg') {
    return knexFactory({
      ...common(logger),
      client: 'pg',
      // No JIT: its compile time (≈ 0.2 s for the period report) is never won back by this
      // service's queries, which read index ranges of at most a few hundred thousand rows.
      connection: { connectionString: database.url, options: '-c jit=off' },
      pool: { min: 0, max: database.poolMax },
    });
  }
  if (database.filename !== ':memory:') fs.mkdirSync(path.dirname(database.filename), { recursive: true });
  return knexFactory({
    ...common(logger),
    client: StatementCachingSqliteClient as unknown as typeof Knex.Client,
    connection: { filename: database.filename },
    useNullAsDefault: true,
    // One connection: SQLite allows one writer anyway, and a single connection makes every
    // transaction see the same database state. WAL lets the `henlai` CLI read while the server writes.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        conn.exec(
          'PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;',
          (err) => done(err, conn),
        );
      },
    },
  });
}

/** A unique constraint refused the write (two requests raced for the same key). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23505' || /UNIQUE constraint failed/.test(e.message ?? '');
}

export function isPostgres(db: Db): boolean {
  return db.client.config.client === 'pg';
}

/** knex.raw answers { rows } on PostgreSQL and the rows themselves on SQLite. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return (result as { rows?: Record<string, unknown>[] }).rows ?? [];
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ directory: MIGRATIONS_DIR, loadExtensions: ['.ts'] })) as [number, string[]];
  return applied;
}
