import { SYSTEM_ACTOR } from '../../src/domain/actor';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

const CODE = 'H13.01-260202-0001';

describe('apology workflow API', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    // Accepted Mon 02/02/2026, 20 working days with Tết 16–20/02 off → due Mon 09/03/2026 17:00.
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: CODE, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
  });
  afterEach(async () => ctx.close());

  const draft = (body: Record<string, unknown> = {}, code = CODE) =>
    ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(code)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', ...body });

  it('proposes the default new date and the usual reasons', async () => {
    const res = await ctx.api('get', `/api/v1/dossiers/${CODE}/apologies/proposal`).expect(200);
    assert.equal(res.body.newDueDate, '2026-03-16', 'due Mon 09/03 + the procedure’s 5 working days = Mon 16/03');
    assert.equal(res.body.allowed, true);
    assert.equal(res.body.reasons[0], 'Hồ sơ cần thẩm định thêm tại hiện trường', 'the procedure’s own reason comes first');
  });

  it('drafts before the deadline, and the leader’s approval issues it: number, new due date, notices', async () => {
    const drafted = await draft({ newDueDate: '2026-03-18' }).expect(201);
    assert.equal(drafted.body.status, 'draft');
    assert.equal(drafted.body.newDueAt, '2026-03-18T17:00:00+07:00');
    assert.equal(drafted.body.links, null, 'a draft has no letter yet');
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    const issued = await ctx.api('post', `/api/v1/apologies/${drafted.body.id}/approve`).expect(200);
    assert.equal(issued.body.status, 'issued');
    assert.equal(issued.body.letterNumber, '01/PXL-SXD', 'the first letter of the year is number 01 with the agency’s symbol');
    assert.equal(issued.body.late, false, 'issued on 03/03, before the 09/03 deadline: on time');
    assert.equal(issued.body.issuedAt, '2026-03-03T10:00:00+07:00');
    assert.equal(drafted.body.signing, null, 'no signing before approval');
    assert.deepEqual(
      issued.body.signing,
      { state: 'unsigned', stateLabel: 'Không ký số', waitingFor: null, reason: 'Cơ quan chưa cài đặt chữ ký số', verificationCode: null },
      'an agency without signing set up (outside production) issues unsigned, and the answer says so',
    );
    assert.deepEqual(
      issued.body.notices.map((n: { channel: string; recipient: string; status: string }) => `${n.channel}:${n.recipient}:${n.status}`),
      ['zalo:+84912345678:created'],
      'the citizen consented to Zalo and e-mail: one notice on Zalo (e-mail is the fallback), waiting to be sent',
    );

    const dossier = await ctx.api('get', `/api/v1/dossiers/${CODE}`).expect(200);
    assert.equal(dossier.body.currentDueAt, '2026-03-18T17:00:00+07:00', 'the dossier now runs to the new date');
    assert.equal(dossier.body.originalDueAt, '2026-03-09T17:00:00+07:00', 'the original appointment is kept');
    assert.equal(dossier.body.extensionsCount, 1);
    assert.equal(dossier.body.deadlineVersion, 2);
    const history = await ctx.api('get', `/api/v1/dossiers/${CODE}/events`).expect(200);
    assert.deepEqual(history.body.items.map((e: { kind: string }) => e.kind), ['created', 'apology_drafted', 'apology_issued']);

    const html = await ctx.api('get', `/api/v1/apologies/${drafted.body.id}/letter.html`).expect(200);
    assert.match(html.text, /01\/PXL-SXD/);
    assert.match(html.text, /Cần khảo sát lại hiện trạng công trình/);
    assert.match(html.text, /ngày 18 tháng 3 năm 2026/, 'the new date in words');
    assert.match(html.text, /Nguyễn Văn An/);
    const pdf = await ctx.api('get', `/api/v1/apologies/${drafted.body.id}/letter.pdf`).responseType('blob').expect(200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal((pdf.body as Buffer).subarray(0, 5).toString(), '%PDF-');
    const again = await ctx.api('get', `/api/v1/apologies/${drafted.body.id}/letter.pdf`).responseType('blob').expect(200);
    assert.ok((again.body as Buffer).equals(pdf.body as Buffer), 'downloading the letter again gives the same stored bytes');

    const citizen = new URL(issued.body.links.citizen).pathname;
    const page = await supertest(ctx.app).get(citizen).expect(200);
    assert.match(page.text, /01\/PXL-SXD/);
    await supertest(ctx.app).get(`${citizen}/letter.pdf`).expect(200);
    await supertest(ctx.app).get('/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').expect(404);
  });

  it('refuses a new date that is not a working day after the current due date, naming the field', async () => {
    const saturday = await draft({ newDueDate: '2026-03-14' }).expect(422);
    assert.equal(saturday.body.errors[0].field, 'newDueDate');
    assert.match(saturday.body.title, /không phải ngày làm việc/);
    const before = await draft({ newDueDate: '2026-03-09' }).expect(422);
    assert.match(before.body.title, /phải sau ngày hẹn hiện tại \(09\/03\/2026\)/);
    await draft({ newDueDate: '2026-02-30' }).expect(400);
    assert.equal(Number((await ctx.db('apologies').count({ n: '*' }).first())?.n), 0, 'refused drafts are not stored');
  });

  it('allows one live apology per deadline and one re-appointment per dossier', async () => {
    const first = await draft().expect(201);
    const twice = await draft().expect(409);
    assert.match(twice.body.title, /đã có thư xin lỗi/);
    await ctx.api('post', `/api/v1/apologies/${first.body.id}/approve`).expect(200);
    await ctx.api('post', `/api/v1/apologies/${first.body.id}/approve`).expect(409);
    const more = await draft().expect(422);
    assert.equal(more.body.type, 'urn:henlai:problem:max-extensions', 'maxExtensions = 1: no second re-appointment');
  });

  it('marks an apology issued after the due date as late', async () => {
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    const d = await draft().expect(201);
    const issued = await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    assert.equal(issued.body.late, true, 'issued Tue 10/03 for a deadline of Mon 09/03: late');
    const late = await ctx.api('get', '/api/v1/apologies?timing=late').expect(200);
    assert.deepEqual(late.body.items.map((a: { id: number }) => a.id), [d.body.id]);
    const onTime = await ctx.api('get', '/api/v1/apologies?timing=on_time').expect(200);
    assert.equal(onTime.body.total, 0);
  });

  it('refuses an apology for a resolved, withdrawn or rejected dossier', async () => {
    await ctx.api('post', `/api/v1/dossiers/${CODE}/events`).send({ kind: 'resolved', occurredAt: '2026-03-01T10:00:00+07:00' }).expect(201);
    const res = await draft().expect(409);
    assert.equal(res.body.type, 'urn:henlai:problem:dossier-resolved');
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'RUT', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers/RUT/events').send({ kind: 'withdrawn', occurredAt: '2026-03-01T10:00:00+07:00' }).expect(201);
    assert.equal((await draft({}, 'RUT').expect(409)).body.type, 'urn:henlai:problem:dossier-closed');
  });

  it('numbers letters per agency and year without gaps, even when approved concurrently', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const code = `SEQ-${i}`;
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
      ids.push((await draft({}, code).expect(201)).body.id);
    }
    const results = await Promise.all(ids.map((id) => ctx.services.apologyWorkflow.approve(id, { name: 'lãnh đạo', agencyId: null, role: 'leader' })));
    const numbers = results.map((r) => r.apology.letterNumber).sort();
    assert.deepEqual(numbers, ['01/PXL-SXD', '02/PXL-SXD', '03/PXL-SXD', '04/PXL-SXD', '05/PXL-SXD']);
  });

  it('addresses the letter to the authorised representative when there is one', async () => {
    await ctx
      .api('post', '/api/v1/dossiers')
      .send(
        dossierBody({
          code: 'UQ-1',
          acceptedAt: '2026-02-02T08:00:00+07:00',
          applicant: { kind: 'organisation', name: 'Công ty TNHH Xây dựng Tây Đô' },
          representative: { name: 'Phạm Thị Hồng', phone: '0987 654 321', email: 'hong@example.vn' },
        }),
      )
      .expect(201);
    const d = await draft({}, 'UQ-1').expect(201);
    assert.deepEqual(d.body.recipient, { name: 'Phạm Thị Hồng', representative: true });
    const issued = await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    assert.deepEqual(issued.body.notices.map((n: { recipient: string }) => n.recipient), ['+84987654321'], 'the notice goes to the representative');
    const html = await ctx.api('get', `/api/v1/apologies/${d.body.id}/letter.html`).expect(200);
    assert.match(html.text, /Phạm Thị Hồng/);
    assert.match(html.text, /Công ty TNHH Xây dựng Tây Đô/);
  });

  it('shows citizen-supplied text literally in the letter', async () => {
    await ctx
      .api('post', '/api/v1/dossiers')
      .send(dossierBody({ code: 'XSS', acceptedAt: '2026-02-02T08:00:00+07:00', applicant: { kind: 'person', name: '<b>Lê</b> & "Trần"' } }))
      .expect(201);
    const d = await draft({ reason: 'Lý do <script>alert(1)</script>' }, 'XSS').expect(201);
    await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    const html = (await ctx.api('get', `/api/v1/apologies/${d.body.id}/letter.html`).expect(200)).text;
    assert.ok(!html.includes('<b>Lê</b>'), 'the name must not become markup');
    assert.ok(!html.includes('<script>alert(1)</script>'), 'the reason must not become a script');
    assert.match(html, /&lt;b&gt;Lê&lt;\/b&gt; &amp; (&quot;|&#x22;|")Trần/);
  });

  it('uses the TT 01/2018 form for a dossier received before 1/7/2025', async () => {
    ctx.clock.set(new Date('2025-06-20T09:00:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'CU-1', acceptedAt: '2025-06-02T08:00:00+07:00' })).expect(201);
    const d = await draft({}, 'CU-1').expect(201);
    assert.equal(d.body.form, 'tt01-2018');
    await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    const html = (await ctx.api('get', `/api/v1/apologies/${d.body.id}/letter.html`).expect(200)).text;
    assert.match(html, /PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ/);
    const recent = await draft().expect(201);
    assert.equal(recent.body.form, 'tt03-2025');
  });

  it('cancels a draft on request, and when the dossier is resolved, with its unsent notices', async () => {
    const d = await draft().expect(201);
    await ctx.api('post', `/api/v1/apologies/${d.body.id}/cancel`).send({ reason: '' }).expect(400);
    const cancelled = await ctx.api('post', `/api/v1/apologies/${d.body.id}/cancel`).send({ reason: 'Soạn nhầm' }).expect(200);
    assert.equal(cancelled.body.status, 'cancelled');
    const second = await draft().expect(201);
    await ctx.api('post', `/api/v1/dossiers/${CODE}/events`).send({ kind: 'resolved', occurredAt: '2026-03-02T08:30:00+07:00' }).expect(201);
    const after = await ctx.api('get', `/api/v1/apologies/${second.body.id}`).expect(200);
    assert.equal(after.body.status, 'cancelled', 'resolving the dossier cancels its pending draft');

    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'N-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const issued = await ctx.api('post', `/api/v1/apologies/${(await draft({}, 'N-1').expect(201)).body.id}/approve`).expect(200);
    await ctx.api('post', '/api/v1/dossiers/N-1/events').send({ kind: 'resolved', occurredAt: '2026-03-02T08:40:00+07:00' }).expect(201);
    const notices = await ctx.api('get', `/api/v1/apologies/${issued.body.id}`).expect(200);
    assert.deepEqual(notices.body.notices.map((n: { status: string }) => n.status), ['cancelled'], 'a notice not yet sent is cancelled');
  });

  it('picks e-mail when the citizen did not agree to Zalo, and the counter when no channel is agreed', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'MAIL', acceptedAt: '2026-02-02T08:00:00+07:00', consent: { zalo: false, email: true, sms: false } })).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'NONE', acceptedAt: '2026-02-02T08:00:00+07:00', consent: { zalo: false, email: false, sms: false } })).expect(201);
    const mail = await ctx.api('post', `/api/v1/apologies/${(await draft({}, 'MAIL').expect(201)).body.id}/approve`).expect(200);
    assert.deepEqual(mail.body.notices.map((n: { channel: string; recipient: string }) => `${n.channel}:${n.recipient}`), ['email:an.nguyen@example.vn']);
    const none = await ctx.api('post', `/api/v1/apologies/${(await draft({}, 'NONE').expect(201)).body.id}/approve`).expect(200);
    assert.deepEqual(none.body.notices.map((n: { channel: string }) => n.channel), ['print'], 'nobody to reach electronically: the counter calls or hands over the printed letter');
  });

  it('reloads the calendar inside the issuing transaction without waiting on itself (SQLite has one connection)', async function () {
    this.timeout(15_000);
    const d = await draft().expect(201);
    ctx.services.calendars.invalidate();
    await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    ctx.services.calendars.invalidate();
    await ctx.api('post', `/api/v1/dossiers/${CODE}/events`).send({ kind: 'resolved', occurredAt: '2026-03-02T08:30:00+07:00' }).expect(201);
  });

  it('keeps an agency token to its own apologies', async () => {
    const d = await draft().expect(201);
    await ctx.api('post', '/api/v1/agencies').send({ code: 'STP', name: 'Sở Tư pháp thành phố Cần Thơ', placeName: 'Cần Thơ', letterSymbol: 'PXL-STP', level: 'department' }).expect(201);
    const { token } = await ctx.services.tokens.create('stp', 'STP', SYSTEM_ACTOR);
    await ctx.api('get', `/api/v1/apologies/${d.body.id}`, token).expect(404);
    await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`, token).expect(404);
    assert.equal((await ctx.api('get', '/api/v1/apologies', token).expect(200)).body.total, 0);
  });
});
