import assert from 'node:assert/strict';
import type { Attachment, Channel, OutgoingNotice, SendResult } from '../../src/channels/types';
import { DispatchWorkerRepository } from '../../src/db/dispatch-workers';
import { NoticeRepository, type NoticeChannel } from '../../src/db/notices';
import { Dispatcher, type DispatchSettings } from '../../src/dispatch/dispatcher';
import { createLogger } from '../../src/logger';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * The database going away while the outbox worker is busy (SQLite and PostgreSQL alike: the
 * outage is simulated by a repository that refuses every call while `down`; the PostgreSQL
 * twin with real terminated connections is test/dispatch/outage-pg.test.ts). Known outcomes are
 * never thrown away, a live worker is never taken for a dead one, and a dead worker's notices
 * come back within the lease — the ones it never tried without any "interrupted" flag.
 */

/** A Zalo stand-in whose sends wait for the test's go-ahead, counting what it was handed. */
class GatedChannel implements Channel {
  readonly name: NoticeChannel = 'zalo';
  readonly simulated = true;
  readonly sent: number[] = [];
  started = 0;
  private open!: () => void;
  private gate = new Promise<void>((resolve) => (this.open = resolve));
  constructor(private readonly gated = true) {}
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
  concurrency: 4,
  retryWindowMs: 24 * 3_600_000,
  sendingTimeoutMs: 300_000,
  leaseMs: 10_000,
  sendWindow: { start: 0, end: 24 * 60 },
  channelDownRetryMs: 600_000,
};

/** `target` whose every method fails like a lost database connection while `down()` says so. */
function reachableWhile<T extends object>(target: T, down: (method: string) => boolean, onFailure: (method: string) => void = () => undefined): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (down(String(prop))) {
          onFailure(String(prop));
          return Promise.reject(new Error('Connection terminated unexpectedly (test: database unreachable)'));
        }
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

