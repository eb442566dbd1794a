import assert from 'node:assert/strict';
import { ApologyRepository } from '../../src/db/apologies';
import { FakePdfRenderer } from '../fakes/pdf';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

class Rollback extends Error {}

/** The fake renderer, or a failing one while `down` (as when Chromium cannot start). */
class SwitchablePdf extends FakePdfRenderer {
  down = false;
  override async render(html: string): Promise<Buffer> {
    if (this.down) throw new Error('Chromium could not be launched (simulated)');
    return super.render(html);
  }
}

describe('db/apologies: the apology repository', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let apologies: ApologyRepository;
  let agencyId: number;
  let pdf: SwitchablePdf;

  beforeEach(async () => {
    pdf = new SwitchablePdf();
    ctx = await createTestContext('2026-03-10T09:00:00+07:00', { pdf });
    await seedBasics(ctx);
    apologies = new ApologyRepository(ctx.db);
    agencyId = Number((await ctx.db('agencies').where({ code: 'SXD' }).first('id')).id);
  });
  afterEach(async () => ctx.close());

  /** A late dossier and its drafted apology (through the API, as a counter officer would). */
  async function draft(code: string): Promise<number> {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    return (await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({}).expect(201)).body.id as number;
  }

  it('numbers an agency’s letters per year from 1, only inside a transaction, and a rolled-back issue gives its number back', async () => {
    await assert.rejects(apologies.nextLetterSeq(agencyId, 2026), /inside db.transaction/);
    const take = (year: number) => ctx.db.transaction(() => apologies.nextLetterSeq(agencyId, year));
    assert.equal(await take(2026), 1);
    assert.equal(await take(2026), 2);
    assert.equal(await take(2027), 1, 'a new year starts again at 1');
    await assert.rejects(
      ctx.db.transaction(async () => {
        assert.equal(await apologies.nextLetterSeq(agencyId, 2026), 3);
        throw new Rollback();
      }),
      Rollback,
    );
    assert.equal(await take(2026), 3, 'the number of a rolled-back issue is taken again: no gap');
  });

  it('cancels drafts only, and a cancelled draft no longer holds its deadline version', async () => {
    const first = await draft('H-1');
    const second = await draft('H-2');
    await ctx.api('post', `/api/v1/apologies/${second}/approve`).expect(200);
    const dossierId = (await apologies.byId(first))!.dossierId;
    const version = (await apologies.byId(first))!.deadlineVersion;
    assert.equal((await apologies.activeFor(dossierId, version))?.id, first);

    const now = ctx.clock.now().getTime();
    assert.equal(await apologies.cancelDrafts({ id: second }, 'Trần Văn Bình', 'nhầm', now), 0, 'an issued letter is not a draft: it stays issued');
    assert.equal((await apologies.byId(second))!.status, 'issued');
    assert.equal(await apologies.cancelDrafts({ dossierId }, 'Trần Văn Bình', 'hồ sơ đã trả kết quả', now), 1);
    assert.equal((await apologies.byId(first))!.status, 'cancelled');
    assert.equal(await apologies.activeFor(dossierId, version), null, 'the deadline version is free for a new draft');
  });

  it('keeps the first PDF of a letter, and lists issued letters still without one in id order', async () => {
    const ids = [await draft('P-1'), await draft('P-2'), await draft('P-3')];
    // Issued while the renderer fails: the letters have no PDF yet.
    pdf.down = true;
    for (const id of ids) await ctx.api('post', `/api/v1/apologies/${id}/approve`).expect(200);
    assert.deepEqual(await apologies.issuedWithoutPdf(0, 10), ids);
    assert.deepEqual(await apologies.issuedWithoutPdf(ids[0], 1), [ids[1]], 'after an id, up to the limit');

    const now = ctx.clock.now().getTime();
    const first = await new FakePdfRenderer().render('first');
    await apologies.storePdf(ids[1], first, now);
    await apologies.storePdf(ids[1], await new FakePdfRenderer().render('second'), now);
    assert.ok((await apologies.pdf(ids[1]))!.equals(first), 'a later render must not replace the PDF the citizen may already have');
    assert.equal((await apologies.byId(ids[1]))!.hasPdf, true);
    assert.deepEqual(await apologies.issuedWithoutPdf(0, 10), [ids[0], ids[2]]);
    const letters = await apologies.letterPdfs([ids[0], ids[1]]);
    assert.equal(letters.get(ids[0])!.pdf, null);
    assert.ok(letters.get(ids[1])!.pdf!.equals(first));
    assert.match(letters.get(ids[1])!.letterNumber ?? '', /\/PXL-SXD$/);
  });

  it('records a citizen’s acknowledgement once, and only of an issued letter', async () => {
    const draftId = await draft('A-1');
    assert.equal(await apologies.markAcknowledged(draftId, 1000), false, 'a draft cannot be acknowledged');
    await ctx.api('post', `/api/v1/apologies/${draftId}/approve`).expect(200);
    assert.equal(await apologies.markAcknowledged(draftId, 2000), true);
    assert.equal(await apologies.markAcknowledged(draftId, 3000), false);
    const a = (await apologies.byId(draftId))!;
    assert.equal(a.acknowledgedAt, 2000, 'the first acknowledgement’s time is kept');
    assert.equal((await apologies.byCitizenToken(a.citizenToken))?.id, draftId);
    const page = await apologies.withDossierByCitizenToken(a.citizenToken);
    assert.equal(page?.dossier.code, 'A-1');
    assert.equal(await apologies.byCitizenToken('not-a-token'), null);
  });
});
