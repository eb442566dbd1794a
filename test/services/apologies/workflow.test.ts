import assert from 'node:assert/strict';
import { AgencyRepository } from '../../../src/db/agencies';
import { ApologyRepository } from '../../../src/db/apologies';
import { DossierRepository } from '../../../src/db/dossiers';
import { NoticeRepository } from '../../../src/db/notices';
import { ProcedureRepository } from '../../../src/db/procedures';
import type { PdfRenderer } from '../../../src/documents/pdf';
import { isoToDay } from '../../../src/domain/time';
import { AppError } from '../../../src/errors';
import { createLogger } from '../../../src/logger';
import { ApologyAccess, ApologyFiles, ApologyWorkflow } from '../../../src/services/apologies';
import { DraftCancellation } from '../../../src/services/apologies/cancellation';
import { SYSTEM_ACTOR } from '../../../src/domain/actor';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../../support/context';

const CODE = 'H13.01-260202-0001';

/** A PDF renderer that answers at once, or fails when told to: the workflow's tests need no browser. */
class FakePdf implements PdfRenderer {
  fail = false;
  rendered = 0;
  async render(html: string): Promise<Buffer> {
    if (this.fail) throw new Error('Chromium is not available');
    this.rendered++;
    return Buffer.from(`%PDF-fake ${html.length}`);
  }
  async close(): Promise<void> {}
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError, String(err));
  return err;
}

