import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, AGENCY, type TestContext } from '../../support/context';
import { signIn, type SignedInAgent } from '../../support/pages';

const OVERDUE_CODE = 'H13.01/260212-0007';
const PATH = `/ho-so/${encodeURIComponent(OVERDUE_CODE)}`;
const XSS = '<script>alert(1)</script>';

/** One agency's dossier the counter can see, one of another agency it must not, both received on 12/02. */
async function seedDossiers(ctx: TestContext, applicant = 'Nguyễn Văn An', phone = '0912 345 678'): Promise<void> {
  await seedBasics(ctx);
  await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: OVERDUE_CODE, applicant: { kind: 'person', name: applicant }, phone })).expect(201);
  await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'SNN', name: 'Sở Nông nghiệp', letterSymbol: 'PXL-SNN', contactEmail: null }).expect(201);
  await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'SNN-0001', receivingAgencyCode: 'SNN', decidingAgencyCode: 'SNN', applicant: { kind: 'person', name: 'Trần Thị Bích' } })).expect(201);
  // 20 working days from 12/02/2026 (with the Tết holidays) have passed by 20/03.
  ctx.clock.set(new Date('2026-03-20T09:00:00+07:00'));
}

async function apologyCount(ctx: TestContext): Promise<number> {
  return Number((await ctx.db('apologies').count({ n: '*' }).first())?.n ?? 0);
}

function draftForm(s: SignedInAgent, overrides: Record<string, string> = {}) {
  return { _csrf: s.csrf, reasonPick: 'Hồ sơ cần thẩm định thêm tại hiện trường', reasonText: '', newDueDate: '2026-03-27', responsibleUnit: 'Phòng Quản lý xây dựng', signerName: 'Trần Văn Bình', signerTitle: 'PHÓ GIÁM ĐỐC', ...overrides };
}

