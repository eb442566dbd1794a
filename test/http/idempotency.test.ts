import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * Holds every call of the dossier-receiving use case until the test releases it: a request held
 * here has claimed its Idempotency-Key and not answered, like one on a server about to be killed.
 */
function holdDossierCreates(ctx: TestContext) {
  const dossiers = ctx.services.dossiers;
  const real = dossiers.create.bind(dossiers);
  const held: Array<() => void> = [];
  dossiers.create = async (...args) => {
    await new Promise<void>((release) => held.push(release));
    return real(...args);
  };
  return {
    count: () => held.length,
    release: (i: number) => held[i](),
    async waitFor(n: number, why: string) {
      for (const started = Date.now(); held.length < n; ) {
        if (Date.now() - started > 3000) assert.fail(`${why} (${held.length} of ${n} requests reached the use case)`);
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
    const gate = holdDossierCreates(ctx);
    const original = post();
    await gate.waitFor(1, 'the first request should reach the use case');

    const duplicate = await post();
    assert.equal(duplicate.status, 409, 'a duplicate while the first request is still within the bound must be answered "in progress"');
    assert.equal(gate.count(), 1, 'the duplicate must not run the use case');

    // The first request's server is gone (here: stuck); the client retries past the bound, twice at once.
    ctx.clock.advance(31_000);
    const retries = [post(), post()].map((p, i) => p.then((r) => ({ i, r })));
    const first = await Promise.race(retries);
    assert.equal(first.r.status, 409, 'of two retries racing for an expired claim, the one that lost must be answered "in progress"');
    await gate.waitFor(2, 'a retry after the claim expired should take the key over and run, not stay "in progress" for ever');

    gate.release(1);
    const winner = (await retries[1 - first.i]).r;
    assert.equal(winner.status, 201, `the retry that took the key over should receive the dossier: ${JSON.stringify(winner.body)}`);
    assert.equal(gate.count(), 2, 'only one of the racing retries may run the use case');

    // The first request finishes after all: its answer must not replace the retry's.
    gate.release(0);
    await original;
    const again = await post();
    assert.equal(again.status, 201, 'a later retry should replay the stored answer of the retry that took over');
    assert.equal(again.headers['idempotent-replayed'], 'true', 'a later retry should be a replay, not a new run');
    assert.deepEqual(again.body, winner.body, 'the late first request overwrote the stored answer of the retry');
    assert.equal(gate.count(), 2, 'the replay must not run the use case');
    const n = Number((await ctx.db('dossiers').count({ n: '*' }).first())?.n);
    assert.equal(n, 1, 'the dossier must be received once');
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
