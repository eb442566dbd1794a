import assert from 'node:assert/strict';
import { AgencyRepository } from '../../src/db/agencies';
import { DossierRepository, type RecomputeCandidate } from '../../src/db/dossiers';
import { RecomputeService } from '../../src/services/recompute';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/** A dossier repository that lets the test act between the recompute's read and its write. */
class InterleavedDossiers extends DossierRepository {
  between: () => Promise<void> = async () => undefined;

  override async recomputable(afterId: number, limit: number, agencyIds: number[] | null): Promise<RecomputeCandidate[]> {
    const batch = await super.recomputable(afterId, limit, agencyIds);
    if (batch.length) await this.between();
    return batch;
  }
}

describe('recomputing due dates after a calendar change', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    // Accepted Thu 12/02, 20 working days (Tết 16–20/02 off) → due Thu 19/03 17:00; a day off on 10/03 makes it Fri 20/03.
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'REAPPOINTED' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'UNTOUCHED' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'PAUSED' })).expect(201);
  });
  afterEach(async () => ctx.close());

  it('keeps a re-appointment issued, or a pause started, between its read and its write, and still moves the others', async () => {
    const dossiers = new InterleavedDossiers(ctx.db);
    const recompute = new RecomputeService({ db: ctx.db, dossiers, agencies: new AgencyRepository(ctx.db), calendars: ctx.services.calendars, clock: ctx.clock });
    await ctx.services.calendars.saveEntries(
      [{ date: '2026-03-10', kind: 'off', occasion: null, name: 'Nghỉ đột xuất', source: 'Quyết định 12/QĐ-SXD', estimate: false, agencyCode: 'SXD' }],
      SYSTEM_ACTOR,
    );
    // The recompute has read all three (due 19/03, never re-appointed). Now a leader issues
    // REAPPOINTED's apology (new date 27/03) and the counter asks PAUSED's applicant for a supplement.
    dossiers.between = async () => {
      dossiers.between = async () => undefined;
      const drafted = await ctx.api('post', '/api/v1/dossiers/REAPPOINTED/apologies').send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-27' }).expect(201);
      await ctx.api('post', `/api/v1/apologies/${drafted.body.id}/approve`).expect(200);
      await ctx.api('post', '/api/v1/dossiers/PAUSED/events').send({ kind: 'supplement_requested', occurredAt: '2026-03-02T08:30:00+07:00' }).expect(201);
    };

    const report = await recompute.recompute(['SXD'], SYSTEM_ACTOR, 'Lịch thay đổi: 2026-03-10');

    const reappointed = (await ctx.api('get', '/api/v1/dossiers/REAPPOINTED').expect(200)).body;
    assert.equal(
      reappointed.currentDueAt,
      '2026-03-27T17:00:00+07:00',
      'the recompute overwrote the re-appointment issued in between: the letter says 27/03, the dossier must too',
    );
    assert.equal(reappointed.deadlineVersion, 2, 'only the apology changed the deadline (version 1 → 2)');
    assert.equal(reappointed.originalDueAt, '2026-03-19T17:00:00+07:00', 'the original appointment is the one the apology replaced');
    const events = (await ctx.api('get', '/api/v1/dossiers/REAPPOINTED/events').expect(200)).body.items.map((e: { kind: string }) => e.kind);
    assert.deepEqual(events, ['created', 'apology_drafted', 'apology_issued'], 'no due_recomputed event for a dossier that was not moved');

    const paused = (await ctx.api('get', '/api/v1/dossiers/PAUSED').expect(200)).body;
    assert.equal(paused.currentDueAt, null, 'the recompute gave a due date back to a dossier whose clock was stopped for a supplement in between');

    const untouched = (await ctx.api('get', '/api/v1/dossiers/UNTOUCHED').expect(200)).body;
    assert.equal(untouched.currentDueAt, '2026-03-20T17:00:00+07:00', 'a dossier nobody touched still moves from 19/03 to 20/03');
    assert.equal(untouched.deadlineVersion, 2);
    assert.deepEqual(report, { examined: 3, moved: 1 }, 'all three were examined; only UNTOUCHED was moved');
  });
});
