import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logger';
import { StatementCachingSqliteClient } from './sqlite-client';

/**
 * The database as the service holds it. Inside `db.transaction(fn)` it *is* that transaction: every
 * query made through it — by `fn`, or by anything `fn` calls, handed the transaction or not — runs
 * in the transaction (see unitOfWork).
 */
export type Db = Knex;

/** Which database to open: config.ts reads it from DATABASE_URL. */
export type DatabaseSettings = { client: 'sqlite'; filename: string } | { client: 'pg'; url: string; poolMax: number };

// Instants are stored as epoch milliseconds in BIGINT columns: identical on SQLite and PostgreSQL,
// index-friendly and free of timezone conversions. pg returns BIGINT as a string by default;
// epoch milliseconds stay far below 2^53, so a plain number is exact.
pg.types.setTypeParser(20, (v: string) => Number(v));

/** Beside the code that runs them: migrations/*.ts under tsx, dist/migrations/*.js compiled. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

/**
 * The migrations, under the names knex_migrations has always recorded: `<stem>.ts`. A compiled
 * tree runs dist/migrations/*.js; recorded under their own names, they would look like unknown
 * migrations to a database migrated under tsx (knex then refuses to run: "migration directory is
 * corrupt") and the .ts ones pending again. One name per migration, whichever file runs it.
 */
class MigrationFiles implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.js$/, '.ts');
  }

  getMigration(file: string): Promise<Knex.Migration> {
    // A path known only at run time (src/ or dist/): no static import can name it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return Promise.resolve(require(path.join(MIGRATIONS_DIR, file)) as Knex.Migration);
  }
}

/** What migrate.latest / rollback / list need to find the migrations. */
export const MIGRATIONS: Knex.MigratorConfig = { migrationSource: new MigrationFiles() };

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

export function createDb(database: DatabaseSettings, logger: Logger): Db {
  return unitOfWork(connect(database, logger));
}

