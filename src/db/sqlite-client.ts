/**
 * knex's SQLite client, keeping each connection's prepared statements.
 *
 * node-sqlite3 prepares every query afresh and throws the statement away. For the joins behind
 * the citizen's page and the dispatcher's reads, preparing (parsing the SQL, resolving every
 * column against the schema) costs more than running them: ~100 µs of ~175 µs. knex builds the
 * same SQL text for the same query shape, so statements are kept per connection keyed by their
 * SQL, the least recently used finalized beyond STATEMENTS_PER_CONNECTION. SQLite re-prepares a
 * kept statement by itself when the schema changes (migrations), and one that ends in an error
 * is dropped rather than trusted again. SQL longer than CACHEABLE_SQL_CHARS (multi-row inserts,
 * which are never the same twice) goes the driver's usual way.
 */
import { promisify } from 'node:util';
// knex publishes no types for its dialect classes (so no typed import); the little used here is declared below.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BaseClient = require('knex/lib/dialects/sqlite3') as SqliteClientClass;

const STATEMENTS_PER_CONNECTION = 256;
const CACHEABLE_SQL_CHARS = 4000;

type Callback<T> = (this: RunContext, err: Error | null, result: T) => void;

/** What node-sqlite3 sets on `this` in a `run` callback: knex reads it for inserts and updates. */
interface RunContext {
  lastID?: number;
  changes?: number;
}

interface Statement extends RunContext {
  all(params: unknown[], cb: Callback<unknown[]>): void;
  run(params: unknown[], cb: Callback<undefined>): void;
  finalize(cb: (err: Error | null) => void): void;
}

interface Connection {
  prepare(sql: string, cb: (err: Error | null) => void): Statement;
  close(cb: (err: Error | null) => void): void;
}

/** The query object knex hands its dialect: SQL, bindings, and the method that decides `run` or `all`. */
interface QueryObject {
  sql: string;
  bindings?: unknown[];
  method?: string;
  returning?: unknown;
  response?: unknown;
  context?: RunContext;
}

interface SqliteClient {
  _query(connection: Connection, obj: QueryObject): Promise<QueryObject>;
  destroyRawConnection(connection: Connection): Promise<void>;
}

type SqliteClientClass = new (config: object) => SqliteClient;

const kept = new WeakMap<Connection, Map<string, Promise<Statement>>>();

function statementsOf(connection: Connection): Map<string, Promise<Statement>> {
  let statements = kept.get(connection);
  if (!statements) {
    statements = new Map();
    kept.set(connection, statements);
  }
  return statements;
}

/** Finalizing waits behind whatever the statement still has queued, so it is safe mid-use. */
function finalize(statement: Promise<Statement>): Promise<void> {
  return statement.then(
    (s) => new Promise<void>((resolve) => s.finalize(() => resolve())),
    () => undefined,
  );
}

function prepared(connection: Connection, sql: string): Promise<Statement> {
  const statements = statementsOf(connection);
  const hit = statements.get(sql);
  if (hit) {
    // Most recently used last, so that the first key is the one to drop.
    statements.delete(sql);
    statements.set(sql, hit);
    return hit;
  }
  const statement = new Promise<Statement>((resolve, reject) => {
    const s = connection.prepare(sql, (err) => (err ? reject(err) : resolve(s)));
  });
  statements.set(sql, statement);
  statement.catch(() => forget(connection, sql, statement));
  if (statements.size > STATEMENTS_PER_CONNECTION) {
    const [oldest] = statements.keys();
    const dropped = statements.get(oldest) as Promise<Statement>;
    statements.delete(oldest);
    void finalize(dropped);
  }
  return statement;
}

function forget(connection: Connection, sql: string, statement: Promise<Statement>): void {
  const statements = kept.get(connection);
  if (statements?.get(sql) !== statement) return;
  statements.delete(sql);
  void finalize(statement);
}

/** The same choice knex's SQLite dialect makes: `run` when knex needs lastID/changes, `all` otherwise. */
function methodFor(obj: QueryObject): 'run' | 'all' {
  switch (obj.method) {
    case 'insert':
    case 'update':
      return obj.returning ? 'all' : 'run';
    case 'counter':
    case 'del':
      return 'run';
    default:
      return 'all';
  }
}

export class StatementCachingSqliteClient extends BaseClient {
  override async _query(connection: Connection, obj: QueryObject): Promise<QueryObject> {
    // Other processes (the `henlai` commands, a second dispatcher) write to the same file. A
    // deferred BEGIN that reads and then writes fails at once with SQLITE_BUSY when another
    // process wrote in between; taking the write lock at BEGIN makes it wait (busy_timeout).
    if (obj.sql === 'BEGIN;') obj.sql = 'BEGIN IMMEDIATE;';
    if (!obj.sql || obj.sql.length > CACHEABLE_SQL_CHARS) return super._query(connection, obj);
    const statement = prepared(connection, obj.sql);
    const s = await statement;
    const method = methodFor(obj);
    return new Promise<QueryObject>((resolve, reject) => {
      const done = function (this: RunContext, err: Error | null, response: unknown[] | undefined) {
        if (err) {
          forget(connection, obj.sql, statement);
          return reject(err);
        }
        obj.response = response;
        obj.context = this;
        resolve(obj);
      };
      if (method === 'run') s.run(obj.bindings ?? [], done);
      else s.all(obj.bindings ?? [], done);
    });
  }

  override async destroyRawConnection(connection: Connection): Promise<void> {
    const statements = kept.get(connection);
    kept.delete(connection);
    // node-sqlite3 refuses to close a database with statements not yet finalized.
    if (statements) await Promise.all([...statements.values()].map(finalize));
    await promisify((cb: (err: Error | null) => void) => connection.close(cb))();
  }
}
