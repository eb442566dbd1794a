import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * Holds every request that claimed its Idempotency-Key until the test releases it: a request held
 * here has claimed the key and not answered, like one on a server about to be killed. (Held before
 * its transaction opens: on SQLite, whose one connection a transaction holds, a request held inside
 * it would hold up every other request too.)
 */
function holdClaimedRequests(ctx: TestContext) {
  const repo = ctx.services.idempotency;
  const real = repo.claim.bind(repo);
  const held: Array<() => void> = [];
  repo.claim = async (...args) => {
    const claim = await real(...args);
    if ('claimToken' in claim) await new Promise<void>((release) => held.push(release));
    return claim;
  };
  return {
    count: () => held.length,
    release: (i: number) => held[i](),
    async waitFor(n: number, why: string) {
      for (const started = Date.now(); held.length < n; ) {
        if (Date.now() - started > 3000) assert.fail(`${why} (${held.length} of ${n} requests claimed the key)`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

describe('Idempotency-Key claims', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00', { env: { IDEMPOTENCY_CLAIM_SECONDS: '30' } });
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const post = (): Promise<Response> =>
    ctx
      .api('post', '/api/v1/dossiers')
      .set('Idempotency-Key', 'k-dead')
      .send(dossierBody())
      .then((r) => r);

  it('lets one retry take over a key whose request never answered, once the claim is older than the bound, and keeps the retry’s answer', async () => {
    const gate = holdClaimedRequests(ctx);
    const original = post();
    await gate.waitFor(1, 'the first request should claim the key');

    const duplicate = await post();
    assert.equal(duplicate.status, 409, 'a duplicate while the first request is still within the bound must be answered "in progress"');
    assert.equal(gate.count(), 1, 'the duplicate must not claim the key');

    // The first request's server is gone (here: stuck); the client retries past the bound, twice at once.
    ctx.clock.advance(31_000);
    const retries = [post(), post()].map((p, i) => p.then((r) => ({ i, r })));
    const first = await Promise.race(retries);
    assert.equal(first.r.status, 409, 'of two retries racing for an expired claim, the one that lost must be answered "in progress"');
    await gate.waitFor(2, 'a retry after the claim expired should take the key over and run, not stay "in progress" for ever');

    gate.release(1);
    const winner = (await retries[1 - first.i]).r;
    assert.equal(winner.status, 201, `the retry that took the key over should receive the dossier: ${JSON.stringify(winner.body)}`);
    assert.equal(gate.count(), 2, 'only one of the racing retries may take the key over');

    // The first request finishes after all: its answer must not replace the retry's.
    gate.release(0);
    const late = await original;
    assert.equal(late.status, 409, `the late first request, its key taken over, should be answered "in progress" and keep nothing: ${late.status} ${JSON.stringify(late.body)}`);
    const again = await post();
    assert.equal(again.status, 201, 'a later retry should replay the stored answer of the retry that took over');
    assert.equal(again.headers['idempotent-replayed'], 'true', 'a later retry should be a replay, not a new run');
    assert.deepEqual(again.body, winner.body, 'the late first request overwrote the stored answer of the retry');
    assert.equal(gate.count(), 2, 'the replay must not claim the key again');
    const n = Number((await ctx.db('dossiers').count({ n: '*' }).first())?.n);
    assert.equal(n, 1, 'the dossier must be received once');
  });

  describe('a server killed as it stores the answer', () => {
    /**
     * The process dies at the moment it stores the answer (a SIGKILL there): nothing after that
     * point runs for this request, and the client never reads an answer. Only the first request
     * dies; the retry runs on a healthy server.
     */
    function killWhenStoringTheAnswer(): void {
      const repo = ctx.services.idempotency;
      const real = repo.complete.bind(repo);
      let killed = false;
      repo.complete = async (...args) => {
        if (killed) return real(...args);
        killed = true;
        throw new Error('simulated SIGKILL while storing the answer');
      };
    }

    const count = async (table: string, where: Record<string, unknown>): Promise<number> =>
      Number((await ctx.db(table).where(where).count({ n: '*' }).first())?.n);

    it('answers a retry after the claim expired with the answer the first attempt would have given, and receives the dossier once', async () => {
      killWhenStoringTheAnswer();
      await post();
      ctx.clock.advance(31_000);
      const retry = await post();
      const dossier = await ctx.api('get', `/api/v1/dossiers/${encodeURIComponent(String(dossierBody().code))}`).expect(200);
      assert.equal(retry.status, 201, `the retry should get the first attempt's answer, 201 (dossier received), not ${retry.status} ${JSON.stringify(retry.body)} — 200 says the dossier was there before, which the client reads as not received by its own request`);
      assert.deepEqual(retry.body, dossier.body, 'the retry should get the received dossier');
      assert.equal(await count('dossiers', { code: dossierBody().code }), 1, 'the dossier must be received once');
    });

    it('answers a retried event batch with the events taken, not refused as out of turn, and records each event once', async () => {
      await post().then((r) => assert.equal(r.status, 201, 'the dossier should be received'));
      const batch = { items: [{ code: dossierBody().code, kind: 'processing_started', occurredAt: '2026-03-02T08:30:00+07:00' }] };
      const send = () => ctx.api('post', '/api/v1/event-batches').set('Idempotency-Key', 'k-events').send(batch).then((r) => r);
      killWhenStoringTheAnswer();
      await send();
      ctx.clock.advance(31_000);
      const retry = await send();
      assert.equal(retry.status, 200, `the retried batch should be answered: ${JSON.stringify(retry.body)}`);
      assert.equal(retry.body.items[0].status, 201, `the event should be answered as taken, as the first attempt would have answered, not ${retry.body.items[0].status} ${JSON.stringify(retry.body.items[0].problem)}`);
      assert.equal(await count('dossier_events', { kind: 'processing_started' }), 1, 'the event must be recorded once');
    });
  });

  describe('the repository', () => {
    const T0 = Date.parse('2026-03-02T02:00:00Z');
    const at = (ms: number) => ({ now: T0, realNow: T0 + ms, expiredBefore: T0 + ms - 30_000 });
    const tokenId = async (): Promise<number> => Number((await ctx.db('api_tokens').first()).id);

    it('lets neither the late first request free the key a retry took over nor store its answer', async () => {
      const repo = ctx.services.idempotency;
      const id = await tokenId();
      const first = await repo.claim(id, 'k', 'h', at(0));
      assert.ok('claimToken' in first, 'the first request should claim a new key');
      const early = await repo.claim(id, 'k', 'h', at(29_000));
      assert.deepEqual(early, { requestHash: 'h', status: null, body: null }, 'within the bound the key is in progress');
      const retry = await repo.claim(id, 'k', 'h', at(31_000));
      assert.ok('claimToken' in retry, 'past the bound a retry should take the key over');

      await repo.release(id, 'k', first);
      const meanwhile = await repo.claim(id, 'k', 'h', at(32_000));
      assert.ok(!('claimToken' in meanwhile), 'the late first request failing must not free the key the retry holds');
      assert.equal(await repo.complete(id, 'k', first, 201, 'late'), false, 'the late first request must not store its answer');
      assert.equal(await repo.complete(id, 'k', retry, 201, 'retry'), true, 'the retry holding the key should store its answer');
      assert.deepEqual(await repo.claim(id, 'k', 'h', at(100_000)), { requestHash: 'h', status: 201, body: 'retry' }, 'an answered key replays the retry’s answer, whatever the time');
    });

    it('counts a claim that records no time (made before claims were timed) as expired', async () => {
      const id = await tokenId();
      await ctx.db('idempotency_keys').insert({ token_id: id, key: 'old', request_hash: 'h', created_at: T0 });
      const retry = await ctx.services.idempotency.claim(id, 'old', 'h', at(0));
      assert.ok('claimToken' in retry, 'a claim left unanswered before the upgrade should be taken over by a retry');
    });
  });
});
