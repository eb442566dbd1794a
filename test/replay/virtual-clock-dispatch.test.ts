import assert from 'node:assert/strict';
import type { Attachment, Channel, OutgoingNotice, SendResult } from '../../src/channels/types';
import { createDb, type Db } from '../../src/db/connection';
import { DispatchWorkerRepository } from '../../src/db/dispatch-workers';
import { NoticeRepository, type NoticeChannel } from '../../src/db/notices';
import { outboxWakeups } from '../../src/db/outbox-wakeups';
import { Dispatcher, type DispatchSettings } from '../../src/dispatch/dispatcher';
import { createLogger } from '../../src/logger';
import { setVirtualNow, VirtualClock } from '../../src/replay/virtual-clock';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * The outbox under a replay's virtual clock: simulated time may leap ahead (hours per real
 * millisecond while the system is idle) or stand still (while the replay waits for the outbox).
 * What guards against dead workers — leases, the sending timeout — counts real time: counted in
 * virtual time, a dead worker's notice never came back (no time passed, or renewals too far apart
 * to count as unbroken). And a live worker sending while the clock leaps must not be taken for
 * dead, which would send its notice twice.
 */
/** A Zalo stand-in recording every send; sends wait for the test's go-ahead while `gated`. */
class ZaloStandIn implements Channel {
  readonly name: NoticeChannel = 'zalo';
  readonly simulated = true;
  readonly sent: number[] = [];
  started = 0;
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  constructor(private readonly gated: boolean) {}
  async send(n: OutgoingNotice, _attachments: () => Promise<Attachment[]>): Promise<SendResult> {
    this.started++;
    if (this.gated) await this.gate;
    this.sent.push(n.id);
    return { outcome: 'sent', providerAnswer: 'ok', providerMessageId: `m-${n.id}-${this.sent.length}` };
  }
  release(): void {
    this.open();
  }
  async close(): Promise<void> {}
}

const SETTINGS: DispatchSettings = {
  concurrency: 2,
  retryWindowMs: 365 * 86_400_000,
  sendingTimeoutMs: 300_000,
  // Short, so that the test sees many renewals and sweeps in a second of real time.
  leaseMs: 500,
  sendWindow: { start: 0, end: 24 * 60 },
  channelDownRetryMs: 600_000,
};

