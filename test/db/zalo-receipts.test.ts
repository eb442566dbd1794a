import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { markDeliveredFromReceipts } from '../../src/channels/zalo/webhook';
import { isPostgres, rowsOf } from '../../src/db/connection';
import { freshDatabase, type FreshDatabase } from '../support/context';

/**
 * The dispatcher looks for a notice's early Zalo receipts after every Zalo send
 * (markDeliveredFromReceipts). Without an index on notice_id each look read the whole table: a
 * PostgreSQL province-year made 7,569 sequential scans of zalo_receipts, 28.6 million rows read.
 */
describe('db/zalo_receipts: a notice’s receipts are found through an index', function () {
  this.timeout(30_000);
  let fresh: FreshDatabase;

  beforeEach(async () => {
    fresh = await freshDatabase();
  });
  afterEach(async () => fresh?.close());

  /** The query markDeliveredFromReceipts runs, as knex sent it. */
  async function receiptsQuery(db: Knex): Promise<{ sql: string; bindings: Knex.RawBinding[] }> {
    const seen: { sql: string; bindings: Knex.RawBinding[] }[] = [];
    const listen = (q: { sql: string; bindings?: Knex.RawBinding[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
    db.on('query', listen);
    try {
      await markDeliveredFromReceipts(db, 1, new Date('2026-03-02T02:00:00Z'));
    } finally {
      db.removeListener('query', listen);
    }
    const queries = seen.filter((q) => /from ["`]zalo_receipts["`]/.test(q.sql));
    assert.equal(queries.length, 1, `the look for the notice's receipts was not seen among the queries run: ${seen.map((q) => q.sql).join(' | ')}`);
    return queries[0];
  }

  it('reads them by notice id, in delivery order, from the index zalo_receipts_notice', async () => {
    const db = fresh.db;
    const query = await receiptsQuery(db);
    if (isPostgres(db)) {
      // PostgreSQL plans from the table's statistics, and on an empty test table a sequential scan
      // is cheapest whatever the indexes. With sequential scans ruled out for this transaction the
      // plan says whether an index can answer: without one on notice_id it still reads the whole
      // table, sequential scan and all.
      const plan = await db.transaction(async (trx) => {
        await trx.raw('set local enable_seqscan = off');
        // knex reports PostgreSQL's query with $1, $2…; raw() takes its bindings as ?.
        return rowsOf(await trx.raw(`explain ${query.sql.replace(/\$\d+/g, '?')}`, query.bindings)).map((r) => String(r['QUERY PLAN']));
      });
      const text = plan.join(' / ');
      assert.match(text, /Index (Only )?Scan using zalo_receipts_notice on zalo_receipts/, `the receipts must be looked up by notice id through an index, not read whole; the plan was: ${text}`);
      assert.match(text, /Index Cond: \(notice_id = /, `the index must be searched by notice id; the plan was: ${text}`);
      assert.doesNotMatch(text, /Sort/, `the index must give the receipts in delivery order, without a sort; the plan was: ${text}`);
      return;
    }
    const plan = rowsOf(await db.raw(`explain query plan ${query.sql}`, query.bindings)).map((r) => String(r.detail));
    const text = plan.join(' / ');
    const steps = plan.filter((d) => /\b(SEARCH|SCAN) zalo_receipts\b/.test(d));
    assert.equal(steps.length, 1, `one step of the plan should read zalo_receipts; the plan was: ${text}`);
    assert.match(steps[0], /^SEARCH zalo_receipts USING (COVERING )?INDEX zalo_receipts_notice \(notice_id=\?\)/, `the receipts must be looked up by notice id through an index, not read whole; the plan was: ${text}`);
    assert.doesNotMatch(text, /TEMP B-TREE FOR ORDER BY/, `the index must give the receipts in delivery order, without a sort; the plan was: ${text}`);
  });
});