describe('the apology workflow (use cases)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let pdf: FakePdf;
  let workflow: ApologyWorkflow;
  let apologies: ApologyRepository;
  let notices: NoticeRepository;
  let dossiers: DossierRepository;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    // Accepted Mon 02/02/2026, 20 working days with Tết 16–20/02 off → due Mon 09/03/2026 17:00.
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: CODE, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    pdf = new FakePdf();
    apologies = new ApologyRepository(ctx.db);
    notices = new NoticeRepository(ctx.db);
    dossiers = new DossierRepository(ctx.db);
    const agencies = new AgencyRepository(ctx.db);
    const files = new ApologyFiles({ apologies, pdf, clock: ctx.clock });
    workflow = new ApologyWorkflow({
      db: ctx.db,
      apologies,
      notices,
      dossiers,
      agencies,
      procedures: new ProcedureRepository(ctx.db),
      calendars: ctx.services.calendars,
      documents: ctx.services.documents,
      files,
      access: new ApologyAccess({ apologies, dossiers, agencies, notices }),
      clock: ctx.clock,
      publicBaseUrl: 'https://henlai.example.vn',
      logger: createLogger('silent'),
      // No agency here has chosen how it signs: letters are issued unsigned, and say so.
      signing: ctx.services.signing,
      outbound: ctx.services.onestopOutbound,
      drafts: new DraftCancellation({ apologies, signing: ctx.services.signing }),
    });
  });
  afterEach(async () => ctx.close());

  it('drafts with the procedure’s reason and the agency’s signer when the form leaves them out', async () => {
    const { apology } = await workflow.draft(CODE, {}, SYSTEM_ACTOR);
    assert.equal(apology.status, 'draft');
    assert.equal(apology.reason, 'Hồ sơ cần thẩm định thêm tại hiện trường');
    assert.equal(apology.signerName, 'Trần Văn Bình');
    assert.equal(apology.signerOnBehalf, 'KT. GIÁM ĐỐC');
    assert.equal(apology.newDueAt, new Date('2026-03-16T17:00:00+07:00').getTime(), 'due Mon 09/03 + 5 working days');
    assert.equal(apology.origin, 'officer');
  });

  it('approving issues the draft: number, new due date, notice with the citizen’s link, then the PDF', async () => {
    const drafted = await workflow.draft(CODE, { reason: 'Cần khảo sát lại hiện trạng công trình', newDueDay: isoToDay('2026-03-18') }, SYSTEM_ACTOR);
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    const { apology, notices: queued } = await workflow.approve(drafted.apology.id, SYSTEM_ACTOR);
    assert.equal(apology.status, 'issued');
    assert.equal(apology.letterNumber, '01/PXL-SXD');
    assert.equal(apology.late, false);
    assert.equal(apology.approvedBy, SYSTEM_ACTOR.name);
    const d = await dossiers.byCode(CODE);
    assert.equal(d?.currentDueAt, new Date('2026-03-18T17:00:00+07:00').getTime());
    assert.equal(d?.deadlineVersion, 2);
    assert.equal(d?.extensionsCount, 1);
    assert.equal(queued.length, 1);
    assert.equal(queued[0].channel, 'zalo');
    assert.match(String(queued[0].payload.email && (queued[0].payload.email as { text: string }).text), new RegExp(`https://henlai.example.vn/c/${apology.citizenToken}`));
    assert.equal(pdf.rendered, 1, 'the PDF is made right after the commit');
    assert.ok(await apologies.pdf(apology.id));
  });

  it('still answers the issued apology when the PDF cannot be made, leaving it for the watcher', async () => {
    const drafted = await workflow.draft(CODE, {}, SYSTEM_ACTOR);
    pdf.fail = true;
    const { apology } = await workflow.approve(drafted.apology.id, SYSTEM_ACTOR);
    assert.equal(apology.status, 'issued');
    assert.equal(await apologies.pdf(apology.id), null);
    assert.deepEqual(await apologies.issuedWithoutPdf(0, 10), [apology.id]);
  });

  it('approves or cancels a draft only, naming what it is', async () => {
    const first = await workflow.draft(CODE, {}, SYSTEM_ACTOR);
    await workflow.approve(first.apology.id, SYSTEM_ACTOR);
    const again = await refusal(workflow.approve(first.apology.id, SYSTEM_ACTOR));
    assert.equal(again.code, 'apology-not-draft');
    assert.match(again.message, /Đã ban hành/);
    const cancelIssued = await refusal(workflow.cancel(first.apology.id, 'nhầm', SYSTEM_ACTOR));
    assert.equal(cancelIssued.code, 'apology-not-draft');
    assert.match(cancelIssued.message, /đã ban hành: chỉ huỷ được bản nháp/);
    assert.equal((await refusal(workflow.approve(9999, SYSTEM_ACTOR))).status, 404);
  });

  it('cancels a draft with the reason in the dossier’s history', async () => {
    const drafted = await workflow.draft(CODE, {}, SYSTEM_ACTOR);
    const { apology } = await workflow.cancel(drafted.apology.id, 'Hồ sơ đã có kết quả', SYSTEM_ACTOR);
    assert.equal(apology.status, 'cancelled');
    const d = await dossiers.byCode(CODE);
    const events = await ctx.api('get', `/api/v1/dossiers/${CODE}/events`).expect(200);
    assert.deepEqual(events.body.items.map((e: { kind: string }) => e.kind), ['created', 'apology_drafted', 'apology_cancelled']);
    assert.equal(d?.deadlineVersion, 1, 'cancelling changes no deadline');
  });

  it('refuses to issue a draft whose deadline changed meanwhile, and changes nothing', async () => {
    const drafted = await workflow.draft(CODE, {}, SYSTEM_ACTOR);
    const d = (await dossiers.byCode(CODE))!;
    await dossiers.update(d.id, { deadlineVersion: 2 }, ctx.clock.now().getTime());
    const err = await refusal(ctx.db.transaction(async () => workflow.issueInTx(drafted.apology, SYSTEM_ACTOR)));
    assert.equal(err.code, 'deadline-changed');
    assert.equal((await apologies.byId(drafted.apology.id))?.status, 'draft');
    assert.deepEqual(await ctx.db('letter_sequences').select('agency_id'), [], 'no number was taken');
  });

  it('drafts and issues inside the caller’s transaction only', async () => {
    const d = (await dossiers.byCode(CODE))!;
    await assert.rejects(workflow.draftInTx(d, {}, SYSTEM_ACTOR, 'watcher'), /transaction/i);
  });

  it('previews the letter without saving anything: a banner and no number', async () => {
    const html = await workflow.preview(CODE, { reason: 'Chờ ý kiến cơ quan phối hợp' }, SYSTEM_ACTOR);
    assert.match(html, /BẢN XEM TRƯỚC — CHƯA BAN HÀNH, CHƯA CÓ SỐ/);
    assert.match(html, /Chờ ý kiến cơ quan phối hợp/);
    assert.doesNotMatch(html, /01\/PXL-SXD/);
    assert.equal((await apologies.list({}, 10, 0)).total, 0);
  });

  it('resends: retries a notice that failed for good, refuses while one is on its way, queues a new one after delivery', async () => {
    const drafted = await workflow.draft(CODE, {}, SYSTEM_ACTOR);
    const { notices: [notice] } = await workflow.approve(drafted.apology.id, SYSTEM_ACTOR);
    assert.equal((await refusal(workflow.resend(drafted.apology.id, SYSTEM_ACTOR))).code, 'notice-pending');

    const now = ctx.clock.now().getTime();
    await ctx.db('notices').where({ id: notice.id }).update({ status: 'permanent-failure' });
    const retried = await workflow.resend(drafted.apology.id, SYSTEM_ACTOR);
    assert.equal(retried.retried, true);
    assert.deepEqual(retried.view.notices.map((n) => n.status), ['created']);

    await ctx.db('notices').where({ id: notice.id }).update({ status: 'delivered' });
    const again = await workflow.resend(drafted.apology.id, SYSTEM_ACTOR);
    assert.equal(again.retried, false);
    assert.deepEqual(again.view.notices.map((n) => `${n.channel}:${n.status}`), ['zalo:delivered', 'zalo:created']);
    assert.deepEqual(again.view.notices[1].payload.resend, { by: SYSTEM_ACTOR.name, at: now, of: notice.id });
  });
});
