import assert from 'node:assert/strict';
import { createTestContext, onPostgres, type TestContext } from '../support/context';

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