function connect(database: DatabaseSettings, logger: Logger): Knex {
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

/**
 * The transactions open in the current asynchronous call chain, by database. One storage for
 * every database of the process: Node hands every promise the process makes to each storage in
 * use, so one per database made each promise dearer with each database opened (the test suite
 * opens hundreds: a third of its CPU went there).
 */
const openTransactions = new AsyncLocalStorage<ReadonlyMap<Knex, Knex.Transaction>>();

/** Enclosing transactions (enclosingTransaction) and the savepoints inside them: each joinable. */
const enclosing = new WeakSet<Knex.Transaction>();
/** Each savepoint the unit of work opened, and the root transaction it belongs to. */
const rootOf = new WeakMap<Knex.Transaction, Knex.Transaction>();
/** The tables each root transaction wrote through a snapshot, and what to drop once it has ended. */
const written = new WeakMap<Knex.Transaction, Set<string>>();
const endHooks = new WeakMap<Knex.Transaction, Set<() => void>>();
/** The open transaction, as the unit of work's handle reports it. */
const OPEN = Symbol('the open transaction');
const openOf = (db: Db): Knex.Transaction | undefined => (db as unknown as Record<symbol, Knex.Transaction | undefined>)[OPEN];
const rootTransaction = (db: Db): Knex.Transaction | undefined => {
  const open = openOf(db);
  return open && (rootOf.get(open) ?? open);
};

/**
 * A transaction around work that itself opens transactions (a whole API request, for its
 * Idempotency-Key): each `db.transaction` inside joins it as a savepoint instead of being refused,
 * so everything the work does, and whatever is written last, commits together or not at all.
 */
export function enclosingTransaction<T>(db: Db, work: () => Promise<T>): Promise<T> {
  return db.transaction((trx) => {
    enclosing.add(trx);
    return work();
  });
}

/**
 * Whether a read of `table` may come from an in-memory snapshot of its committed rows: outside
 * transactions, and inside one (savepoints answer for their root transaction) as long as it has not
 * written the table. Such a transaction sees nothing of the table but committed rows: the snapshot
 * holds those, this process's own committed writes at once (a write drops it, and so does the end
 * of the transaction that wrote), another process's within its fingerprint recheck — the same
 * bound a read outside transactions has, and no use case locks these rows or needs a fresher read.
 * This holds only because the table is written through noteWritten's callers alone (CachedTable,
 * SigningRepository.saveSettings).
 */
export function readsCommittedRows(db: Db, table: string): boolean {
  const root = rootTransaction(db);
  return !root || !written.get(root)?.has(table);
}

/**
 * Notes that the open transaction wrote `table`: until it ends it reads the table from the
 * database, and `whenEnded` runs once it has committed or rolled back (a snapshot loaded by others
 * meanwhile holds rows from before the write).
 */
export function noteWritten(db: Db, table: string, whenEnded?: () => void): void {
  const root = rootTransaction(db);
  if (!root) return;
  written.set(root, (written.get(root) ?? new Set<string>()).add(table));
  if (whenEnded) endHooks.set(root, (endHooks.get(root) ?? new Set<() => void>()).add(whenEnded));
}

/**
 * Makes the transaction the unit of work rather than an argument each call must remember.
 *
 * A repository that fell back to the pool when its caller forgot the transaction waited for ever
 * on SQLite (the transaction holds its one connection) and on PostgreSQL silently wrote outside
 * the transaction. Here the open transaction is carried by the asynchronous call chain
 * (AsyncLocalStorage): through the returned handle, a query made while a transaction is open in
 * the same chain runs in it, so forgetting it is impossible. The mistake that remains is loud:
 * opening a second, independent transaction inside one (it would wait for ever on SQLite and escape
 * the first on PostgreSQL) throws. Work started inside a transaction that runs after it ended
 * (a timer, a promise not awaited) is not part of it and uses the pool.
 */
function unitOfWork(root: Knex): Db {
  const active = (): Knex.Transaction | undefined => {
    const trx = openTransactions.getStore()?.get(root);
    return trx && !trx.isCompleted() ? trx : undefined;
  };
  type Work = (trx: Knex.Transaction) => Promise<unknown>;
  const transaction = (work: unknown, config?: Knex.TransactionConfig): Promise<unknown> => {
    if (typeof work !== 'function') {
      throw new Error('db.transaction() needs its work as a function, db.transaction(async (trx) => …): a transaction opened without one would not be the unit of work');
    }
    const open = active();
    if (open && enclosing.has(open)) {
      // Inside a request's unit of work (enclosingTransaction): the work is a savepoint of it, so
      // its failure undoes only itself and its commit stands or falls with the enclosing one.
      return open.transaction((sp) => {
        enclosing.add(sp);
        rootOf.set(sp, rootOf.get(open) ?? open);
        return openTransactions.run(new Map(openTransactions.getStore()).set(root, sp), () => (work as Work)(sp));
      });
    }
    if (open) {
      throw new Error(
        'db.transaction() called while already inside a transaction: the inner one would wait for ever on SQLite and run outside the outer one on PostgreSQL. ' +
          'Call the work directly (it joins the open transaction), or use trx.transaction() for a savepoint.',
      );
    }
    let opened: Knex.Transaction | undefined;
    const ended = () => {
      for (const hook of (opened && endHooks.get(opened)) ?? []) hook();
    };
    return root
      .transaction((trx) => {
        opened = trx;
        return openTransactions.run(new Map(openTransactions.getStore()).set(root, trx), () => (work as Work)(trx));
      }, config)
      .finally(ended);
  };
  return new Proxy(root, {
    apply: (target, _this, args: unknown[]) => Reflect.apply(active() ?? target, undefined, args),
    get(target, property) {
      if (property === 'transaction') return transaction;
      if (property === OPEN) return active();
      const executor = active() ?? target;
      const value: unknown = Reflect.get(executor, property, executor);
      return typeof value === 'function' ? value.bind(executor) : value;
    },
  });
}

/**
 * Runs `effect` once what was written through `db` so far is committed: at once outside a
 * transaction; inside one, when the outermost transaction commits (a savepoint's release commits
 * nothing), and never if it rolls back. Inside a transaction it returns at once. `effect` must not
 * throw (nobody would hear it).
 */
export async function afterCommit(db: Db, effect: () => Promise<void>): Promise<void> {
  let trx = openOf(db) ?? (db.isTransaction ? (db as Knex.Transaction) : undefined);
  if (!trx) return effect();
  while (trx.parentTransaction) trx = trx.parentTransaction;
  // The rollback's error is the transaction's caller's to handle; here it only means "not committed".
  trx.executionPromise.then(effect, () => undefined);
}

/** The file of a SQLite database; null on PostgreSQL. */
export function sqliteFileOf(db: Db): string | null {
  if (isPostgres(db)) return null;
  return (db.client.config.connection as { filename: string }).filename;
}

/**
 * For work that is only correct inside a transaction — row locks, gapless numbers, writes that
 * stand or fall together: called outside one it throws instead of running piecemeal.
 */
export function requireTransaction(db: Db, what: string): void {
  if (!db.isTransaction) throw new Error(`${what} must run inside db.transaction(): outside one its writes would not stand or fall together`);
}

/** A unique constraint refused the write (two requests raced for the same key). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23505' || /UNIQUE constraint failed/.test(e.message ?? '');
}

/**
 * PostgreSQL aborted the transaction to break a deadlock (40P01) or because it could not be
 * serialised (40001): nothing of it was kept, and running it again may well succeed.
 */
export function isSerializationFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * `db.transaction(work)`, run again when PostgreSQL aborted it as a deadlock or a serialization
 * failure, a few times at most. The lock order (ApologyRepository.lockWithDossier) makes the
 * deadlocks we know of impossible; this is for the ones nobody foresaw, so that an officer does
 * not get a server error for a conflict that is gone a moment later. Only for work whose every
 * effect is in the database: the aborted attempt left none, so the next one starts clean.
 */
export async function transactionRetrying<T>(db: Db, work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      if (attempt >= attempts || !isSerializationFailure(err)) throw err;
    }
  }
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
  const [, applied] = (await db.migrate.latest(MIGRATIONS)) as [number, string[]];
  return applied;
}
