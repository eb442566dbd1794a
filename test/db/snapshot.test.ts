import assert from 'node:assert/strict';
import { AgencyRepository } from '../../src/db/agencies';
import { KeyedSnapshot, Snapshot, tableFingerprint } from '../../src/db/snapshot';
import { SigningRepository, type StoredSigningSettings } from '../../src/db/signing';
import { ProcedureRepository, type ProcedureInput } from '../../src/db/procedures';
import type { CachedRow, CachedTable } from '../../src/db/cached-table';
import { AGENCY, createTestContext, onPostgres, seedBasics, type TestContext } from '../support/context';
import { agencyInput } from '../support/rows';

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

  it('does not keep a load that was under way when it was invalidated', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let table = ['old'];
    const snap = new Snapshot(async () => {
      const rows = [...table];
      await gate;
      return rows;
    }, async () => 'same', 60_000);
    const loading = snap.all();
    await new Promise((resolve) => setImmediate(resolve));
    table = ['new'];
    snap.invalidate();
    release();
    assert.deepEqual(await loading, ['old'], 'the caller that started the load gets what it read');
    assert.deepEqual(await snap.all(), ['new'], 'rows read before an invalidation were kept in the snapshot');
  });

  it('keyed: loads each key once, and again after an invalidation or a changed fingerprint', async () => {
    let loads = 0;
    let fingerprint = 'a';
    const snap = new KeyedSnapshot<number>(async () => fingerprint, 0);
    const load = async () => ++loads;
    assert.equal(await snap.get('x', load), 1);
    assert.equal(await snap.get('x', load), 1, 'an unchanged table is not read again');
    assert.equal(await snap.get('y', load), 2, 'each key is loaded on its own');
    snap.invalidate();
    assert.equal(await snap.get('x', load), 3, 'an invalidation drops every key');
    fingerprint = 'b';
    assert.equal(await snap.get('x', load), 4, 'a changed fingerprint drops every key');
  });

  describe('signing settings', () => {
    let ctx: TestContext;
    beforeEach(async () => {
      ctx = await createTestContext();
      await seedBasics(ctx);
    });
    afterEach(async () => ctx.close());

    const settings = (mode: StoredSigningSettings['mode'], updatedAt: number): StoredSigningSettings => ({
      owner: { kind: 'agency', id: 1 },
      mode,
      settings: {},
      secrets: null,
      p12: null,
      certificate: null,
      image: null,
      updatedBy: 'test',
      updatedAt,
    });

    it('are read once per owner, see this process’s own saves at once, and a transaction that saved reads its own', async () => {
      const repo = new SigningRepository(ctx.db);
      const owner = { kind: 'agency', id: 1 } as const;
      await repo.saveSettings(settings('off', 1));
      assert.equal((await repo.settings(owner))?.mode, 'off');
      let queries = 0;
      const count = () => queries++;
      ctx.db.client.on('query', count);
      try {
        await ctx.db.transaction(async () => {
          queries = 0; // BEGIN
          assert.equal((await repo.settings(owner))?.mode, 'off');
          assert.equal(queries, 0, 'settings read a moment ago should come from memory, inside a transaction that has not saved any');
          await repo.saveSettings(settings('external', 2));
          assert.equal((await repo.settings(owner))?.mode, 'external', 'a transaction that saved settings must read its own save');
          throw new Error('rolled back');
        }).catch((err: Error) => assert.equal(err.message, 'rolled back'));
      } finally {
        ctx.db.client.removeListener('query', count);
      }
      assert.equal((await repo.settings(owner))?.mode, 'off', 'the rolled-back save must not be kept');
      await repo.saveSettings(settings('external', 3));
      assert.equal((await repo.settings(owner))?.mode, 'external', 'a committed save is read back at once');
    });
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

    it('serves a transaction that has not written the table from the snapshot, and one that wrote it from the database', async () => {
      const repo = new AgencyRepository(ctx.db);
      const sxd = await repo.byCode('SXD');
      assert.ok(sxd);
      let queries = 0;
      const count = () => queries++;
      ctx.db.client.on('query', count);
      try {
        await ctx.db.transaction(async () => {
          queries = 0; // BEGIN
          assert.equal((await repo.byId(sxd.id))?.name, sxd.name);
          assert.equal((await repo.list()).length, 1);
          assert.equal(queries, 0, 'a transaction that has not written agencies should read them from the snapshot of committed rows');
          await repo.update(sxd.id, { ...sxd, name: 'Đổi trong giao dịch' }, Date.now());
          assert.equal((await repo.byId(sxd.id))?.name, 'Đổi trong giao dịch', 'once the transaction wrote the table, it must read its own write');
          assert.deepEqual((await repo.list()).map((a) => a.name), ['Đổi trong giao dịch']);
        });
      } finally {
        ctx.db.client.removeListener('query', count);
      }
      assert.equal((await repo.byId(sxd.id))?.name, 'Đổi trong giao dịch', 'the committed write is read back outside the transaction');
    });

    it('does not keep rows read by another caller while a transaction that wrote the table was open: its commit is seen at once', async function () {
      // SQLite's one connection makes any other read wait for the writer's commit: only
      // PostgreSQL can read the table's old rows while the write is still uncommitted.
      if (!onPostgres) this.skip();
      const repo = new AgencyRepository(ctx.db);
      const sxd = await repo.byCode('SXD');
      assert.ok(sxd);
      let wrote: () => void = () => undefined;
      const written = new Promise<void>((resolve) => (wrote = resolve));
      let read: () => void = () => undefined;
      const readMeanwhile = new Promise<void>((resolve) => (read = resolve));
      const writer = ctx.db.transaction(async () => {
        await repo.update(sxd.id, { ...sxd, name: 'Đổi tên' }, Date.now());
        wrote();
        await readMeanwhile;
      });
      // Another request, outside the writer's transaction, reloads the snapshot with the old name.
      const other = (async () => {
        await written;
        const seen = (await repo.byId(sxd.id))?.name;
        read();
        return seen;
      })();
      assert.equal(await other, sxd.name, 'the write was not committed yet');
      await writer;
      assert.equal((await repo.byId(sxd.id))?.name, 'Đổi tên', 'this process committed the rename, and still reads the old name from its snapshot');
    });
  });

  describe('another instance’s writes, whatever their updated_at', () => {
    // Instance A trusts its snapshot until the table's fingerprint changes (recheckMs 0: asked on
    // every read); instance B writes the same database. B's clock may be behind A's, two edits may
    // share a millisecond, and an edit by hand may leave updated_at alone: none may go unseen.
    let ctx: TestContext;
    beforeEach(async () => (ctx = await createTestContext()));
    afterEach(async () => ctx.close());

    const T = Date.parse('2026-03-02T02:00:00Z');

    async function editsAreSeen<I extends { name: string }, R extends { id: number; code: string; name: string }>(
      table: string,
      a: CachedTable<R, CachedRow, I>,
      b: CachedTable<R, CachedRow, I>,
      input: (code: string) => I,
    ): Promise<void> {
      const older = await b.insert(input('X1'), T);
      const newest = await b.insert(input('X2'), T + 60_000);
      assert.equal((await a.byId(older.id))?.name, older.name);
      await b.update(older.id, { ...input('X1'), name: 'Tên sửa bởi đồng hồ chậm hơn' }, T + 1000);
      assert.equal((await a.byId(older.id))?.name, 'Tên sửa bởi đồng hồ chậm hơn', `${table}: instance A still shows the old name after instance B renamed the row with an updated_at below the table's latest`);
      await b.update(newest.id, { ...input('X2'), name: 'Sửa trong cùng mili giây' }, T + 60_000);
      assert.equal((await a.byId(newest.id))?.name, 'Sửa trong cùng mili giây', `${table}: instance A still shows the old name after instance B renamed the row in the same millisecond as its last change`);
      await ctx.db(table).where({ id: older.id }).update({ name: 'Sửa bằng tay' });
      assert.equal((await a.byId(older.id))?.name, 'Sửa bằng tay', `${table}: instance A still shows the old name after the row was renamed by hand, updated_at left alone`);
      assert.deepEqual((await a.list()).map((r) => r.name), ['Sửa bằng tay', 'Sửa trong cùng mili giây'], `${table}: instance A's list is not the database's`);
    }

    it('agencies: instance A sees an edit by instance B or by hand within its recheck', async () => {
      await editsAreSeen('agencies', new AgencyRepository(ctx.db, 0), new AgencyRepository(ctx.db), agencyInput);
    });

    it('procedures: instance A sees an edit by instance B or by hand within its recheck', async () => {
      const procedure = (code: string): ProcedureInput => ({
        code,
        name: `Thủ tục ${code}`,
        field: 'Xây dựng',
        agencyId: null,
        timeUnit: 'days',
        timeAmount: 10,
        sameDayCutoff: null,
        supplementPolicy: 'pause',
        defaultExtensionDays: 5,
        defaultDelayReason: 'Cần thẩm định thêm',
      });
      await editsAreSeen('procedures', new ProcedureRepository(ctx.db, 0), new ProcedureRepository(ctx.db), procedure);
    });

    it('refuses to fingerprint a table that has no change counter', async () => {
      await assert.rejects(tableFingerprint(ctx.db, 'dossiers'), /dossiers has no change counter in table_versions/);
    });

    it('signing settings: instance A sees a save by instance B or by hand within its recheck', async () => {
      const a = new SigningRepository(ctx.db, 0);
      const b = new SigningRepository(ctx.db);
      const first = { kind: 'agency', id: 1 } as const;
      const save = (id: number, mode: StoredSigningSettings['mode'], updatedAt: number) =>
        b.saveSettings({ owner: { kind: 'agency', id }, mode, settings: {}, secrets: null, p12: null, certificate: null, image: null, updatedBy: 'test', updatedAt });
      await save(1, 'off', T);
      await save(2, 'off', T + 60_000);
      assert.equal((await a.settings(first))?.mode, 'off');
      await save(1, 'external', T + 1000);
      assert.equal((await a.settings(first))?.mode, 'external', 'instance A still uses the old signing mode after instance B saved it with an updated_at below the table\'s latest');
      await ctx.db('signing_settings').where({ owner_kind: 'agency', owner_id: 1 }).update({ mode: 'off' });
      assert.equal((await a.settings(first))?.mode, 'off', 'instance A still uses the old signing mode after it was changed by hand, updated_at left alone');
    });
  });
});