/** Waits (real time, bounded) for something the worker does in the background. */
async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('dispatch: a database outage and dead workers', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let repo: NoticeRepository;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
    repo = new NoticeRepository(ctx.db);
  });
  afterEach(async () => ctx.close());

  async function issue(code: string): Promise<number> {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const d = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({}).expect(201);
    const a = await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    return (a.body.notices[0] as { id: number }).id;
  }

  /** A worker whose database calls go through `reach` (the test's way of cutting it off). */
  const dispatcher = (channel: Channel, reach: <T extends object>(repository: T) => T = (r) => r, settings: Partial<DispatchSettings> = {}) =>
    new Dispatcher({
      notices: reach(repo),
      workers: reach(new DispatchWorkerRepository(ctx.db)),
      channels: new Map([[channel.name, channel]]),
      attachments: (batch) => ctx.services.apologyFiles.noticeAttachments(batch),
      clock: ctx.clock,
      logger: createLogger('silent'),
      settings: { ...SETTINGS, ...settings },
      random: () => 0.5,
    });

  const statuses = async (ids: number[]) => Promise.all(ids.map(async (id) => (await repo.byId(id))?.status));
  const outcomes = async (id: number) => (await repo.attempts(id)).map((a) => `${a.outcome}${a.interrupted ? ' (interrupted)' : ''}`);

  it('keeps the outcome of sends that finish while the database is down, records it when the database answers, and never sends them again', async () => {
    const ids = [await issue('OUT-1'), await issue('OUT-2'), await issue('OUT-3')];
    let down = false;
    let refusedRecords = 0;
    const flaky = <T extends object>(r: T) =>
      reachableWhile(r, () => down, (m) => {
        if (m === 'finishAttempts') refusedRecords++;
      });
    const zalo = new GatedChannel();
    const run = dispatcher(zalo, flaky).runOnce().then(
      (report) => ({ report, error: null }),
      (error: unknown) => ({ report: null, error }),
    );
    await until('the three sends are in flight', () => zalo.started === 3);
    down = true;
    zalo.release();
    await until('the worker has tried at least twice to record the outcomes Zalo gave it (it must keep them and retry, not drop them)', () => refusedRecords >= 2);
    down = false;
    await run;
    assert.deepEqual(await statuses(ids), ['sent', 'sent', 'sent'], 'the outcomes known during the outage are recorded once the database answers');
    for (const id of ids) assert.deepEqual(await outcomes(id), ['sent'], `notice ${id}: one attempt, recorded once`);

    ctx.clock.advance(SETTINGS.sendingTimeoutMs + 60_000);
    await dispatcher(new GatedChannel(false)).runOnce();
    assert.deepEqual([...zalo.sent].sort(), [...ids].sort(), 'each notice was handed to Zalo once');
    assert.deepEqual(await statuses(ids), ['sent', 'sent', 'sent'], 'nothing was put back to be sent again');
  });

  it('does not take a worker that is still recording for a dead one when everyone was cut off, however long the outage', async () => {
    const ids = [await issue('CUT-1'), await issue('CUT-2'), await issue('CUT-3')];
    let down = false;
    let recordsBlocked = false;
    let refusedRecords = 0;
    const forWorker = <T extends object>(r: T) =>
      reachableWhile(r, (m) => down || (recordsBlocked && m === 'finishAttempts'), (m) => {
        if (m === 'finishAttempts') refusedRecords++;
      });
    const forOther = <T extends object>(r: T) => reachableWhile(r, () => down);
    const zalo = new GatedChannel();
    const run = dispatcher(zalo, forWorker).runOnce().catch(() => null);
    await until('the three sends are in flight', () => zalo.started === 3);
    down = true;
    recordsBlocked = true;
    zalo.release();
    await until('the worker has met the outage while recording', () => refusedRecords >= 1);
    const other = new GatedChannel(false);
    await assert.rejects(dispatcher(other, forOther).runOnce(), /unreachable/, 'another worker cannot work during the outage either');

    ctx.clock.advance(SETTINGS.sendingTimeoutMs + 100_000);
    down = false; // back for everyone; the first worker's next try to record has not come yet
    const report = await dispatcher(other, forOther).runOnce();
    assert.equal(report.swept, 0, 'the other worker must not put back notices whose outcome is known and about to be recorded');
    assert.deepEqual(other.sent, [], 'nothing is sent a second time');

    recordsBlocked = false;
    await run;
    assert.deepEqual(await statuses(ids), ['sent', 'sent', 'sent']);
    for (const id of ids) assert.deepEqual(await outcomes(id), ['sent'], `notice ${id}: no interrupted attempt`);
  });

  it('puts back the notices of a dead worker within the lease: the one it was sending flagged interrupted, the ones it never tried without a flag', async () => {
    const ids = [await issue('DEAD-1'), await issue('DEAD-2'), await issue('DEAD-3')];
    // The dead worker: one send at a time, so of the notices it claimed only the first is tried.
    let dead = false;
    const hanging = new GatedChannel();
    const doomed = dispatcher(hanging, (r) => reachableWhile(r, () => dead), { concurrency: 1 });
    const run = doomed.runOnce().catch(() => null);
    await until('the first send is in flight', () => hanging.started === 1);
    const claimed = await ctx.db('notices').where({ status: 'sending' }).count({ n: '*' }).first();
    assert.equal(Number(claimed?.n), 2, 'the worker claimed two notices (twice its concurrency) and tries one');
    dead = true; // from the database's point of view the worker is gone: it will never write again

    // A worker running continuously (its lease renewed by every run), two seconds of the test's
    // clock per run: a minute of its work is far less than the 5-minute sending timeout.
    const survivor = new GatedChannel(false);
    const stop = dispatcher(survivor).start(20);
    try {
      for (let i = 0; i < 30 && survivor.sent.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ctx.clock.advance(2_000);
      }
    } finally {
      await stop();
    }
    assert.deepEqual([...survivor.sent].sort(), [...ids].sort(), 'every notice of the dead worker went out within a minute, not after the sending timeout');
    const [tried, ...untried] = ids;
    assert.deepEqual(await outcomes(tried), ['interrupted (interrupted)', 'sent'], 'the notice in flight at the death may have reached Zalo: flagged');
    for (const id of untried) assert.deepEqual(await outcomes(id), ['sent'], `notice ${id} was claimed but never tried: no interrupted attempt`);

    dead = false;
    hanging.release();
    await run;
    assert.deepEqual(await statuses(ids), ['sent', 'sent', 'sent'], 'the dead worker’s late answer changes nothing');
  });

  it('ends the run when one of its workers fails: the others take no new work, and the run ends only after their sends are recorded', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await issue(`FAIL-${i}`));
    const gates = new Map<number, () => void>();
    const started: number[] = [];
    const zalo: Channel = {
      name: 'zalo',
      simulated: true,
      async send(n) {
        started.push(n.id);
        await new Promise<void>((resolve) => gates.set(n.id, resolve));
        return { outcome: 'sent', providerAnswer: 'ok', providerMessageId: `m-${n.id}` };
      },
      async close() {},
    };
    let claims = 0;
    const failingSecondClaim = <T extends object>(r: T) => reachableWhile(r, (m) => m === 'claimDue' && ++claims === 2);
    let settled = false;
    const run = dispatcher(zalo, failingSecondClaim, { concurrency: 2 })
      .runOnce()
      .then(
        () => null,
        (err: unknown) => err,
      )
      .finally(() => (settled = true));
    // The first claim takes four notices (twice the concurrency); two workers send two at a time.
    await until('two sends are in flight', () => started.length === 2);
    gates.get(started[0])?.();
    await until('the freed worker takes the third notice', () => started.length === 3);
    gates.get(started[1])?.();
    await until('the other worker takes the fourth', () => started.length === 4);
    gates.get(started[2])?.(); // this worker finds the queue empty and claims again: that claim fails
    await until('the second claim has failed', () => claims >= 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'the run must not end while one of its sends is still in flight (its outcome would go unrecorded and a new run would start beside it)');
    gates.get(started[3])?.();
    const error = await run;
    assert.ok(error instanceof Error && /unreachable/.test(error.message), `the run reports the failure, got ${String(error)}`);
    assert.equal(started.length, 4, 'no send starts after the failure');
    assert.deepEqual(await statuses(ids.slice(0, 4)), ['sent', 'sent', 'sent', 'sent'], 'every send that went out is recorded before the run ends');
    assert.equal((await repo.byId(ids[4]))?.status, 'created', 'the notice never claimed is still waiting');
  });
});