describe('staff pages: dossiers, apologies and messages', function () {
  this.timeout(90_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
  });
  afterEach(async () => ctx.close());

  it('lists dossiers with the API filters, text badges for timeliness, and a Vietnamese message for a bad filter', async () => {
    await seedDossiers(ctx);
    const counter = await signIn(ctx, 'counter', 'SXD');
    const overdue = await counter.agent.get('/ho-so?timeliness=overdue&apology=none').expect(200);
    assert.ok(overdue.text.includes(OVERDUE_CODE), 'the overdue dossier is listed');
    assert.match(overdue.text, /class="badge badge-overdue">Quá hạn</, 'overdue is said in words, not only by colour');
    assert.ok(!overdue.text.includes('SNN-0001'), "another agency's dossier is not listed for a counter of SXD");
    assert.ok(overdue.text.includes(`href="${PATH}"`), 'a code with "/" is linked with %2F');

    const byName = await counter.agent.get(`/ho-so?q=${encodeURIComponent('văn an')}`).expect(200);
    assert.ok(byName.text.includes(OVERDUE_CODE), 'search by part of the name, without regard to case');
    const none = await counter.agent.get('/ho-so?q=khongcoai').expect(200);
    assert.match(none.text, /Tìm thấy 0 hồ sơ/);

    const bad = await counter.agent.get('/ho-so?timeliness=som&sort=ngau-nhien').expect(400);
    assert.match(bad.text, /id="e-timeliness"/, 'the message for a bad timeliness sits next to its field');
    assert.match(bad.text, /id="e-sort"/, 'the message for a bad sort sits next to its field');
    assert.match(bad.text, /Bộ lọc chưa hợp lệ/);
    const unknownAgency = await counter.agent.get('/ho-so?agency=KHONGCO').expect(400);
    assert.match(unknownAgency.text, /Không có cơ quan mã &quot;KHONGCO&quot;/);
  });

  it("shows a dossier's facts and timeline; another agency's dossier is 404; names are rendered as text", async () => {
    await seedDossiers(ctx, XSS);
    const counter = await signIn(ctx, 'counter', 'SXD');
    const page = await counter.agent.get(PATH).expect(200);
    assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the applicant name is escaped');
    assert.ok(!page.text.includes(XSS), 'no raw script from a name reaches the page');
    assert.match(page.text, /Tiếp nhận hồ sơ/, 'the timeline starts with the receipt');
    assert.match(page.text, /<button type="submit">Soạn thư xin lỗi<\/button>/, 'the counter may start an apology on an overdue dossier');
    assert.match(page.text, /<option value="processing_started">Bắt đầu xử lý<\/option>/, 'events valid in this state are offered');
    assert.ok(!page.text.includes('value="returned"'), 'an event not valid in "received" is not offered');

    await counter.agent.get('/ho-so/SNN-0001').expect(404);
    await counter.agent.get('/ho-so/SNN-0001/xin-loi').expect(404);
    const before = await apologyCount(ctx);
    await counter.agent.post('/ho-so/SNN-0001/xin-loi').type('form').send(draftForm(counter)).expect(404);
    assert.equal(await apologyCount(ctx), before, "nothing is drafted on another agency's dossier");

    const supervisor = await signIn(ctx, 'supervisor', null);
    const read = await supervisor.agent.get('/ho-so/SNN-0001').expect(200);
    assert.ok(!read.text.includes('Soạn thư xin lỗi'), 'a supervisor reads but is offered no apology');
    assert.ok(!read.text.includes('action="/ho-so/SNN-0001/su-kien"'), 'nor an event form');
  });

  it('records an event from the dossier page; bad input and a missing form token change nothing', async () => {
    await seedDossiers(ctx);
    const officer = await signIn(ctx, 'officer', 'SXD');
    const state = async () => (await ctx.db('dossiers').where({ code: OVERDUE_CODE }).first()).state as string;

    const noToken = await officer.agent.post(`${PATH}/su-kien`).type('form').send({ kind: 'processing_started', occurredAt: '2026-03-20T08:00' });
    assert.equal(noToken.status, 403, 'a form without the token is refused');
    assert.equal(await state(), 'received');

    const future = await officer.agent.post(`${PATH}/su-kien`).type('form').send({ _csrf: officer.csrf, kind: 'processing_started', occurredAt: '2026-04-01T08:00' }).expect(400);
    assert.match(future.text, /<p class="field-error" id="e-occurredAt">Thời điểm sự kiện không được ở tương lai<\/p>/);
    const badKind = await officer.agent.post(`${PATH}/su-kien`).type('form').send({ _csrf: officer.csrf, kind: 'returned', occurredAt: '2026-03-20T08:00' }).expect(409);
    assert.match(badKind.text, /id="e-kind">Không thể ghi nhận &quot;trả kết quả&quot;/, 'an impossible transition is explained next to the kind');
    const noKind = await officer.agent.post(`${PATH}/su-kien`).type('form').send({ _csrf: officer.csrf, kind: 'bay', occurredAt: 'hôm qua' }).expect(400);
    assert.match(noKind.text, /id="e-kind"/);
    assert.match(noKind.text, /id="e-occurredAt">Thời điểm không hợp lệ/);
    assert.equal(await state(), 'received', 'refused forms changed nothing');

    const ok = await officer.agent.post(`${PATH}/su-kien`).type('form').send({ _csrf: officer.csrf, kind: 'processing_started', occurredAt: '2026-03-20T08:00', note: XSS }).expect(303);
    assert.equal(ok.headers.location, `${PATH}?ok=event-recorded`);
    assert.equal(await state(), 'processing');
    const page = await officer.agent.get(ok.headers.location).expect(200);
    assert.match(page.text, /Đã ghi nhận cập nhật hồ sơ/);
    assert.ok(page.text.includes('Ghi chú: &lt;script&gt;'), 'the note is shown as text');
  });

  it('the progress form is safe: no action chosen by default, withdraw / reject / supplement request need a confirmation, the time shows now', async () => {
    await seedDossiers(ctx);
    const officer = await signIn(ctx, 'officer', 'SXD');
    const state = async () => (await ctx.db('dossiers').where({ code: OVERDUE_CODE }).first()).state as string;
    const form = await officer.agent.get(PATH).expect(200);
    assert.match(form.text, /<option value="" selected>— Chọn việc đã xảy ra —<\/option>/, 'no action is selected by default');
    assert.doesNotMatch(form.text, /<option value="[a-z_]+" selected>/, 'no real action is preselected');
    assert.match(form.text, /id="f-occurredAt"[^>]*value="20\/03\/2026 09:00"/, 'the time defaults to now, written dd/mm/yyyy HH:mm');
    assert.match(form.text, /Mặc định là lúc mở trang: 09:00 ngày 20\/03\/2026/, 'the default time is said in words');
    assert.match(form.text, /id="f-confirm"/, 'the form offers the confirmation box');

    const none = await officer.agent.post(`${PATH}/su-kien`).type('form').send({ _csrf: officer.csrf, kind: '', occurredAt: '2026-03-20T08:00' }).expect(400);
    assert.match(none.text, /id="e-kind">Chọn việc đã xảy ra/, 'an unchosen action is refused next to its field');
    for (const kind of ['withdrawn', 'rejected', 'supplement_requested']) {
      const unconfirmed = await officer.agent.post(`${PATH}/su-kien`).type('form').send({ _csrf: officer.csrf, kind, occurredAt: '2026-03-20T08:00' }).expect(400);
      assert.match(unconfirmed.text, /id="e-confirm">Đánh dấu ô xác nhận/, `${kind} without confirmation is refused next to the box`);
      assert.match(unconfirmed.text, new RegExp(`<option value="${kind}" selected>`), 'the chosen action is kept');
    }
    assert.equal(await state(), 'received', 'nothing recorded without confirmation');
    await officer.agent.post(`${PATH}/su-kien`).type('form').send({ _csrf: officer.csrf, kind: 'supplement_requested', occurredAt: '2026-03-20T08:00', confirm: 'on' }).expect(303);
    assert.equal(await state(), 'waiting_supplement', 'a confirmed request is recorded');
  });

  it('the apology form offers working days and previews the letter without saving; bad input re-shows the form', async () => {
    await seedDossiers(ctx);
    const counter = await signIn(ctx, 'counter', 'SXD');
    const form = await counter.agent.get(`${PATH}/xin-loi`).expect(200);
    assert.match(form.text, /<option value="2026-03-27" selected>[^<]*\(đề xuất\)<\/option>/, 'the proposed day (due + 5 working days) is chosen');
    assert.ok(!form.text.includes('value="2026-03-21"'), 'a Saturday is not offered');
    assert.ok(!form.text.includes('value="2026-03-20"'), 'today is not offered');
    assert.match(form.text, /data-preview-url="\/ho-so\/H13\.01%2F260212-0007\/xin-loi\/xem-truoc"/);

    const preview = await counter.agent.get(`${PATH}/xin-loi/xem-truoc?${new URLSearchParams({ reasonPick: '', reasonText: XSS, newDueDate: '2026-03-30', responsibleUnit: '', signerName: '', signerTitle: '' })}`).expect(200);
    assert.match(preview.text, /BẢN XEM TRƯỚC — CHƯA BAN HÀNH/);
    assert.ok(preview.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the reason is escaped in the letter');
    assert.match(preview.headers['content-security-policy'], /default-src 'none'/, 'the preview runs nothing');
    assert.equal(await apologyCount(ctx), 0, 'a preview saves nothing');
    const weekend = await counter.agent.get(`${PATH}/xin-loi/xem-truoc?newDueDate=2026-03-28&reasonPick=x`).expect(422);
    assert.match(weekend.text, /không phải ngày làm việc/);

    const noReason = await counter.agent.post(`${PATH}/xin-loi`).type('form').send(draftForm(counter, { reasonPick: '', reasonText: '  ' })).expect(400);
    assert.match(noReason.text, /<p class="field-error" id="e-reason">Cần chọn hoặc nhập lý do chậm trễ<\/p>/);
    const saturday = await counter.agent.post(`${PATH}/xin-loi`).type('form').send(draftForm(counter, { newDueDate: '2026-03-28', reasonText: 'Lý do tôi gõ' })).expect(422);
    assert.match(saturday.text, /id="e-newDueDate">Ngày 28\/03\/2026 không phải ngày làm việc/);
    assert.match(saturday.text, />Lý do tôi gõ<\/textarea>/, 'what the person typed is kept');
    const notADate = await counter.agent.post(`${PATH}/xin-loi`).type('form').send(draftForm(counter, { newDueDate: '27/03/2026' })).expect(400);
    assert.match(notADate.text, /id="e-newDueDate">Ngày không hợp lệ/);
    const noToken = await counter.agent.post(`${PATH}/xin-loi`).type('form').send({ ...draftForm(counter), _csrf: 'sai' });
    assert.equal(noToken.status, 403);
    assert.equal(await apologyCount(ctx), 0, 'no refused form saved an apology');
  });

  it('the counter drafts, the leader approves through the pages, and the notice appears in /tin-nhan with its reason', async () => {
    // 0900 000 118: the Zalo simulator answers -118 (no Zalo account) for this number.
    await seedDossiers(ctx, 'Lê Thị Hoa', '0900 000 118');
    await ctx.db('dossiers').where({ code: OVERDUE_CODE }).update({ consent_email: false });
    const counter = await signIn(ctx, 'counter', 'SXD');
    const drafted = await counter.agent.post(`${PATH}/xin-loi`).type('form').send(draftForm(counter, { reasonText: XSS })).expect(303);
    const apologyPath = drafted.headers.location.replace(/\?.*$/, '');
    assert.match(drafted.headers.location, /^\/thu-xin-loi\/\d+\?ok=apology-drafted$/);
    const draftPage = await counter.agent.get(drafted.headers.location).expect(200);
    assert.ok(draftPage.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the typed reason is shown as text');
    assert.ok(!draftPage.text.includes('Duyệt và ban hành'), 'a counter cannot approve');
    assert.ok(!draftPage.text.includes('Trang thông báo cho người dân'), 'no citizen link before issue');

    const list = await counter.agent.get('/thu-xin-loi?status=draft').expect(200);
    assert.ok(list.text.includes(`href="${apologyPath}"`), 'the dashboard link ?status=draft lists the draft');
    const badStatus = await counter.agent.get('/thu-xin-loi?status=nhap').expect(400);
    assert.match(badStatus.text, /id="e-status"/, 'a bad status is explained next to its field');

    const leader = await signIn(ctx, 'leader', 'SXD');
    const leaderView = await leader.agent.get(apologyPath).expect(200);
    assert.match(leaderView.text, /<button type="submit">Duyệt và ban hành<\/button>/);
    assert.match(leaderView.text, /data-confirm="Duyệt và ban hành/, 'approval asks for confirmation first');
    const noReason = await leader.agent.post(`${apologyPath}/huy`).type('form').send({ _csrf: leader.csrf, reason: ' ' }).expect(400);
    assert.match(noReason.text, /id="e-reason">Không được để trống/);
    await leader.agent.post(`${apologyPath}/duyet`).type('form').send({}).expect(403);
    assert.equal((await ctx.db('apologies').first()).status, 'draft', 'neither refused post changed the draft');

    const approved = await leader.agent.post(`${apologyPath}/duyet`).type('form').send({ _csrf: leader.csrf }).expect(303);
    assert.equal(approved.headers.location, `${apologyPath}?ok=apology-approved`);
    const a = await ctx.db('apologies').first();
    assert.equal(a.status, 'issued');
    const issued = await leader.agent.get(approved.headers.location).expect(200);
    assert.ok(issued.text.includes(`<a href="/c/${a.citizen_token}">Trang thông báo cho người dân</a>`));
    assert.match(issued.text, /Chữ ký số: <span class="badge late">Không ký số<\/span> — Cơ quan chưa cài đặt chữ ký số/, 'a letter issued unsigned says so, and why');
    await ctx.db('letter_signing').where({ apology_id: a.id }).delete(); // as a letter issued before signatures existed
    const older = await leader.agent.get(apologyPath).expect(200);
    assert.match(older.text, /Chữ ký số: <span class="badge late">Không ký số<\/span> — Ban hành trước khi có chữ ký số/, 'a letter with no signing record is unsigned too');
    const print = await leader.agent.get(`${apologyPath}/in`).expect(200);
    assert.match(print.text, /A4/, 'the print view is the A4 letter');
    const pdf = await leader.agent.get(`${apologyPath}/thu.pdf`).buffer(true).expect(200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(Buffer.from(pdf.body).subarray(0, 5).toString(), '%PDF-');

    await ctx.services.dispatcher.runOnce();
    const failed = await counter.agent.get('/tin-nhan?status=temporary-failure,permanent-failure,technical-failure').expect(200);
    assert.match(failed.text, /Số điện thoại chưa đăng ký Zalo/, 'the Zalo failure is explained in plain words');
    const toCall = await counter.agent.get('/tin-nhan?channel=print&status=created').expect(200);
    assert.ok(toCall.text.includes(OVERDUE_CODE), 'the fallback waits on the counter call list');
    assert.ok(toCall.text.includes('Lê Thị Hoa'), "the call list names the applicant");
    assert.ok(toCall.text.includes('<a href="tel:+84900000118">0900 000 118</a>'), 'the call list shows the phone as written in Vietnam, as a link to call');
    assert.ok(toCall.text.includes('an.nguyen@example.vn'), "the call list shows the applicant's e-mail");
    assert.match(toCall.text, /Đồng ý nhận tin qua: Zalo(?!, thư điện tử)/, 'the call list shows the consent given (Zalo only here)');
    assert.match(toCall.text, /Số điện thoại chưa đăng ký Zalo/, 'the call list says why the message could not be sent');
    assert.match(toCall.text, /Lần gửi gần nhất: \d\d:\d\d/, 'the call list says when the message was last tried');
    const dossierPage = await counter.agent.get(PATH).expect(200);
    assert.ok(dossierPage.text.includes('<a href="tel:+84900000118">0900 000 118</a>'), 'the dossier page shows the phone as written in Vietnam');
    assert.ok(dossierPage.text.includes('an.nguyen@example.vn'), 'the dossier page shows the e-mail');
    assert.match(dossierPage.text, /Đồng ý nhận tin qua: Zalo/, 'the dossier page shows the consent given');
    const printNotice = await ctx.db('notices').where({ channel: 'print' }).first();
    assert.ok(printNotice, 'the dispatcher fell back to the counter');

    const noToken = await counter.agent.post(`/tin-nhan/${printNotice.id}/da-goi`).type('form').send({});
    assert.equal(noToken.status, 403);
    const called = await counter.agent
      .post(`/tin-nhan/${printNotice.id}/da-goi`)
      .type('form')
      .send({ _csrf: counter.csrf, back: '/tin-nhan?channel=print&status=created' })
      .expect(303);
    assert.equal(called.headers.location, '/tin-nhan?channel=print&status=created&ok=message-called');
    const after = await ctx.db('notices').where({ id: printNotice.id }).first();
    assert.equal(after.status, 'delivered');
    assert.match(String(after.called_by), /counter/);

    const timeline = await counter.agent.get(PATH).expect(200);
    assert.match(timeline.text, /Ban hành thư xin lỗi/);
    assert.match(timeline.text, /Gửi qua Zalo: không gửi được/);
    assert.match(timeline.text, /Đã gọi điện hoặc trao thư cho người dân/);
  });

  it('resend retries a failed notice, records who asked for a repeat of a sent one, and refuses while one is pending', async () => {
    await seedDossiers(ctx);
    const leader = await signIn(ctx, 'leader', 'SXD');
    await leader.agent.post(`${PATH}/xin-loi`).type('form').send(draftForm(leader)).expect(303);
    const a = await ctx.db('apologies').first();
    await leader.agent.post(`/thu-xin-loi/${a.id}/duyet`).type('form').send({ _csrf: leader.csrf }).expect(303);

    const pending = await leader.agent.post(`/thu-xin-loi/${a.id}/gui-lai`).type('form').send({ _csrf: leader.csrf }).expect(409);
    assert.match(pending.text, /đang chờ gửi hoặc đang gửi/);
    assert.equal(Number((await ctx.db('notices').count({ n: '*' }).first())?.n), 1, 'nothing queued twice');

    await ctx.services.dispatcher.runOnce();
    assert.equal((await ctx.db('notices').first()).status, 'delivered');
    const resent = await leader.agent.post(`/thu-xin-loi/${a.id}/gui-lai`).type('form').send({ _csrf: leader.csrf }).expect(303);
    assert.equal(resent.headers.location, `/thu-xin-loi/${a.id}?ok=apology-resent`);
    const notices = await ctx.db('notices').orderBy('id');
    assert.equal(notices.length, 2);
    assert.equal(JSON.parse(notices[1].payload).resend.by, (await ctx.db('users').where({ username: leader.username }).first()).full_name);
    const page = await leader.agent.get(resent.headers.location).expect(200);
    assert.match(page.text, /gửi lại theo yêu cầu của Cán bộ leader/);
    await leader.agent.post(`/thu-xin-loi/${a.id}/gui-lai`).type('form').send({ _csrf: leader.csrf }).expect(409);
  });

  it('messages page: failed and waiting by default, retry and cancel, bad filter in Vietnamese', async () => {
    await seedDossiers(ctx, 'Phạm Văn Cường', '0900 000 100');
    const leader = await signIn(ctx, 'leader', 'SXD');
    await leader.agent.post(`${PATH}/xin-loi`).type('form').send(draftForm(leader)).expect(303);
    const a = await ctx.db('apologies').first();
    await leader.agent.post(`/thu-xin-loi/${a.id}/duyet`).type('form').send({ _csrf: leader.csrf }).expect(303);
    await ctx.services.dispatcher.runOnce();
    const n = await ctx.db('notices').first();
    assert.equal(n.status, 'technical-failure', 'Zalo -100 is retried later');

    const page = await leader.agent.get('/tin-nhan').expect(200);
    assert.match(page.text, /Zalo gặp lỗi không rõ nguyên nhân/);
    assert.match(page.text, new RegExp(`action="/tin-nhan/${n.id}/gui-lai"`));
    const bad = await leader.agent.get('/tin-nhan?channel=fax').expect(400);
    assert.match(bad.text, /id="e-channel"/);

    await leader.agent.post(`/tin-nhan/${n.id}/gui-lai`).type('form').send({ _csrf: leader.csrf }).expect(303);
    assert.equal((await ctx.db('notices').where({ id: n.id }).first()).status, 'created');
    await leader.agent.post(`/tin-nhan/${n.id}/huy`).type('form').send({ _csrf: leader.csrf }).expect(303);
    assert.equal((await ctx.db('notices').where({ id: n.id }).first()).status, 'cancelled');
    const again = await leader.agent.post(`/tin-nhan/${n.id}/huy`).type('form').send({ _csrf: leader.csrf }).expect(409);
    assert.match(again.text, /Chỉ huỷ được tin nhắn chưa gửi/);
    const supervisor = await signIn(ctx, 'supervisor', null);
    const readOnly = await supervisor.agent.get('/tin-nhan?status=cancelled').expect(200);
    assert.ok(!readOnly.text.includes(`action="/tin-nhan/${n.id}/`), 'a supervisor is offered no actions');
    await supervisor.agent.post(`/tin-nhan/${n.id}/gui-lai`).type('form').send({ _csrf: supervisor.csrf }).expect(403);
  });
});
