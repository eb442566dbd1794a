import assert from 'node:assert/strict';
import { AgencyRepository } from '../../src/db/agencies';
import { ProcedureRepository, type ProcedureInput } from '../../src/db/procedures';
import { DossierRepository } from '../../src/db/dossiers';
import { ApologyRepository } from '../../src/db/apologies';
import type { CachedRow, CachedTable } from '../../src/db/cached-table';
import { UserRepository } from '../../src/db/users';
import { NotFoundError } from '../../src/errors';
import { createTestContext, type TestContext } from '../support/context';
import { agencyInput } from '../support/rows';

const NOW = Date.parse('2026-03-02T02:00:00Z');

const procedure = (code: string, name = `Thủ tục ${code}`): ProcedureInput => ({
  code,
  name,
  field: 'Xây dựng',
  agencyId: null,
  timeUnit: 'days',
  timeAmount: 10,
  sameDayCutoff: null,
  supplementPolicy: 'pause',
  defaultExtensionDays: 5,
  defaultDelayReason: 'Cần thẩm định thêm',
});

/** Asserts a NotFoundError (404) whose message names the thing and its number. */
async function notFound(work: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(work, (err: unknown) => err instanceof NotFoundError && err.status === 404 && err.message === message);
}

describe('cached reference tables (agencies, procedures): one mechanism', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  beforeEach(async () => (ctx = await createTestContext()));
  afterEach(async () => ctx.close());

  /** The same story for each table: every write is seen by the next read, not after the snapshot's recheck. */
  async function roundTrip<T extends { id: number; code: string; name: string }, I extends { name: string }>(
    repo: CachedTable<T, CachedRow, I>,
    input: I,
  ): Promise<void> {
    assert.deepEqual(await repo.list(), []);
    const created = await repo.insert(input, NOW);
    assert.equal((await repo.byCode(created.code))?.id, created.id);
    assert.equal((await repo.get(created.id)).name, input.name);
    const renamed = await repo.update(created.id, { ...input, name: 'Tên mới' }, NOW + 1);
    assert.equal(renamed.name, 'Tên mới');
    assert.equal((await repo.byId(created.id))?.name, 'Tên mới');
    assert.deepEqual((await repo.list()).map((x) => x.code), [created.code]);
    await repo.remove(created.id);
    assert.equal(await repo.byId(created.id), null);
    assert.deepEqual(await repo.list(), []);
  }

  it('agencies: insert, read by id and code, update, remove', async () => {
    await roundTrip(new AgencyRepository(ctx.db), agencyInput('A1'));
  });

  it('procedures: insert, read by id and code, update, remove', async () => {
    await roundTrip(new ProcedureRepository(ctx.db), procedure('1.000001'));
  });

  it('get() of a missing agency or procedure is a 404 naming it', async () => {
    await notFound(new AgencyRepository(ctx.db).get(999), 'Không có cơ quan số 999');
    await notFound(new ProcedureRepository(ctx.db).get(999), 'Không có thủ tục số 999');
  });

  it('dossiers, apologies and accounts: get() of a missing row is a 404 naming it', async () => {
    await notFound(new DossierRepository(ctx.db).get(999), 'Không có hồ sơ số 999');
    await notFound(new ApologyRepository(ctx.db).get(999), 'Không có thư xin lỗi số 999');
    await notFound(new UserRepository(ctx.db).get(999), 'Không có tài khoản số 999');
  });
});
