import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { AgencyRepository } from '../../src/db/agencies';
import { enclosingTransaction } from '../../src/db/connection';
import { DossierRepository, type Dossier } from '../../src/db/dossiers';
import { UserRepository } from '../../src/db/users';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { agencyInput } from '../support/rows';
import { createTestContext, dossierBody, freshDatabase, onPostgres, seedBasics, type TestContext } from '../support/context';

const HANG =
  "hangs: the repository used the pool while a transaction held SQLite's one connection (or, on PostgreSQL, waited for a row the transaction locked)";

/** The promise, or a clear failure when it has not settled within `ms` — a hang must not just hit mocha's timeout. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(HANG)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class Rollback extends Error {}

/** Resolves every caller once `parties` callers are waiting. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === parties) open();
    return opened;
  };
}

/** Runs `fn` in a transaction and rolls it back, so the test can see what survived it. */
async function rolledBack(ctx: TestContext, fn: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  try {
    await ctx.db.transaction(async (trx) => {
      await fn(trx);
      throw new Rollback();
    });
  } catch (err) {
    if (err instanceof Rollback) return;
    throw err;
  }
  assert.fail('the transaction was expected to roll back');
}

describe('unit of work: a transaction is never optional by accident', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let agencies: AgencyRepository;

  beforeEach(async () => {
    ctx = await createTestContext();
    agencies = new AgencyRepository(ctx.db);
  });
  afterEach(async () => ctx.close());

  const stored = async (code: string) => Boolean(await ctx.db('agencies').where({ code }).first('id'));

  it('runs a repository call that was not handed the transaction inside it: it sees the transaction’s writes, and its own write rolls back with it', async () => {
    await within(
      5000,
      rolledBack(ctx, async (trx) => {
        // Written through the transaction the callback was given...
        await trx('agencies').insert({ code: 'TX', name: 'Trong giao dịch', place_name: 'Cần Thơ', letter_symbol: 'TX', level: 'center', created_at: 1, updated_at: 1 });
        // ...and read and written by a repository that was never given it.
        const seen = await agencies.byCode('TX');
        assert.equal(seen?.name, 'Trong giao dịch', 'the repository read outside the transaction: it did not see the row the transaction had just written');
        await agencies.insert(agencyInput('REPO'), 2);
      }),
    );
    assert.equal(await stored('TX'), false, 'the transaction’s own write was rolled back');
    assert.equal(await stored('REPO'), false, 'the repository’s write escaped the transaction: it survived the rollback');
  });

  it('never keeps what a repository read inside a transaction in its shared snapshot', async () => {
    await within(
      5000,
      rolledBack(ctx, async () => {
        // Through the repository: the only way agencies are written (readsCommittedRows counts on it).
        await agencies.insert(agencyInput('TX'), 1);
        assert.equal((await agencies.byCode('TX'))?.code, 'TX');
        assert.deepEqual((await agencies.list()).map((a) => a.code), ['TX']);
      }),
    );
    assert.equal(await agencies.byCode('TX'), null, 'the repository still answers with a row that was rolled back: it kept what it read inside the transaction');
    assert.deepEqual((await agencies.list()).map((a) => a.code), [], 'the agency list still shows a row that was rolled back');
  });

  it('keeps two transactions open at once apart: each repository call joins its own', async () => {
    // PostgreSQL: both transactions are open together — each has written before either reads, and
    // neither commits before both have read. SQLite takes the write lock at BEGIN, so there they
    // run one after the other (and a barrier would wait for ever). Accounts, not agencies: two
    // transactions writing agencies (or any table with a change counter, see
    // migrations/20270101000001_table_versions.ts) take turns at the counter row on PostgreSQL too.
    const users = new UserRepository(ctx.db);
    const bothWrote = barrier(onPostgres ? 2 : 1);
    const bothRead = barrier(onPostgres ? 2 : 1);
    const insertAndLook = (code: string, other: string) =>
      ctx.db.transaction(async (trx) => {
        await trx('users').insert({ username: code, full_name: code, role: 'officer', password_hash: 'x', created_at: 1, updated_at: 1 });
        await bothWrote();
        const seen = { own: (await users.byUsernameWithHash(code))?.username ?? null, other: (await users.byUsernameWithHash(other))?.username ?? null };
        await bothRead();
        return seen;
      });
    const [a, b] = await within(5000, Promise.all([insertAndLook('A1', 'B1'), insertAndLook('B1', 'A1')]));
    assert.equal(a.own, 'A1', 'the first transaction’s repository call did not see its own write');
    assert.equal(b.own, 'B1', 'the second transaction’s repository call did not see its own write');
    if (onPostgres) {
      assert.equal(a.other, null, 'a repository call in one transaction saw the other’s uncommitted row');
      assert.equal(b.other, null, 'a repository call in one transaction saw the other’s uncommitted row');
    }
  });

  it('keeps the transactions of two databases apart, one opened inside the other', async () => {
    // On PostgreSQL the "other database" is the same one (freshDatabase resets it), so the inner
    // transaction writes users: two transactions writing agencies would take turns at the table's
    // change counter (migrations/20270101000001_table_versions.ts), and the outer one waits here
    // for the inner one to end.
    const other = await freshDatabase();
    try {
      const elsewhere = new UserRepository(other.db);
      const inner = { username: 'inner', fullName: 'Bên trong', role: 'officer' as const, agencyId: null, active: true };
      await within(
        5000,
        rolledBack(ctx, async () => {
          await agencies.insert(agencyInput('OUTER'), 1);
          await other.db.transaction(async () => {
            await elsewhere.insert(inner, 'x', 2);
            assert.equal((await agencies.byCode('OUTER'))?.code, 'OUTER', 'inside the other database’s transaction, this database’s calls left their own transaction');
            assert.equal(await new UserRepository(ctx.db).byUsernameWithHash('inner'), null, 'a write to the other database showed up in this one');
            await agencies.insert(agencyInput('MIDDLE'), 3);
          });
        }),
      );
      assert.equal(await stored('OUTER'), false, 'the outer transaction’s write survived its rollback');
      assert.equal(await stored('MIDDLE'), false, 'a write made while the other database’s transaction was open escaped this one’s rollback');
      assert.equal((await elsewhere.byUsernameWithHash('inner'))?.username, 'inner', 'the other database’s transaction committed on its own');
    } finally {
      await other.close();
    }
  });

  it('refuses loudly to open a second, independent transaction inside one (SQLite would wait for ever, PostgreSQL would escape the first)', async () => {
    await within(
      5000,
      assert.rejects(
        ctx.db.transaction(async () => {
          await ctx.db.transaction(async (inner) => inner('agencies').insert({ code: 'IN', name: 'IN', place_name: 'Cần Thơ', letter_symbol: 'IN', level: 'center', created_at: 1, updated_at: 1 }));
        }),
        /already inside a transaction/,
        'a transaction opened inside another must be refused with a message naming the mistake',
      ),
    );
    assert.equal(await stored('IN'), false);
  });

  it('lets the transactions opened inside an enclosing one (a keyed request) join it as savepoints: a failed one undoes only itself, and all roll back with it', async () => {
    const row = (code: string) => ({ code, name: code, place_name: 'Cần Thơ', letter_symbol: code, level: 'center', created_at: 1, updated_at: 1 });
    await within(
      5000,
      enclosingTransaction(ctx.db, async () => {
        await ctx.db.transaction(async (trx) => trx('agencies').insert(row('KEPT')));
        await assert.rejects(
          ctx.db.transaction(async (trx) => {
            await trx('agencies').insert(row('UNDONE'));
            throw new Rollback();
          }),
          Rollback,
        );
      }),
    );
    assert.equal(await stored('KEPT'), true, 'a use case’s transaction inside the enclosing one commits with it');
    assert.equal(await stored('UNDONE'), false, 'a use case’s failed transaction must undo its own writes');
    await within(
      5000,
      assert.rejects(
        enclosingTransaction(ctx.db, async () => {
          await ctx.db.transaction(async (trx) => trx('agencies').insert(row('WITHOUT')));
          throw new Rollback();
        }),
        Rollback,
      ),
    );
    assert.equal(await stored('WITHOUT'), false, 'what a use case committed inside the enclosing transaction must roll back with it (the answer was not stored)');
  });

  it('serves a keyed request’s own reads from the snapshot of committed rows until it writes that table, and never keeps its writes there', async () => {
    const a = await agencies.insert(agencyInput('SNAP'), 1);
    assert.equal((await agencies.byId(a.id))?.name, 'Cơ quan SNAP', 'the snapshot is loaded outside transactions');
    let queries = 0;
    const count = () => queries++;
    ctx.db.client.on('query', count);
    await assert.rejects(
      enclosingTransaction(ctx.db, async () => {
        queries = 0; // BEGIN
        assert.equal((await agencies.byId(a.id))?.name, 'Cơ quan SNAP');
        assert.equal(queries, 0, 'a request’s read of a table it has not written should come from the snapshot, not the database');
        await ctx.db.transaction(async () => agencies.update(a.id, { ...agencyInput('SNAP'), name: 'Đổi tên' }, 2));
        await agencies.list(); // another request might reload the snapshot meanwhile: it holds committed rows only
        assert.equal((await agencies.byId(a.id))?.name, 'Đổi tên', 'once the request wrote the table, it must read its own write, not the snapshot');
        throw new Rollback();
      }),
      Rollback,
    );
    ctx.db.client.removeListener('query', count);
    assert.equal((await agencies.byId(a.id))?.name, 'Cơ quan SNAP', 'the rolled-back rename must not be kept in the snapshot');
  });

  it('lets work that outlives a transaction (started inside, run after the commit) use the database normally', async () => {
    let later: Promise<string | null> | undefined;
    await ctx.db.transaction(async (trx) => {
      await trx('agencies').insert({ code: 'LATER', name: 'LATER', place_name: 'Cần Thơ', letter_symbol: 'L', level: 'center', created_at: 1, updated_at: 1 });
      later = new Promise((resolve) => setTimeout(resolve, 20)).then(async () => (await agencies.byCode('LATER'))?.code ?? null);
    });
    assert.equal(await within(5000, later as Promise<string | null>), 'LATER', 'after the commit, a repository call reads the committed row through the pool');
  });

  it('refuses to draft or issue an apology outside a transaction, where its writes would not stand or fall together', async () => {
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'OUTSIDE' })).expect(201);
    const dossiers = new DossierRepository(ctx.db);
    const d = (await dossiers.byCode('OUTSIDE')) as Dossier;
    await assert.rejects(ctx.services.apologyWorkflow.draftInTx(d, {}, SYSTEM_ACTOR, 'officer'), /must run inside db\.transaction\(\)/, 'drafting outside a transaction must be refused');
    const draft = await ctx.db.transaction(() => ctx.services.apologyWorkflow.draftInTx(d, {}, SYSTEM_ACTOR, 'officer'));
    await assert.rejects(ctx.services.apologyWorkflow.issueInTx(draft, SYSTEM_ACTOR), /must run inside db\.transaction\(\)/, 'issuing outside a transaction must be refused');
    const stored = await ctx.db('apologies').select('status', 'letter_number');
    assert.deepEqual(stored, [{ status: 'draft', letter_number: null }], 'only the draft made in a transaction was written; the refused issue wrote nothing');
  });
});
