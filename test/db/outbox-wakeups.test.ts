import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createDb, enclosingTransaction, type Db } from '../../src/db/connection';
import { NoticeRepository, type NewNotice } from '../../src/db/notices';
import { LISTENER_APPLICATION_NAME, outboxWakeups, pgOutboxWakeups, wakeFileOf, type OutboxWakeups } from '../../src/db/outbox-wakeups';
import { createLogger } from '../../src/logger';
import { createTestContext, onPostgres, seedBasics, type TestContext } from '../support/context';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `count()` reaches `n` (or 5 s pass); returns the count. */
async function until(count: () => number, n: number): Promise<number> {
  for (const end = Date.now() + 5_000; count() < n && Date.now() < end; ) await sleep(10);
  return count();
}

/**
 * The outbox workers' wake-up: PostgreSQL's LISTEN/NOTIFY, and on SQLite a wake file beside the
 * database that the queuing process touches once it committed. Either way a queued notice wakes
 * the workers once it is committed — not before (they would find nothing), never for one rolled
 * back —, and a listener that lost its channel gets it back and wakes the workers for what was
 * queued meanwhile.
 */
describe(`outbox wake-ups (${onPostgres ? 'PostgreSQL: LISTEN/NOTIFY' : 'SQLite: the wake file'})`, function () {
  this.timeout(30_000);
  let ctx: TestContext;
  /** Another connection pool on the same database: another process, as far as the database can tell. */
  let other: Db;
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
  const wakeups = (retryMs?: number): OutboxWakeups => {
    const w = outboxWakeups(ctx.config.database, createLogger('silent'), retryMs);
    assert.ok(w, 'a database on disk (or PostgreSQL) has wake-ups');
    return w;
  };

  before(async () => {
    ctx = await createTestContext();
    await seedBasics(ctx);
    agencyId = (await ctx.db('agencies').first('id')).id as number;
    notices = new NoticeRepository(ctx.db);
    const database = ctx.config.database;
    other = createDb(database.client === 'pg' ? { ...database, poolMax: 1 } : database, createLogger('silent'));
  });

  after(async () => {
    await other?.destroy();
    await ctx?.close();
  });

  it('wakes the worker when notices are committed, not when their transaction rolls back', async () => {
    let wakes = 0;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const stop = wakeups().listen(() => wakes++);
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
      assert.deepEqual(unhandled, [], 'the wake-up waiting for a commit that never came left a rejection unhandled (it would end the process)');
      const committed = notice();
      await notices.enqueue([committed], 0);
      assert.equal(await until(() => wakes, 2), 2, 'a committed notice did not wake the listening worker');
      assert.equal(await notices.enqueue([{ ...notice(), businessKey: committed.businessKey }], 0), 0);
      await sleep(300);
      assert.equal(wakes, 2, 'a notice already queued (nothing created) woke the workers for nothing');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await stop();
    }
  });

  it("wakes the worker when a request's whole unit of work commits, not when the savepoint that queued the notice is released", async () => {
    let wakes = 0;
    const stop = wakeups().listen(() => wakes++);
    try {
      assert.equal(await until(() => wakes, 1), 1);
      await enclosingTransaction(ctx.db, async () => {
        await ctx.db.transaction(() => notices.enqueue([notice()], 0));
        await sleep(200);
        assert.equal(wakes, 1, 'the savepoint was released, but the request has not committed: the workers would find nothing');
      });
      assert.equal(await until(() => wakes, 2), 2, 'the request committed its notice without waking the worker');
    } finally {
      await stop();
    }
  });

  it("wakes the service's dispatcher: a notice queued by another process between its polls is sent without waiting for the next one", async () => {
    const stop = ctx.services.dispatcher.start(60_000);
    try {
      await sleep(500); // the first run, at start, found nothing
      const queued = notice();
      await new NoticeRepository(other).enqueue([queued], ctx.clock.now().getTime());
      let status = 'created';
      for (const end = Date.now() + 5_000; status === 'created' && Date.now() < end; await sleep(20)) {
        status = (await ctx.db('notices').where({ business_key: queued.businessKey }).first('status')).status as string;
      }
      assert.notEqual(status, 'created', 'the notice waited for the next poll (60 s here): the dispatcher was not woken when it was queued');
    } finally {
      await stop();
    }
  });

  (onPostgres ? it : it.skip)('connects again after its connection is cut, wakes the worker then, and hears later notices (PostgreSQL)', async () => {
    const url = ctx.config.database.client === 'pg' ? ctx.config.database.url : '';
    let wakes = 0;
    const stop = pgOutboxWakeups(url, createLogger('silent'), 100).listen(() => wakes++);
    try {
      assert.equal(await until(() => wakes, 1), 1);
      const cut = await other.raw('select pg_terminate_backend(pid) from pg_stat_activity where application_name = ? and datname = current_database()', [LISTENER_APPLICATION_NAME]);
      assert.equal(cut.rows.length, 1, 'exactly one listening connection');
      assert.equal(await until(() => wakes, 2), 2, 'the listener did not connect again after its connection was cut');
      await notices.wakeWorkers();
      assert.equal(await until(() => wakes, 3), 3, 'the listener, back, did not hear the next notification');
    } finally {
      await stop();
    }
    await sleep(200);
    const left = await other.raw('select count(*)::int as n from pg_stat_activity where application_name = ? and datname = current_database()', [LISTENER_APPLICATION_NAME]);
    assert.equal(left.rows[0].n, 0, 'the listening connection was left open after stop');
  });

  (onPostgres ? it.skip : it)('watches again after its wake file is removed, and hears later wake-ups (SQLite)', async () => {
    const file = ctx.config.database.client === 'sqlite' ? wakeFileOf(ctx.config.database.filename) : null;
    assert.ok(file);
    let wakes = 0;
    const stop = wakeups(100).listen(() => wakes++);
    try {
      assert.equal(await until(() => wakes, 1), 1);
      assert.ok(fs.existsSync(file), 'the listener makes the wake file');
      fs.rmSync(file);
      for (const end = Date.now() + 5_000; !fs.existsSync(file) && Date.now() < end; ) await sleep(10);
      assert.ok(fs.existsSync(file), 'the listener did not make its wake file again after it was removed');
      await sleep(300);
      const back = wakes;
      await notices.wakeWorkers();
      assert.equal(await until(() => wakes, back + 1), back + 1, 'the listener, back, did not hear the next wake-up');
    } finally {
      await stop();
    }
  });
});
