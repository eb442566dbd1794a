import assert from 'node:assert/strict';
import { SYSTEM_ACTOR, type Actor } from '../../../src/domain/actor';
import { createDemoCa, leaderSignature, openCertificateFile, signPdf, type DemoCa } from '../../../src/signing';
import { AGENCY, type TestContext } from '../../support/context';
import { requirePoppler } from '../signing/support';
import { assertTwoValidSignatures, signingCase } from './signing-support';

const CODE = 'H13.01-260202-0001';
const LEADER = 'Trần Văn Bình';

describe('signed letters: leader at approval, agency at issuance (certificate files)', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let ca: DemoCa;
  let leader: Actor;

  before(async function () {
    requirePoppler(this);
    ca = await createDemoCa({ now: new Date('2026-01-01T00:00:00Z') });
  });

  beforeEach(async () => {
    let agencyId: number;
    let leaderId: number;
    ({ ctx, leader, agencyId, leaderId } = await signingCase([CODE], LEADER));
    await ctx.services.signingSettings.trustRoot({ name: 'test CA', certificatePem: ca.certificatePem, demo: true });
    const org = await ca.issueAgency(AGENCY.name, { password: 'p-co-quan' });
    await ctx.services.signingSettings.installCertificate({ kind: 'agency', id: agencyId }, { organization: AGENCY.name }, org.p12, 'p-co-quan', 'test');
    const person = await ca.issueLeader({ name: LEADER, agencyName: AGENCY.name }, { password: 'p-lanh-dao' });
    await ctx.services.signingSettings.installCertificate({ kind: 'user', id: leaderId }, { commonName: LEADER }, person.p12, 'p-lanh-dao', 'test');
  });
  afterEach(async () => ctx?.close());

  const draft = async () =>
    (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(CODE)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201)).body as { id: number };

  /** Approves `id` in a process that dies once the leader's layer is committed, before issuance starts. */
  const approveDyingBeforeIssuance = async (id: number) => {
    const workflow = (ctx.services.apologyWorkflow as unknown as { signed: { issueSigned: (id: number) => Promise<void> } }).signed;
    const issueSigned = workflow.issueSigned;
    workflow.issueSigned = () => Promise.reject(new Error('process killed'));
    try {
      await assert.rejects(ctx.services.apologyWorkflow.approve(id, leader), /process killed/);
    } finally {
      workflow.issueSigned = issueSigned;
    }
  };

  it('issues a letter signed twice, verified by pdfsig; the code and the file check at /xac-thuc', async () => {
    const { id } = await draft();
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    const view = await ctx.services.apologyWorkflow.approve(id, leader);
    assert.equal(view.apology.status, 'issued');
    assert.equal(view.apology.letterNumber, '01/PXL-SXD');
    const pdf = (await ctx.services.apologies.letterPdf(id, leader)).pdf;
    assertTwoValidSignatures(pdf);
    const notices = await ctx.services.notices.forApology(id);
    assert.ok(notices.length >= 1, 'the notices are queued once the letter is signed');
    const attachments = await ctx.services.apologyFiles.noticeAttachments(notices);
    const attached = attachments.get(notices[0].id) as Array<{ content: Buffer }>;
    assert.ok(attached[0].content.equals(pdf), 'the e-mail attaches exactly the signed bytes');

    const state = await ctx.services.signing.state(id);
    assert.equal(state?.state, 'signed');
    const byCode = await ctx.services.verification.byCode((state as { verificationCode: string }).verificationCode.toLowerCase());
    assert.equal(byCode?.found, 'issued');
    assert.equal(byCode?.valid, true, JSON.stringify(byCode));
    assert.equal(byCode?.letterNumber, '01/PXL-SXD');
    assert.deepEqual(byCode?.signatures.map((s) => s.signer), [LEADER, AGENCY.name]);
    assert.ok(!JSON.stringify(byCode).includes('Nguyễn Văn An'), 'no personal data of the citizen');

    const byFile = await ctx.services.verification.byFile(pdf);
    assert.equal(byFile.sameFile, true);
    assert.equal(byFile.valid, true);
    const other = Buffer.from(pdf);
    other[other.length - 20] ^= 1;
    const changed = await ctx.services.verification.byFile(other);
    assert.equal(changed.found, 'unknown');

    const page = await ctx.api('get', `/xac-thuc?ma=${(state as { verificationCode: string }).verificationCode}`).expect(200);
    assert.match(page.text, /Đúng là văn bản đã ban hành/);
    assert.match(page.text, /01\/PXL-SXD/);
    assert.doesNotMatch(page.text, /Nguyễn Văn An/);
  });

  it('a leader certificate that expired before the approval: 422 naming the cause, the draft handed back, nothing sent', async () => {
    const short = await ca.issueLeader({ name: LEADER, agencyName: AGENCY.name }, { password: 'p-ngan-han', notAfter: new Date('2026-03-02T12:00:00Z') });
    await ctx.services.signingSettings.installCertificate({ kind: 'user', id: leader.userId as number }, { commonName: LEADER }, short.p12, 'p-ngan-han', 'test');
    const { id } = await draft();
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    await assert.rejects(ctx.services.apologyWorkflow.approve(id, leader), (err: Error & { status?: number }) => err.status === 422 && /hết hạn/.test(err.message));
    const view = await ctx.services.apologies.get(id, leader);
    assert.equal(view.apology.status, 'draft');
    assert.equal(view.notices.length, 0);
    const state = await ctx.services.signing.state(id);
    assert.equal(state?.state, 'returned');
    assert.match(state?.message ?? '', /hết hạn/);
  });

  it('external signer: the document-management system signs the letter as approved; a forged or altered file is refused (422) and changes nothing', async () => {
    await ctx.services.signingSettings.setMode({ kind: 'user', id: leader.userId as number }, 'external', 'test');
    const { id } = await draft();
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    const waiting = await ctx.services.apologyWorkflow.approve(id, leader);
    assert.equal(waiting.apology.status, 'draft');
    assert.equal((await ctx.services.signing.state(id))?.state, 'leader-waiting');
    const apiToken = ctx.token;
    const toSign = await ctx.api('get', `/api/v1/apologies/${id}/letter-to-sign.pdf`, apiToken).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    const unsigned = toSign.body as Buffer;
    const sign = async (pdf: Buffer, name: string, p12: Buffer, password: string) =>
      signPdf(pdf, openCertificateFile(p12, password, { now: ctx.clock.now() }), {
        ...leaderSignature({ page: 0, rect: [360, 104, 488, 171], name, signingTime: ctx.clock.now() }),
        signingTime: ctx.clock.now(),
      });
    const post = (pdf: Buffer) => ctx.api('post', `/api/v1/apologies/${id}/signed-letter`, apiToken).set('Content-Type', 'application/pdf').send(pdf);

    const stranger = await ca.issueLeader({ name: 'Người Khác', agencyName: AGENCY.name }, { password: 'x' });
    const wrongPerson = await post(await sign(unsigned, 'Người Khác', stranger.p12, 'x')).expect(422);
    assert.match(wrongPerson.body.title, /không thuộc lãnh đạo Trần Văn Bình/);
    const altered = Buffer.from(unsigned);
    altered[altered.indexOf('stream') + 40] ^= 1;
    const person = await ca.issueLeader({ name: LEADER, agencyName: AGENCY.name }, { password: 'p' });
    const otherText = await post(await sign(altered, LEADER, person.p12, 'p')).expect(422);
    assert.match(otherText.body.title, /không phải bản thư đã soạn/);
    const signed = await sign(unsigned, LEADER, person.p12, 'p');
    const appended = Buffer.concat([signed, Buffer.from('\n% thêm sau chữ ký\n')]);
    await post(appended).expect(422);
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'draft', 'nothing changed');

    const issued = await post(signed).expect(200);
    assert.equal(issued.body.status, 'issued');
    assertTwoValidSignatures((await ctx.services.apologyFiles.ensurePdf(id)));
  });

  it('an agency certificate that cannot sign at issuance: nothing issued or sent, the reason shown, retried once a valid one is installed', async () => {
    const agency = await ctx.services.registry.agency(AGENCY.code);
    const short = await ca.issueAgency(AGENCY.name, { password: 'p-ngan', notAfter: new Date('2026-03-02T12:00:00Z') });
    await ctx.services.signingSettings.installCertificate({ kind: 'agency', id: agency.id }, { organization: AGENCY.name }, short.p12, 'p-ngan', 'test');
    const { id } = await draft();
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    await assert.rejects(ctx.services.apologyWorkflow.approve(id, leader), (err: Error & { status?: number }) => err.status === 422 && /hết hạn/.test(err.message));
    const stuck = await ctx.services.signing.state(id);
    assert.equal(stuck?.state, 'leader-signed', "the leader's signature is kept");
    assert.match(stuck?.message ?? '', /hết hạn.*sẽ thử lại/);
    const view = await ctx.services.apologies.get(id, leader);
    assert.equal(view.apology.status, 'draft');
    assert.equal(view.notices.length, 0);

    const renewed = await ca.issueAgency(AGENCY.name, { password: 'p-moi' });
    await ctx.services.signingSettings.installCertificate({ kind: 'agency', id: agency.id }, { organization: AGENCY.name }, renewed.p12, 'p-moi', 'test');
    ctx.clock.advance(10 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'issued');
    assertTwoValidSignatures(await ctx.services.apologyFiles.ensurePdf(id));
  });

  it('the poller issuing a letter its leader signed while the dossier closes: the close never fails, and the letter is either issued before it or cancelled by it', async () => {
    const { id } = await draft();
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    // Left signed by its leader, not issued: the poller's to issue (as after a restart).
    await approveDyingBeforeIssuance(id);
    ctx.clock.advance(10 * 60_000);
    const [, closed] = await Promise.allSettled([
      ctx.services.apologyWorkflow.checkSignatures(),
      ctx.services.dossiers.recordEvent(CODE, { kind: 'withdrawn', occurredAt: new Date('2026-03-03T10:05:00+07:00') }, SYSTEM_ACTOR),
    ]);
    assert.equal(closed.status, 'fulfilled', `closing the dossier failed while the poller issued its letter: ${closed.status === 'rejected' ? String(closed.reason) : ''}`);
    const view = await ctx.services.apologies.get(id, leader);
    const kinds = (await ctx.services.dossiers.history(CODE, SYSTEM_ACTOR)).events.map((e) => e.kind);
    if (view.apology.status === 'issued') {
      assert.equal(view.apology.letterNumber, '01/PXL-SXD');
      assert.ok(kinds.indexOf('apology_issued') < kinds.indexOf('withdrawn'), `issued before the close: ${kinds.join(', ')}`);
      assertTwoValidSignatures(await ctx.services.apologyFiles.ensurePdf(id));
    } else {
      assert.equal(view.apology.status, 'cancelled', `the close won, so the letter must be cancelled, not "${view.apology.status}"`);
      assert.equal(view.apology.letterNumber, null, 'a letter the close cancelled never got a number');
      assert.equal(view.notices.length, 0, 'nothing goes to the citizen');
      assert.equal((await ctx.services.signing.state(id))?.state, 'returned', 'the signing round ended: the poller stops asking');
    }
  });

  it('a process killed after the leader signed but before issuance: the poller finds the letter and issues it, once, signed twice', async () => {
    const { id } = await draft();
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    // The process dies between the two steps: the leader's layer is committed, issuance never
    // starts (not even its error handling, which would have scheduled a retry).
    await approveDyingBeforeIssuance(id);
    const stopped = await ctx.services.signing.state(id);
    assert.equal(stopped?.state, 'leader-signed', "the leader's signature was stored before the process stopped");
    assert.notEqual(stopped?.nextCheckAt ?? null, null, 'a letter signed by its leader but not issued has a next-check time, or no poller ever picks it up again');
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'draft', 'nothing issued before the restart');

    // The restarted process: the signing poller runs on its schedule.
    ctx.clock.advance(10 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    await ctx.services.apologyWorkflow.checkSignatures();
    const view = await ctx.services.apologies.get(id, leader);
    assert.equal(view.apology.status, 'issued', 'the poller issues the letter the stopped process left signed by its leader');
    assert.equal(view.apology.letterNumber, '01/PXL-SXD');
    assert.equal(view.notices.length, 1, 'its notice is queued once, however often the poller runs');
    const done = await ctx.services.signing.state(id);
    assert.equal(done?.state, 'signed');
    assert.equal(done?.nextCheckAt ?? null, null, 'an issued letter is no longer checked');
    assertTwoValidSignatures(await ctx.services.apologyFiles.ensurePdf(id));
  });
});
