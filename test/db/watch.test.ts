import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isPostgres, rowsOf } from '../../src/db/connection';
import { WatchRepository } from '../../src/db/watch';
import { createTestContext, seedBasics, type TestContext } from '../support/context';

/**
 * The watcher asks for slipped dossiers on every tick. Resolved dossiers keep their due instant,
 * so a plan that searches by due instant alone walks every dossier ever due before now: a cost
 * that grows all year (the province-year replay slowed from ≈ 400 to ≈ 200 dossiers/s). The
 * question must be answered from the open dossiers only: an index with the state first.
 */
describe('db/watch: the watcher’s questions read only open dossiers', function () {
  this.timeout(30_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  it('searches the slipped dossiers by state, then due instant (SQLite query plan)', async function () {
    // PostgreSQL picks its plan from the table's statistics, which an empty test table does not have.
    if (isPostgres(ctx.db)) this.skip();
    const sql: { sql: string; bindings: readonly unknown[] }[] = [];
    const listen = (q: { sql: string; bindings?: readonly unknown[] }) => sql.push({ sql: q.sql, bindings: q.bindings ?? [] });
    const root = ctx.db as unknown as Knex;
    root.on('query', listen);
    try {
      // The first page and a following one (paging on due instant and id), as the watcher asks.
      await new WatchRepository(ctx.db).slipped(ctx.clock.now().getTime(), null, 200, [1]);
      await new WatchRepository(ctx.db).slipped(ctx.clock.now().getTime(), { dueAt: 1, id: 1 }, 200, [1]);
    } finally {
      root.removeListener('query', listen);
    }
    const queries = sql.filter((q) => q.sql.includes('from `dossiers`'));
    assert.equal(queries.length, 2, `the two slipped questions were not seen among the queries run: ${sql.map((q) => q.sql).join(' | ')}`);
    for (const query of queries) {
      const plan = rowsOf(await ctx.db.raw(`explain query plan ${query.sql}`, query.bindings as Knex.RawBinding[])) as { detail: string }[];
      const steps = plan.map((r) => r.detail).filter((d) => /\b(SEARCH|SCAN) d\b/.test(d));
      assert.ok(steps.length, `no step of the plan reads the dossiers: ${plan.map((r) => r.detail).join(' / ')}`);
      for (const step of steps) {
        assert.match(
          step,
          /USING INDEX dossiers_state_due \(state=\? AND current_due_at/,
          `the slipped dossiers must be searched by state first, not among every dossier due before now; the plan was: ${plan.map((r) => r.detail).join(' / ')}`,
        );
      }
    }
  });
});
