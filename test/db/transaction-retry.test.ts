import assert from 'node:assert/strict';
import { transactionRetrying } from '../../src/db/connection';
import { agencyInput } from '../support/rows';
import { AgencyRepository } from '../../src/db/agencies';
import { createTestContext, onPostgres, type TestContext } from '../support/context';

/** An error as pg reports a transaction PostgreSQL aborted to break a deadlock. */
function deadlock(): Error {
  return Object.assign(new Error('deadlock detected'), { code: '40P01' });
}

describe('a transaction PostgreSQL aborted as a deadlock is run again', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let agencies: AgencyRepository;

  beforeEach(async () => {
    ctx = await createTestContext();
    agencies = new AgencyRepository(ctx.db);
  });
  afterEach(async () => ctx.close());

  const count = async (code: string) => Number((await ctx.db('agencies').where({ code }).count({ n: '*' }))[0].n);

  it('runs the work again after a deadlock; the aborted attempt kept nothing', async () => {
    let attempts = 0;
    await transactionRetrying(ctx.db, async () => {
      attempts++;
      await agencies.insert(agencyInput(`RETRY-${attempts}`), 0);
      if (attempts === 1) throw deadlock();
    });
    assert.equal(attempts, 2, 'the work ran a second time after the deadlock');
    assert.equal(await count('RETRY-1'), 0, 'the first, aborted attempt’s write was rolled back');
    assert.equal(await count('RETRY-2'), 1, 'the second attempt’s write was committed');
  });

  it('gives up after a few attempts, and never retries any other error', async () => {
    let attempts = 0;
    await assert.rejects(
      transactionRetrying(ctx.db, async () => {
        attempts++;
        throw deadlock();
      }),
      /deadlock detected/,
    );
    assert.equal(attempts, 3, 'three attempts, then the deadlock is reported');
    attempts = 0;
    await assert.rejects(
      transactionRetrying(ctx.db, async () => {
        attempts++;
        throw new Error('not a deadlock');
      }),
      /not a deadlock/,
    );
    assert.equal(attempts, 1, 'an ordinary failure is not run again');
  });

  it('on PostgreSQL, two transactions locking two rows in opposite orders both commit', async function () {
    if (!onPostgres) this.skip(); // SQLite has one writer at a time: no row locks, no deadlocks
    const a = await agencies.insert(agencyInput('LOCK-A'), 0);
    const b = await agencies.insert(agencyInput('LOCK-B'), 0);
    let arrived = 0;
    let open: () => void = () => undefined;
    const bothHoldOne = new Promise<void>((resolve) => (open = resolve));
    const meet = () => (++arrived === 2 ? open() : undefined, bothHoldOne);
    let attempts = 0;
    const lockBoth = (first: number, second: number) =>
      transactionRetrying(ctx.db, async () => {
        attempts++;
        await ctx.db('agencies').where({ id: first }).forUpdate().select('id');
        await meet();
        await ctx.db('agencies').where({ id: second }).forUpdate().select('id');
      });
    await Promise.all([lockBoth(a.id, b.id), lockBoth(b.id, a.id)]);
    assert.equal(attempts, 3, 'PostgreSQL aborted one of the two as a deadlock, and it was run once more');
  });
});
