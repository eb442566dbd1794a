import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import { createZaloChannel } from '../../src/channels/zalo/channel';
import { createDb, type Db } from '../../src/db/connection';
import { DispatchWorkerRepository } from '../../src/db/dispatch-workers';
import { NoticeRepository } from '../../src/db/notices';
import { Dispatcher } from '../../src/dispatch/dispatcher';
import { createLogger } from '../../src/logger';
import { systemClock } from '../../src/clock';
import { createTestContext, dossierBody, onPostgres, seedBasics, type TestContext } from '../support/context';
import { startZaloFake, zaloEnv, type ZaloFake } from '../fakes/zalo-fake';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The outage for real: three workers, each with its own connection pool, send through the Zalo
 * fake while every connection to the database is terminated again and again for three seconds
 * (pg_terminate_backend, this test's database only), then let back. Every notice must end sent
 * exactly once — counted by what the fake accepted — with its acceptance recorded, none left
 * 'sending'. SQLite has no server connections to terminate: its twin, with the outage simulated
 * in the repositories, is outage.test.ts.
 */
(onPostgres ? describe : describe.skip)('dispatch: PostgreSQL connections terminated while sends are in flight (PostgreSQL only; the SQLite twin is outage.test.ts)', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let fake: ZaloFake;
  let admin: Db;
  const N = 48;

  before(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
    fake = await startZaloFake({ latencyMs: 150 });
    // One citizen's notice as the apology use case queues it, and N - 1 more like it.
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'PG-OUT', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const draft = await ctx.api('post', '/api/v1/dossiers/PG-OUT/apologies').send({}).expect(201);
    await ctx.api('post', `/api/v1/apologies/${draft.body.id}/approve`).expect(200);
    const first = await ctx.db('notices').where({ channel: 'zalo' }).first();
    const notices = new NoticeRepository(ctx.db);
    const copies = Array.from({ length: N - 1 }, (_, i) => ({
      businessKey: `${first.business_key}:copy-${i}`,
      kind: first.kind,
      audience: first.audience,
      channel: first.channel,
      recipient: first.recipient,
      agencyId: first.agency_id,
      dossierId: first.dossier_id,
      apologyId: first.apology_id,
      payload: JSON.parse(first.payload) as Record<string, unknown>,
      notBefore: Number(first.not_before),
    }));
    assert.equal(await notices.enqueue(copies, Number(first.created_at)), N - 1);
    const database = ctx.config.database;
    admin = createDb(database.client === 'pg' ? { ...database, poolMax: 1 } : database, createLogger('silent'));
  });

  after(async () => {
    await admin?.destroy();
    await fake?.stop();
    await ctx?.close();
  });

  /** Terminates every connection to this test's database but the caller's own; how many. */
  async function terminateAll(): Promise<number> {
    const r = await admin.raw('SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return Number(r.rows[0].n);
  }

  it('sends every notice exactly once and records each acceptance, none left sending', async () => {
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: process.env.DATABASE_URL,
      ...zaloEnv(fake),
    };
    const config = loadConfig(env);
    // The grant is taken before the outage: a refresh cut in the middle is the Zalo channel's own test.
    const warm = createZaloChannel({ db: ctx.db, config: config.zalo, clock: systemClock });
    await warm.tokens!.accessToken(new Date());
    await warm.close();

    const workers = Array.from({ length: 3 }, () => {
      const db = createDb(config.database, createLogger('silent'));
      const zalo = createZaloChannel({ db, config: config.zalo, clock: systemClock });
      const dispatcher = new Dispatcher({
        notices: new NoticeRepository(db),
        workers: new DispatchWorkerRepository(db),
        channels: new Map([['zalo', zalo]]),
        attachments: async () => new Map(),
        clock: systemClock,
        logger: createLogger('silent'),
        settings: {
          concurrency: 4,
          retryWindowMs: 24 * 3_600_000,
          sendingTimeoutMs: 300_000,
          leaseMs: 2_000,
          sendWindow: { start: 0, end: 24 * 60 },
          channelDownRetryMs: 600_000,
        },
        random: () => 0,
      });
      return { db, zalo, stop: dispatcher.start(100) };
    });

    let terminated = 0;
    let acceptedBeforeOutage: number;
    try {
      const inFlight = Date.now() + 30_000;
      while (fake.state.sends < 8 && Date.now() < inFlight) await sleep(5);
      acceptedBeforeOutage = fake.state.accepted.length;
      const outageEnds = Date.now() + 3_000;
      while (Date.now() < outageEnds) {
        terminated += await terminateAll();
        await sleep(50);
      }
      // Back. A send that met the outage before reaching Zalo waits for its retry (24 s here).
      const deadline = Date.now() + 120_000;
      for (;;) {
        const open = await ctx.db('notices').whereNotIn('status', ['sent', 'delivered']).count({ n: '*' }).first();
        if (Number(open?.n) === 0 || Date.now() > deadline) break;
        await sleep(250);
      }
    } finally {
      for (const w of workers) await w.stop();
      for (const w of workers) {
        await w.zalo.close();
        await w.db.destroy();
      }
    }

    assert.ok(terminated > 0, 'the outage terminated connections');
    assert.ok(acceptedBeforeOutage < N, `the outage must come while notices are still being sent (all ${N} were sent before it)`);
    const rows = (await ctx.db('notices').select('id', 'status', 'provider_message_id').orderBy('id')) as { id: number; status: string; provider_message_id: string | null }[];
    assert.equal(rows.length, N);
    assert.deepEqual(rows.filter((r) => r.status === 'sending').map((r) => r.id), [], 'no notice is left sending');
    assert.deepEqual(rows.filter((r) => r.status !== 'sent').map((r) => `${r.id}:${r.status}`), [], 'every notice ends sent');

    const acceptedFor = new Map<string, string[]>();
    for (const m of fake.state.accepted) acceptedFor.set(String(m.trackingId), [...(acceptedFor.get(String(m.trackingId)) ?? []), m.msgId]);
    for (const r of rows) {
      const accepted = acceptedFor.get(String(r.id)) ?? [];
      assert.equal(accepted.length, 1, `notice ${r.id} reached Zalo ${accepted.length} times; it must reach it exactly once`);
      assert.equal(r.provider_message_id, accepted[0], `notice ${r.id}: the msg_id Zalo gave is the one recorded`);
      const attempts = (await ctx.db('notice_attempts').where({ notice_id: r.id }).orderBy('id')) as { outcome: string; interrupted: boolean; provider_message_id: string | null }[];
      assert.deepEqual(
        attempts.filter((a) => a.outcome === 'sent').map((a) => a.provider_message_id),
        accepted,
        `notice ${r.id}: one 'sent' attempt, recorded with Zalo's msg_id`,
      );
      assert.equal(attempts.filter((a) => a.interrupted).length, 0, `notice ${r.id}: no worker was taken for dead, so no interrupted attempt`);
    }
  });
});
