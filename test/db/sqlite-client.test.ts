import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../src/db/connection';
import { createLogger } from '../../src/logger';

/**
 * The SQLite client keeps prepared statements and begins transactions with the write lock. These
 * tests use their own SQLite files (whatever database the suite runs on), since that is what
 * they are about.
 */
describe('SQLite client (kept statements, transactions that wait for each other)', function () {
  this.timeout(30_000);
  let dir: string;
  const opened: Db[] = [];
  const open = (): Db => {
    const db = createDb({ client: 'sqlite', filename: path.join(dir, 'henlai.sqlite') }, createLogger('silent'));
    opened.push(db);
    return db;
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-sqlite-client-'));
    await open().schema.createTable('t', (t) => {
      t.increments('id');
      t.string('code').unique().notNullable();
      t.integer('n').notNullable().defaultTo(0);
    });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.destroy()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a repeated query with fresh bindings and fresh data every time', async () => {
    const db = opened[0];
    for (let i = 1; i <= 5; i++) {
      const [id] = await db('t').insert({ code: `c${i}`, n: i });
      assert.equal(id, i, 'an insert reports the new row id (lastID) each time, not the first one again');
      const row = await db('t').where({ code: `c${i}` }).first();
      assert.equal(row?.n, i, `the same query with code c${i} must return that row, not an earlier one`);
    }
    const changed = await db('t').where('n', '>', 2).update({ n: 0 });
    assert.equal(changed, 3, 'an update reports how many rows it changed');
  });

  it('sees a column added after a query was first prepared', async () => {
    const db = opened[0];
    await db('t').insert({ code: 'a' });
    assert.deepEqual(Object.keys((await db('t').select('*').first()) ?? {}), ['id', 'code', 'n']);
    await db.schema.alterTable('t', (t) => t.string('note'));
    assert.deepEqual(
      Object.keys((await db('t').select('*').first()) ?? {}),
      ['id', 'code', 'n', 'note'],
      'a kept `select *` must be prepared again once the table changed',
    );
  });

  it('reports an error, and the same statement works again afterwards', async () => {
    const db = opened[0];
    await db('t').insert({ code: 'dup' });
    await assert.rejects(db('t').insert({ code: 'dup' }), /UNIQUE constraint failed/, 'a second row with the same code is refused');
    const [id] = await db('t').insert({ code: 'other' });
    assert.ok(id > 1, 'the insert statement is usable after it failed once');
    await assert.rejects(db.raw('select * from no_such_table'), /no such table/, 'SQL that cannot be prepared is reported as an error');
  });

  it('stays correct when more distinct queries run than it keeps, and closes cleanly', async () => {
    const db = opened[0];
    await db('t').insert({ code: 'x', n: 7 });
    for (let i = 0; i < 600; i++) {
      const row = await db('t').select(db.raw(`n + ${i} as v`)).where({ code: 'x' }).first();
      assert.equal(row?.v, 7 + i, `query ${i} of 600 distinct ones gave a wrong answer`);
    }
    // The pool only logs a connection that failed to close, so listen for it.
    const closeFailures: unknown[] = [];
    const pool = (db.client as { pool: { on(event: string, f: (id: unknown, err: unknown) => void): void } }).pool;
    pool.on('destroyFail', (_id, err) => {
      closeFailures.push(err);
    });
    await db.destroy();
    opened.splice(opened.indexOf(db), 1);
    assert.deepEqual(closeFailures, [], 'the connection must close; SQLite refuses while prepared statements are still open');
  });

  it('a transaction that reads then writes waits for another connection’s write instead of failing with SQLITE_BUSY', async () => {
    const a = opened[0];
    const b = open(); // another connection to the same file, as another process would have
    await a('t').insert({ code: 'k', n: 0 });
    let releaseA: () => void = () => undefined;
    const aMayFinish = new Promise<void>((resolve) => (releaseA = resolve));
    const txA = a.transaction(async (trx) => {
      const row = await trx('t').where({ code: 'k' }).first();
      await aMayFinish;
      await trx('t').where({ code: 'k' }).update({ n: Number(row?.n) + 1 });
    });
    // Give A time to begin and read before B writes.
    await new Promise((r) => setTimeout(r, 50));
    const writeB = b.transaction(async (trx) => {
      const row = await trx('t').where({ code: 'k' }).first();
      await trx('t').where({ code: 'k' }).update({ n: Number(row?.n) + 10 });
    });
    await new Promise((r) => setTimeout(r, 50));
    releaseA();
    await Promise.all([txA, writeB]);
    const final = await b('t').where({ code: 'k' }).first();
    assert.equal(final?.n, 11, 'both read-then-write transactions applied, one after the other (0 + 1 + 10); neither lost its update');
  });
});
