import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/connection';
import { createTestContext, onPostgres, type TestContext } from '../support/context';
import { capturingLogger, consoleDuring } from '../support/log-capture';

describe('database connection', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(async () => ctx.close());

  it('runs SQLite in WAL mode with a busy timeout, so the CLI can read while the server writes', async function () {
    if (onPostgres) this.skip(); // PostgreSQL has neither setting: it has real concurrency.
    const journal = await ctx.db.raw('PRAGMA journal_mode');
    const timeout = await ctx.db.raw('PRAGMA busy_timeout');
    assert.equal(journal[0].journal_mode, 'wal');
    assert.ok(Number(Object.values(timeout[0])[0]) >= 5000, `busy timeout should be at least 5 s, got ${JSON.stringify(timeout)}`);
  });

  it('returns instants stored as BIGINT as plain numbers on both databases', async () => {
    await ctx.db('agencies').insert({ code: 'X', name: 'X', place_name: 'Cần Thơ', letter_symbol: 'X', level: 'center', created_at: 1772416800000, updated_at: 1772416800000 });
    const row = await ctx.db('agencies').where({ code: 'X' }).first();
    assert.equal(row.created_at, 1772416800000);
    assert.equal(typeof row.created_at, 'number');
  });
});

describe('database connection: what knex has to say goes to the JSON log', function () {
  this.timeout(30_000);

  it('reports a database it cannot open through the service logger, never on the console', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-unreachable-'));
    // The suite's kind of database, unreachable: no PostgreSQL server there, or a folder as the SQLite file.
    const url = onPostgres ? 'postgres://henlai@127.0.0.1:1/henlai' : `sqlite:${dir}`;
    const { logger, lines } = capturingLogger('warn');
    const db = createDb(loadConfig({ DATABASE_URL: url }).database, logger);
    let failure: unknown;
    const printed = await consoleDuring(() => db.raw('select 1').catch((err: unknown) => (failure = err)));
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(failure, 'the query should have failed: the database cannot be reached');
    assert.deepEqual(printed, [], `knex printed on the console instead of the JSON log:\n${printed.join('\n')}`);
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /Acquire connection error/.test(l.msg));
    assert.ok(warning, `knex's warning did not reach the log; the log has:\n${lines.join('\n')}`);
    assert.equal(warning.level, 40, 'a knex warning is a pino warning');
  });

  it('reports a connection the server cut (PostgreSQL) through the service logger, and carries on with a new one', async function () {
    if (!onPostgres) this.skip(); // SQLite has no server that could cut a connection.
    const { logger, lines } = capturingLogger('warn');
    const db = createDb(loadConfig({ DATABASE_URL: process.env.DATABASE_URL }).database, logger);
    const admin = createDb(loadConfig({ DATABASE_URL: process.env.DATABASE_URL }).database, capturingLogger('silent').logger);
    const printed = await consoleDuring(async () => {
      const { rows } = (await db.raw('select pg_backend_pid() as pid')) as { rows: { pid: number }[] };
      await admin.raw('select pg_terminate_backend(?)', [rows[0].pid]);
      // The pool notices the cut connection when it is next handed out, and opens another.
      for (let i = 0; i < 50 && !lines.some((l) => /Connection Error/.test(l)); i++) {
        await db.raw('select 1').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 20));
      }
      await db.raw('select 1');
    });
    await db.destroy();
    await admin.destroy();
    assert.deepEqual(printed, [], `knex printed on the console instead of the JSON log:\n${printed.join('\n')}`);
    assert.ok(lines.some((l) => /Connection Error/.test(l)), `the cut connection was not reported; the log has:\n${lines.join('\n')}`);
  });

  it('keeps the values of a failed query out of its error message (they may be a citizen\'s name or phone)', async () => {
    const ctx = await createTestContext();
    try {
      const name = 'Lý Thị Bích Vân';
      const failure = await ctx.db('agencies').insert({ code: null, name }).catch((err: Error) => err);
      assert.ok(failure instanceof Error, 'the insert should have failed (no code, no place)');
      assert.ok(!failure.message.includes(name), `the error message, which the error log prints, carries the bound value:\n${failure.message}`);
    } finally {
      await ctx.close();
    }
  });
});