/** `target` whose every method fails like a lost database connection while `down()` says so. */
function unreachableWhile<T extends object>(target: T, down: () => boolean): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        down() ? Promise.reject(new Error('Connection terminated unexpectedly (test: worker gone)')) : (value as (...a: unknown[]) => unknown).apply(obj, args);
    },
  });
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('dispatch on the virtual clock of a replay', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let second: Db;
  const clocks: VirtualClock[] = [];

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
    second = createDb(ctx.config.database, createLogger('silent'));
  });
  afterEach(async () => {
    for (const c of clocks.splice(0)) await c.stop();
    await second.destroy();
    await ctx.close();
  });

  async function issue(code: string): Promise<number> {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const d = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({}).expect(201);
    const a = await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    return (a.body.notices[0] as { id: number }).id;
  }

  /**
   * One outbox worker process: its own connection pool and its own view of the shared virtual
   * now; its repositories refuse every call while `cutOff()` (the process is gone, as far as the
   * database can tell).
   */
  async function worker(db: Db, channel: Channel, cutOff: () => boolean = () => false): Promise<Dispatcher> {
    const clock = await VirtualClock.open(db);
    clock.start(10);
    clocks.push(clock);
    return new Dispatcher({
      notices: unreachableWhile(new NoticeRepository(db), cutOff),
      workers: unreachableWhile(new DispatchWorkerRepository(db), cutOff),
      channels: new Map([[channel.name, channel]]),
      attachments: (batch) => ctx.services.apologyFiles.noticeAttachments(batch),
      clock,
      logger: createLogger('silent'),
      settings: SETTINGS,
      random: () => 0.5,
    });
  }

  for (const { leap, stepMs } of [
    { leap: 'leaps a day ahead at once', stepMs: () => 86_400_000 },
    // The replay driver with time running at full speed.
    { leap: 'races ahead an hour every 5 ms', stepMs: (i: number) => i * 3_600_000 },
  ]) {
    it(`sends a notice once when the virtual clock ${leap} while a worker is sending it and another worker is running`, async () => {
      const id = await issue('VC-1');
      await setVirtualNow(ctx.db, ctx.clock.now());
      const slow = new ZaloStandIn(true);
      const other = new ZaloStandIn(false);
      const sending = (await worker(ctx.db, slow)).runOnce();
      await until('the first worker is sending the notice', () => slow.started === 1);
      const stop = (await worker(second, other)).start(20);
      try {
        const from = ctx.clock.now().getTime();
        for (let i = 1; i <= 300; i++) {
          await setVirtualNow(ctx.db, from + stepMs(i));
          await new Promise((r) => setTimeout(r, 5));
        }
        slow.release();
        await sending;
        // Give the running worker a few more of its rounds to show whether it would send again.
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await stop();
      }
      const attempts = (await new NoticeRepository(ctx.db).attempts(id)).map((a) => `${a.outcome}${a.interrupted ? ' (interrupted)' : ''}`);
      assert.deepEqual(
        { first: slow.sent, second: other.sent },
        { first: [id], second: [] },
        `the notice must reach Zalo once, from the worker that was sending it; attempts recorded: ${attempts.join(', ')}` +
          ' (a second send means the other worker judged the first one dead by its lease measured in virtual time)',
      );
      assert.deepEqual(attempts, ['sent'], 'one attempt, not flagged interrupted');
    });
  }

  for (const { time, drive } of [
    { time: 'stands still (the replay waiting for the outbox)', drive: async () => undefined },
    { time: 'races ahead an hour every 5 ms (the replay idle)', drive: async (from: number, i: number) => setVirtualNow(ctx.db, from + i * 3_600_000) },
  ]) {
    it(`puts back the notice of a dead worker within the lease while the virtual clock ${time}`, async () => {
      const id = await issue('VC-2');
      const from = ctx.clock.now().getTime();
      await setVirtualNow(ctx.db, ctx.clock.now());
      let dead = false;
      const hanging = new ZaloStandIn(true);
      const run = (await worker(ctx.db, hanging, () => dead)).runOnce().catch(() => null);
      await until('the doomed worker is sending the notice', () => hanging.started === 1);
      dead = true;
      const survivor = new ZaloStandIn(false);
      const stop = (await worker(second, survivor)).start(20);
      try {
        for (let i = 1; survivor.sent.length === 0; i++) {
          if (i > 1600) assert.fail(`the surviving worker never put back the dead worker's notice (lease 0.5 s of real time; waited ${i * 5} ms) while the virtual clock ${time}`);
          await drive(from, i);
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        await stop();
        dead = false;
        hanging.release();
        await run;
      }
      const attempts = (await new NoticeRepository(ctx.db).attempts(id)).map((a) => `${a.outcome}${a.interrupted ? ' (interrupted)' : ''}`);
      assert.deepEqual(attempts, ['interrupted (interrupted)', 'sent'], 'the notice in flight at the death is flagged interrupted, then sent by the survivor');
    });
  }

  it("runs a woken dispatcher at the shared now, not at its process's last read of it", async () => {
    const from = ctx.clock.now().getTime();
    await setVirtualNow(ctx.db, from);
    // A process whose view of the shared now is old: it never reads it in the background here.
    const clock = await VirtualClock.open(second);
    clocks.push(clock);
    const zalo = new ZaloStandIn(false);
    const dispatcher = new Dispatcher({
      notices: new NoticeRepository(second),
      workers: new DispatchWorkerRepository(second),
      channels: new Map([[zalo.name, zalo]]),
      attachments: (batch) => ctx.services.apologyFiles.noticeAttachments(batch),
      clock,
      logger: createLogger('silent'),
      settings: SETTINGS,
      wakeups: outboxWakeups(ctx.config.database, createLogger('silent')),
    });
    const stop = dispatcher.start(60_000);
    try {
      await new Promise((r) => setTimeout(r, 300)); // its first runs, at start, found nothing
      const later = from + 3_600_000;
      await setVirtualNow(ctx.db, later);
      const agencyId = (await ctx.db('agencies').first('id')).id as number;
      await new NoticeRepository(ctx.db).enqueue(
        [{ businessKey: 'vc-woken', kind: 'new_appointment', audience: 'citizen', channel: 'zalo', recipient: '0912345678', agencyId, dossierId: null, apologyId: null, payload: {}, notBefore: later }],
        later,
      );
      await until('the woken dispatcher sends the notice due at the moved now', () => zalo.sent.length === 1, 5_000);
    } finally {
      await stop();
    }
  });
});
