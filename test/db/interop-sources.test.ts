import assert from 'node:assert/strict';
import { InteropSourceRepository } from '../../src/db/interop-sources';
import type { InteropSourceInput } from '../../src/domain/interop';
import { createTestContext, seedBasics, type TestContext } from '../support/context';

describe('interop source repository: one-stop systems kept as data', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let repo: InteropSourceRepository;
  const input: InteropSourceInput = {
    code: 'IGATE-CT',
    name: 'Hệ thống một cửa điện tử Cần Thơ (VNPT iGate)',
    mode: 'push',
    agencyId: null,
    outboundUrl: 'https://igate.cantho.example.vn/api/henlai',
    pullUrl: null,
    dueGoverns: 'ours',
    enabled: true,
  };

  before(async () => {
    ctx = await createTestContext();
    await seedBasics(ctx);
    repo = new InteropSourceRepository(ctx.db);
  });
  after(async () => ctx.close());

  it('stores a source and reads it back by id, code and listing, with ours governing by default', async () => {
    const now = ctx.clock.now().getTime();
    const s = await repo.insert(input, 'quantri', now);
    assert.equal(s.code, 'IGATE-CT');
    assert.equal(s.dueGoverns, 'ours');
    assert.equal(s.enabled, true, 'a stored boolean comes back as a boolean on both databases');
    assert.equal(s.tokenId, null);
    assert.deepEqual(await repo.byCode('IGATE-CT'), s);
    assert.deepEqual(await repo.byId(s.id), s);
    assert.deepEqual((await repo.list({ mode: 'push' })).map((x) => x.code), ['IGATE-CT']);
    assert.deepEqual(await repo.list({ mode: 'pull' }), []);
  });

  it('refuses a second source with the same code', async () => {
    await assert.rejects(repo.insert(input, 'quantri', ctx.clock.now().getTime()), 'the code column must be unique');
  });

  it('binds a credential and a sealed secret, then finds the source by its token', async () => {
    const s = (await repo.byCode('IGATE-CT'))!;
    const [token] = await ctx.db('api_tokens').insert({ name: 'nguồn IGATE-CT', token_hash: 'x'.repeat(64), agency_id: null, created_at: 1 }).returning('id');
    const tokenId = Number(typeof token === 'object' ? token.id : token);
    await repo.setCredentials(s.id, { tokenId, secretSealed: 'v1:abc' }, 'quantri', 2);
    const bound = await repo.byToken(tokenId);
    assert.equal(bound?.code, 'IGATE-CT');
    assert.equal(bound?.secretSealed, 'v1:abc');
    assert.equal(await repo.byToken(tokenId + 1000), null, 'another token is no source');
  });

  it('records a failed poll without losing the cursor, and a successful one with the next cursor', async () => {
    const s = (await repo.byCode('IGATE-CT'))!;
    await repo.recordPull(s.id, { at: 10, cursor: 'c-1' });
    await repo.recordPull(s.id, { at: 20, error: 'Nguồn không trả lời sau 10 giây' });
    let after = (await repo.byId(s.id))!;
    assert.deepEqual([after.pullCursor, after.lastPullOkAt, after.lastPullAt, after.lastPullError], ['c-1', 10, 20, 'Nguồn không trả lời sau 10 giây']);
    await repo.recordPull(s.id, { at: 30, cursor: 'c-2' });
    after = (await repo.byId(s.id))!;
    assert.deepEqual([after.pullCursor, after.lastPullOkAt, after.lastPullError], ['c-2', 30, null]);
  });

  it('updates only what the patch names', async () => {
    const s = (await repo.byCode('IGATE-CT'))!;
    const u = await repo.update(s.id, { dueGoverns: 'theirs', enabled: false }, 'quantri', 40);
    assert.equal(u?.dueGoverns, 'theirs');
    assert.equal(u?.enabled, false);
    assert.equal(u?.name, input.name);
    assert.deepEqual((await repo.list({ enabled: true })).map((x) => x.code), []);
  });
});
