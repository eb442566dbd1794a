import assert from 'node:assert/strict';
import { createDb, type Db } from '../../src/db/connection';
import { NoticeRepository, type NewNotice } from '../../src/db/notices';
import { LISTENER_APPLICATION_NAME, pgOutboxWakeups } from '../../src/db/outbox-wakeups';
import { createLogger } from '../../src/logger';
import { createTestContext, onPostgres, seedBasics, type TestContext } from '../support/context';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `count()` reaches `n` (or 5 s pass); returns the count. */
async function until(count: () => number, n: number): Promise<number> {
  for (const end = Date.now() + 5_000; count() < n && Date.now() < end; ) await sleep(10);
  return count();
}

/**
 * The outbox workers' wake-up on PostgreSQL (LISTEN/NOTIFY): a queued notice wakes them once it
 * is committed, never for one rolled back, and a listener whose connection is cut connects again
 * and wakes them for what was queued meanwhile. SQLite has no notifications: its dispatcher polls.
 */
(onPostgres ? describe : describe.skip)('outbox wake-ups (PostgreSQL only; SQLite polls)', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let admin: Db;
  let notices: NoticeRepository;
  let agencyId: number;
  let n = 0;
  const notice = (): NewNotice => ({
    businessKey: `wake-test:${++n}`,
    kind: 'at_risk_digest',
    audience: 'staff',
    channel: 'email',
    recipient: 'motcua@example.gov.vn',
    agencyId,
    dossierId: null,
    apologyId: null,
    payload: { subject: 'thử' },
    notBefore: 0,
  });

  before(async () => {
    ctx = await createTestContext();
    await seedBasics(ctx);
    agencyId = (await ctx.db('agencies').first('id')).id as number;
    notices = new NoticeRepository(ctx.db);
    const database = ctx.config.database;
    admin = createDb(database.client === 'pg' ? { ...database, poolMax: 1 } : database, createLogger('silent'));
  });

  after(async () => {
    await admin?.destroy();
    await ctx?.close();
  });

  it('wakes the worker when notices are committed, not when their transaction rolls back', async () => {
    const url = ctx.config.database.client === 'pg' ? ctx.config.database.url : '';
    let wakes = 0;
    const stop = pgOutboxWakeups(url, createLogger('silent')).listen(() => wakes++);
    try {
      assert.equal(await until(() => wakes, 1), 1, 'the listener wakes the worker once it listens (for what was queued before)');
      await ctx.db
        .transaction(async () => {
          await notices.enqueue([notice()], 0);
          await sleep(200);
          assert.equal(wakes, 1, 'a notice not yet committed must not wake the workers: they would find nothing');
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await sleep(300);
      assert.equal(wakes, 1, 'a rolled-back notice woke the workers');
      const committed = notice();
      await notices.enqueue([committed], 0);
      assert.equal(await until(() => wakes, 2), 2, 'a committed notice did not wake the listening worker');
      assert.equal(await notices.enqueue([{ ...notice(), businessKey: committed.businessKey }], 0), 0);
      await sleep(300);
      assert.equal(wakes, 2, 'a notice already queued (nothing created) woke the workers for nothing');
    } finally {
      await stop();
    }
  });

  it('connects again after its connection is cut, wakes the worker then, and hears later notices', async () => {
    const url = ctx.config.database.client === 'pg' ? ctx.config.database.url : '';
    let wakes = 0;
    const stop = pgOutboxWakeups(url, createLogger('silent'), 100).listen(() => wakes++);
    try {
      assert.equal(await until(() => wakes, 1), 1);
      const cut = await admin.raw('select pg_terminate_backend(pid) from pg_stat_activity where application_name = ? and datname = current_database()', [LISTENER_APPLICATION_NAME]);
      assert.equal(cut.rows.length, 1, 'exactly one listening connection');
      assert.equal(await until(() => wakes, 2), 2, 'the listener did not connect again after its connection was cut');
      await notices.wakeWorkers();
      assert.equal(await until(() => wakes, 3), 3, 'the listener, back, did not hear the next notification');
    } finally {
      await stop();
    }
    await sleep(200);
    const left = await admin.raw('select count(*)::int as n from pg_stat_activity where application_name = ? and datname = current_database()', [LISTENER_APPLICATION_NAME]);
    assert.equal(left.rows[0].n, 0, 'the listening connection was left open after stop');
  });

  it("wakes the service's dispatcher: a notice queued between its polls is sent without waiting for the next one", async () => {
    const stop = ctx.services.dispatcher.start(60_000);
    try {
      await sleep(500); // the first run, at start, found nothing
      const queued = notice();
      await notices.enqueue([queued], ctx.clock.now().getTime());
      let status = 'created';
      for (const end = Date.now() + 5_000; status === 'created' && Date.now() < end; await sleep(20)) {
        status = (await ctx.db('notices').where({ business_key: queued.businessKey }).first('status')).status as string;
      }
      assert.notEqual(status, 'created', 'the notice waited for the next poll (60 s here): the dispatcher was not woken when it was queued');
    } finally {
      await stop();
    }
  });
});
