import assert from 'node:assert/strict';
import { AgencyRepository } from '../../src/db/agencies';
import { Snapshot } from '../../src/db/snapshot';
import { AGENCY, createTestContext, seedBasics, type TestContext } from '../support/context';

describe('reference-table snapshot (agencies, procedures in memory)', function () {
  this.timeout(30_000);

  it('reloads only when the fingerprint changes, and not before the recheck interval', async () => {
    let loads = 0;
    let fingerprint = 'a';
    const snap = new Snapshot(async () => [++loads], async () => fingerprint, 0);
    await snap.all();
    await snap.all();
    assert.equal(loads, 1, 'an unchanged table is not read again');
    fingerprint = 'b';
    await snap.all();
    assert.equal(loads, 2, 'a changed fingerprint reloads');
    const slow = new Snapshot(async () => [++loads], async () => fingerprint, 60_000);
    await slow.all();
    fingerprint = 'c';
    await slow.all();
    assert.equal(loads, 3, 'within the recheck interval the snapshot is trusted without asking');
  });

  describe('agencies', () => {
    let ctx: TestContext;
    beforeEach(async () => {
      ctx = await createTestContext();
      await seedBasics(ctx);
    });
    afterEach(async () => ctx.close());

    it('sees its own writes at once, and a row another instance added as soon as it is asked for', async () => {
      const mine = new AgencyRepository(ctx.db);
      const other = new AgencyRepository(ctx.db);
      const sxd = await mine.byCode('SXD');
      assert.ok(sxd);
      await mine.update(sxd.id, { ...sxd, name: 'Sở Xây dựng (mới)' }, Date.now());
      assert.equal((await mine.byCode('SXD'))?.name, 'Sở Xây dựng (mới)', 'a write through this repository is read back at once');
      assert.equal((await other.list()).length, 1);
      const added = await mine.insert({ ...sxd, code: 'STP', name: 'Sở Tư pháp', letterSymbol: AGENCY.letterSymbol }, Date.now());
      assert.equal((await other.byId(added.id))?.code, 'STP', 'a row missing from the snapshot is read from the database');
    });

    it('inside a transaction reads the transaction, not the snapshot', async () => {
      const repo = new AgencyRepository(ctx.db);
      const sxd = await repo.byCode('SXD');
      assert.ok(sxd);
      await ctx.db.transaction(async (trx) => {
        await trx('agencies').where({ id: sxd.id }).update({ name: 'Đổi trong giao dịch' });
        assert.equal((await repo.byId(sxd.id))?.name, 'Đổi trong giao dịch');
      });
    });
  });
});
