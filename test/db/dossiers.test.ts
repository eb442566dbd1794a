import assert from 'node:assert/strict';
import { DossierRepository, type Dossier } from '../../src/db/dossiers';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

const HOUR = 3_600_000;

describe('db/dossiers: the dossier repository', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let dossiers: DossierRepository;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    dossiers = new DossierRepository(ctx.db);
  });
  afterEach(async () => ctx.close());

  async function create(code: string, acceptedAt = '2026-02-24T09:00:00+07:00'): Promise<Dossier> {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt })).expect(201);
    return (await dossiers.byCode(code))!;
  }

  it('moves a due date only while the dossier is as it was read: same deadline version, same due date, still open', async () => {
    const [kept, versioned, moved, closed] = [await create('D-1'), await create('D-2'), await create('D-3'), await create('D-4')];
    const now = ctx.clock.now().getTime();
    // Written since the read: a new deadline version, and a decision.
    await ctx.db('dossiers').where({ id: versioned.id }).update({ deadline_version: versioned.deadlineVersion + 1 });
    await ctx.api('post', `/api/v1/dossiers/${closed.code}/events`).send({ kind: 'resolved', occurredAt: '2026-03-02T08:00:00+07:00' }).expect(201);

    const later = (d: Dossier) => ({ id: d.id, dueAt: (d.currentDueAt as number) + 24 * HOUR, deadlineVersion: d.deadlineVersion, dueBefore: d.currentDueAt as number });
    const result = await dossiers.moveDueDates([later(versioned), later(moved), later(closed), { ...later(kept), dueBefore: (kept.currentDueAt as number) - HOUR }], now);
    assert.deepEqual(result, [moved.id], 'only the dossier still as it was read moves');

    const after = (await dossiers.byId(moved.id))!;
    assert.equal(after.currentDueAt, (moved.currentDueAt as number) + 24 * HOUR);
    assert.equal(after.originalDueAt, after.currentDueAt, 'a moved date is the new original date: the calendar, not an extension, moved it');
    assert.equal(after.deadlineVersion, moved.deadlineVersion + 1, 'a moved date is a new deadline version');
    assert.equal((await dossiers.byId(kept.id))!.currentDueAt, kept.currentDueAt);
    assert.equal((await dossiers.byId(versioned.id))!.currentDueAt, versioned.currentDueAt);
  });

  it('offers for recomputing only open, never-extended dossiers with a running due date, in id order after a cursor', async () => {
    const a = await create('R-1');
    const b = await create('R-2');
    const c = await create('R-3');
    const d = await create('R-4');
    await ctx.db('dossiers').where({ id: b.id }).update({ extensions_count: 1 });
    await ctx.api('post', `/api/v1/dossiers/${c.code}/events`).send({ kind: 'supplement_requested', occurredAt: '2026-03-02T08:00:00+07:00', note: 'Thiếu bản vẽ' }).expect(201);
    assert.deepEqual((await dossiers.recomputable(0, 10, null)).map((r) => r.id), [a.id, d.id], 'an extended dossier keeps its date; a paused one has none running');
    assert.deepEqual((await dossiers.recomputable(a.id, 10, null)).map((r) => r.id), [d.id]);
    assert.deepEqual((await dossiers.recomputable(0, 1, null)).map((r) => r.id), [a.id]);
    assert.deepEqual(await dossiers.recomputable(0, 10, [a.decidingAgencyId + 1000]), [], 'only the agencies asked for');
    const [first] = await dossiers.recomputable(0, 1, null);
    assert.deepEqual(first, {
      id: a.id,
      decidingAgencyId: a.decidingAgencyId,
      clockStartedAt: a.clockStartedAt,
      clockUnit: 'days',
      clockAmount: 20,
      currentDueAt: a.currentDueAt,
      deadlineVersion: a.deadlineVersion,
    });
  });

  it('answers the open dossiers due in a window, earliest first', async () => {
    const early = await create('W-1', '2026-02-02T09:00:00+07:00');
    const late = await create('W-2', '2026-02-24T09:00:00+07:00');
    const done = await create('W-3', '2026-02-02T09:00:00+07:00');
    await ctx.api('post', `/api/v1/dossiers/${done.code}/events`).send({ kind: 'resolved', occurredAt: '2026-03-02T08:00:00+07:00' }).expect(201);
    const from = (early.currentDueAt as number) - HOUR;
    const until = (late.currentDueAt as number) + HOUR;
    assert.deepEqual((await dossiers.dueBetween(from, until, 10)).map((r) => r.id), [early.id, late.id]);
    assert.deepEqual((await dossiers.dueBetween(from, late.currentDueAt as number, 10)).map((r) => r.id), [early.id], 'the window’s end is excluded');
    assert.deepEqual((await dossiers.dueBetween(from, until, 1)).map((r) => r.id), [early.id]);
  });

  it('keeps one open pause at a time and closes it', async () => {
    const d = await create('P-1');
    assert.equal(await dossiers.openPause(d.id), null);
    await ctx.api('post', `/api/v1/dossiers/${d.code}/events`).send({ kind: 'supplement_requested', occurredAt: '2026-03-02T08:00:00+07:00', note: 'Thiếu bản vẽ' }).expect(201);
    const open = (await dossiers.openPause(d.id))!;
    assert.equal(open.endedAt, null);
    await ctx.api('post', `/api/v1/dossiers/${d.code}/events`).send({ kind: 'supplement_received', occurredAt: '2026-03-02T08:30:00+07:00' }).expect(201);
    assert.equal(await dossiers.openPause(d.id), null);
    const pauses = await dossiers.pauses(d.id);
    assert.equal(pauses.length, 1);
    assert.equal(pauses[0].endedAt, Date.parse('2026-03-02T08:30:00+07:00'));
  });
});
