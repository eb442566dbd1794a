import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../../src/app';
import { HISTORY_LABELS } from '../../../src/domain/dossier';
import { maskCode } from '../../../src/domain/reports';
import { SYSTEM_ACTOR } from '../../../src/domain/actor';
import { SigningRepository } from '../../../src/db/signing';
import { AGENCY, PROCEDURE, createTestContext, dossierBody, type TestContext } from '../../support/context';

// A name and a reason a page must show as text, never as markup.
const EVIL_NAME = '<script>alert("ten")</script> Hồ Thị Xuân Diệu Kỳ';
const EVIL_REASON = '<img src=x onerror=alert(1)> Cần khảo sát lại hiện trạng công trình';
const CODE = 'H13.01-260202-0001';
const OTHER = 'H13.01-260202-0002';
const RECEIVING_PHONE = '0292 3820 999';
const MASKED = maskCode(CODE);

/** One agency with a contact phone that publishes its apologies, and one 20-working-day procedure. */
async function seed(ctx: TestContext): Promise<void> {
  await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, contactPhone: RECEIVING_PHONE, settings: { ...AGENCY.settings, publicBoard: true } }).expect(201);
  await ctx.api('post', '/api/v1/procedures').send(PROCEDURE).expect(201);
}

/**
 * Receives a dossier on 02/02/2026 (due Mon 09/03/2026 17:00), drafts an apology moving it to
 * 18/03 and has it approved on 03/03 10:00; returns the citizen token of the issued apology.
 */
async function issuedApology(ctx: TestContext, code: string, overrides: Record<string, unknown> = {}, reason = EVIL_REASON): Promise<string> {
  ctx.clock.set(new Date('2026-03-02T09:00:00+07:00'));
  await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00', ...overrides })).expect(201);
  const drafted = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({ reason, newDueDate: '2026-03-18' }).expect(201);
  ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
  const issued = await ctx.api('post', `/api/v1/apologies/${drafted.body.id}/approve`).expect(200);
  return new URL(issued.body.links.citizen).pathname.replace('/c/', '');
}

async function acknowledgements(ctx: TestContext): Promise<{ acknowledged_at: unknown }[]> {
  return ctx.db('dossier_events').where({ kind: 'citizen_acknowledged' }).select('*');
}

/** The visible text of a page, tags dropped, for "is this shown" checks. */
function textOf(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
}

describe('citizen pages', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let token: string;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seed(ctx);
    token = await issuedApology(ctx, CODE, { applicant: { kind: 'person', name: EVIL_NAME } });
  });
  afterEach(async () => ctx.close());

  describe('the notice page /c/:token', () => {
    it('shows who apologises, the dossier, the reason, both dates and where to collect, on a phone-sized page', async () => {
      const res = await supertest(ctx.app).get(`/c/${token}`).expect(200);
      assert.match(res.headers['content-type'], /text\/html; charset=utf-8/);
      const html = res.text;
      assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/, 'the page must scale to a phone screen');
      assert.ok(html.includes(AGENCY.name), 'the agency that apologises is named');
      assert.ok(html.includes(CODE), 'the dossier code is shown');
      assert.ok(html.includes(PROCEDURE.name), 'the procedure is shown');
      assert.ok(html.includes('01/PXL-SXD'), 'the letter number is shown');
      assert.match(html, /<p class="old-date">Ngày hẹn cũ \(không còn hiệu lực\): <del>Thứ Hai, 09\/03\/2026<\/del><\/p>/, 'the old date is struck through, labelled, in a plain line');
      assert.match(html, /<strong class="new-date">Thứ Tư, 18\/03\/2026<\/strong>/, 'the new date stands out on its own');
      assert.ok(html.indexOf('class="new-date"') < html.indexOf('class="old-date"'), 'the new date comes first; the old one follows as secondary');
      assert.ok(html.includes('25 Lý Tự Trọng, phường Ninh Kiều, thành phố Cần Thơ'), 'where to collect: the receiving agency’s address');
      assert.ok(html.includes(`href="tel:${RECEIVING_PHONE}"`), 'the receiving agency’s phone can be called from the page');
      assert.ok(html.includes(`href="/c/${token}/thu"`), 'a link to the full letter');
      assert.ok(html.includes(`href="/c/${token}/letter.pdf"`), 'a link to the PDF');
      assert.match(html, /<form method="post" action="\/c\/[\w-]{32}\/da-nhan">\s*<button type="submit"[^>]*>Tôi đã nhận được thông báo<\/button>/);
      assert.ok(!/\sstyle=/i.test(html), 'no style attributes: the CSP forbids them');
      // The stylesheet travels inside the page (one round trip fewer on a slow phone), allowed by its hash only.
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
      assert.equal(styles.length, 1, 'the page carries exactly one style block: the site’s own stylesheet');
      const hash = `'sha256-${createHash('sha256').update(styles[0], 'utf8').digest('base64')}'`;
      assert.ok(String(res.headers['content-security-policy']).includes(hash), `the CSP must allow that style block by its hash ${hash}, or the phone shows the page unstyled`);
      assert.doesNotMatch(String(res.headers['content-security-policy']), /unsafe-inline/, 'no other inline style is allowed');
      assert.equal(html.match(/<script[^>]*>/g), null, 'the citizen page needs and loads no script');
      assert.equal(html, html.normalize('NFC'), 'Vietnamese text is NFC');
    });

    it('gives the new date with the office hours of the place of return', async () => {
      const text = textOf((await supertest(ctx.app).get(`/c/${token}`).expect(200)).text);
      assert.match(text, /Thứ Tư, 18\/03\/2026 Giờ làm việc: 07:30–11:30, 13:30–17:00/, `Wednesday 18/03 with the receiving agency's hours:\n${text.slice(0, 900)}`);
    });

    it('shows it is the agency’s official page: the agency, and the signed letter’s verification code with where to check it', async () => {
      const unsigned = (await supertest(ctx.app).get(`/c/${token}`).expect(200)).text;
      assert.match(unsigned, /<header class="official">[\s\S]*Sở Xây dựng/, 'the page opens with the agency that sends it');
      assert.doesNotMatch(unsigned, /Mã xác thực/, 'an unsigned letter has no verification code to show');
      const apologyId = Number((await ctx.db('apologies').where({ citizen_token: token }).first('id'))?.id);
      await new SigningRepository(ctx.db).start({
        apologyId, verificationCode: 'K7QX9M2PAB', state: 'signed', leaderSigner: 'agency', approverUserId: null, approvedBy: 'Lãnh đạo',
        approvedAt: 0, request: null, prepared: null, stamps: null, message: null, nextCheckAt: null, updatedAt: 0,
      });
      const signed = (await supertest(ctx.app).get(`/c/${token}`).expect(200)).text;
      assert.match(textOf(signed), /Mã xác thực của thư: K7QX-9M2P-AB/, 'the letter’s verification code is shown');
      assert.ok(signed.includes('href="/xac-thuc?ma=K7QX-9M2P-AB"'), 'with a link that checks it on the verification page');
    });

    it('carries the whole letter as reflowing text beside the A4 and PDF versions', async () => {
      const html = (await supertest(ctx.app).get(`/c/${token}`).expect(200)).text;
      const reading = /<article class="letter-reading"[^>]*>([\s\S]*?)<\/article>/.exec(html)?.[1];
      assert.ok(reading, 'the notice page carries a reading view of the letter');
      assert.ok(!reading.includes('&lt;p') && /<p[\s>]/.test(reading), 'the letter’s paragraphs are markup in the page, not escaped and shown with their tags');
      const text = textOf(reading);
      for (const part of ['VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT', 'ngày 18 tháng 3 năm 2026', 'Nơi nhận:', '01/PXL-SXD']) {
        assert.ok(text.includes(part), `the reading view has the letter's "${part}"`);
      }
      assert.ok(!/<style|\sstyle=|<script/i.test(reading), 'the reading view brings no styles or scripts of its own (the page’s stylesheet reflows it)');
      assert.ok(reading.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'), 'the letter’s citizen text stays escaped');
    });

    it('leads a citizen on an unknown address to the look-up, not to the staff sign-in', async () => {
      const res = await supertest(ctx.app).get('/khong-co-trang-nay').set('Accept', 'text/html').expect(404);
      assert.ok(res.text.includes('href="/tra-cuu"'), 'the 404 page offers the dossier look-up');
      assert.doesNotMatch(res.text, /href="\/"|dang-nhap/, 'and no way into the staff side');
    });

    it('speaks to a person as "ông/bà", and to an organisation without a representative as "quý cơ quan, tổ chức"', async () => {
      const person = (await supertest(ctx.app).get(`/c/${token}`).expect(200)).text;
      assert.match(person, /xin lỗi ông\/bà vì hồ sơ/);
      const company = await issuedApology(ctx, 'ORG-0001', { applicant: { kind: 'organisation', name: 'Công ty TNHH Xây dựng Hoàng Long' } });
      const html = (await supertest(ctx.app).get(`/c/${company}`).expect(200)).text;
      assert.match(html, /xin lỗi quý cơ quan, tổ chức vì hồ sơ/, 'a company is not "ông/bà"');
      assert.match(html, /Xin quý cơ quan, tổ chức bấm nút/);
      assert.doesNotMatch(html, /ông\/bà/i);
    });

    it('renders a hostile applicant name and reason as text', async () => {
      const html = (await supertest(ctx.app).get(`/c/${token}`).expect(200)).text;
      assert.ok(html.includes('&lt;script&gt;alert(&quot;ten&quot;)&lt;/script&gt; Hồ Thị Xuân Diệu Kỳ'), 'the name appears, escaped');
      assert.ok(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; Cần khảo sát'), 'the reason appears, escaped');
      assert.ok(!html.includes('<script>alert'), 'no script from the name reaches the page');
      assert.ok(!html.includes('<img src=x'), 'no element from the reason reaches the page');
    });

    it('serves the issued letter and its PDF behind the same token', async () => {
      const letter = await supertest(ctx.app).get(`/c/${token}/thu`).expect(200);
      assert.match(letter.text, /01\/PXL-SXD/, 'the stored letter, with its number');
      assert.match(letter.text, /ngày 18 tháng 3 năm 2026/, 'the letter gives the new date in words');
      assert.match(String(letter.headers['content-security-policy']), /default-src 'none'/, 'the letter gets the letter-only policy');
      const pdf = await supertest(ctx.app).get(`/c/${token}/letter.pdf`).responseType('blob').expect(200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal((pdf.body as Buffer).subarray(0, 5).toString(), '%PDF-');
    });

    it('records the acknowledgement once, with one history event the staff timeline can label', async () => {
      ctx.clock.set(new Date('2026-03-04T08:15:00+07:00'));
      const first = await supertest(ctx.app).post(`/c/${token}/da-nhan`).type('form').send({}).expect(303);
      assert.equal(first.headers.location, `/c/${token}?ok=acknowledged`);
      const after = (await supertest(ctx.app).get(first.headers.location).expect(200)).text;
      assert.match(after, /role="status">Đã xác nhận lúc 08:15 ngày 04\/03\/2026/, 'the page says when it was acknowledged');
      assert.ok(after.includes('Cảm ơn ông/bà đã xác nhận.'), 'and thanks the citizen once, after the press');
      assert.ok(!after.includes('Tôi đã nhận được thông báo</button>'), 'the button is gone');
      const stored = await ctx.db('apologies').first('acknowledged_at');
      assert.equal(Number(stored?.acknowledged_at), new Date('2026-03-04T08:15:00+07:00').getTime(), 'the apology keeps the moment');
      assert.equal((await acknowledgements(ctx)).length, 1, 'one history event');

      ctx.clock.set(new Date('2026-03-05T09:00:00+07:00'));
      const second = await supertest(ctx.app).post(`/c/${token}/da-nhan`).type('form').send({}).expect(303);
      assert.equal(second.headers.location, `/c/${token}`, 'a second press is not thanked again');
      const again = (await supertest(ctx.app).get(second.headers.location).expect(200)).text;
      assert.match(again, /Đã xác nhận lúc 08:15 ngày 04\/03\/2026/, 'the first moment is still the one shown');
      assert.equal(Number((await ctx.db('apologies').first('acknowledged_at'))?.acknowledged_at), new Date('2026-03-04T08:15:00+07:00').getTime(), 'the second press did not move it');
      assert.equal((await acknowledgements(ctx)).length, 1, 'the second press added no event');

      const { events } = await ctx.services.dossiers.history(CODE, SYSTEM_ACTOR);
      const ack = events.find((e) => e.kind === 'citizen_acknowledged');
      assert.ok(ack, 'the staff see the acknowledgement in the dossier history');
      assert.equal(ack.actor, 'người dân');
      assert.equal(HISTORY_LABELS[ack.kind], 'Người dân xác nhận đã nhận được thông báo');
    });

    it('expires once the dossier has been closed for the retention period: then it is the same 404 as an unknown link', async () => {
      const unknown = await supertest(ctx.app).get(`/c/${'A'.repeat(32)}`).expect(404);
      ctx.clock.set(new Date('2026-03-11T11:00:00+07:00'));
      await ctx.api('post', `/api/v1/dossiers/${CODE}/events`).send({ kind: 'resolved', occurredAt: '2026-03-10T10:00:00+07:00' }).expect(201);
      await ctx.api('post', `/api/v1/dossiers/${CODE}/events`).send({ kind: 'returned', occurredAt: '2026-03-11T10:00:00+07:00' }).expect(201);
      const closedAt = new Date('2026-03-11T10:00:00+07:00').getTime();
      ctx.clock.set(new Date(closedAt + ctx.config.citizenLinkRetentionMs - 60_000));
      await supertest(ctx.app).get(`/c/${token}`).expect(200);
      ctx.clock.set(new Date(closedAt + ctx.config.citizenLinkRetentionMs));
      const gone = await supertest(ctx.app).get(`/c/${token}`).expect(404);
      assert.equal(gone.text, unknown.text, 'an expired link looks exactly like one that never existed');
      assert.ok(!gone.text.includes(CODE), 'nothing of the dossier is shown');
      await supertest(ctx.app).get(`/c/${token}/thu`).expect(404);
      await supertest(ctx.app).get(`/c/${token}/letter.pdf`).expect(404);
      await supertest(ctx.app).post(`/c/${token}/da-nhan`).type('form').send({}).expect(404);
      assert.equal((await acknowledgements(ctx)).length, 0, 'an expired link records nothing');
    });

    it('gives unknown, malformed and not-yet-issued tokens the same 404, and another token only its own apology', async () => {
      const unknown = await supertest(ctx.app).get(`/c/${'B'.repeat(32)}`).expect(404);
      assert.match(unknown.text, /Đường dẫn không đúng hoặc đã hết hạn/);
      for (const bad of ['abc', `${token}x`, `${token.slice(0, 31)}!`]) {
        const res = await supertest(ctx.app).get(`/c/${encodeURIComponent(bad)}`).expect(404);
        assert.equal(res.text, unknown.text, `the malformed token "${bad}" gets the same page as an unknown one`);
      }
      await supertest(ctx.app).post(`/c/${'B'.repeat(32)}/da-nhan`).type('form').send({}).expect(404);

      // A draft has a token already, but no page until it is issued.
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'NHAP-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
      await ctx.api('post', '/api/v1/dossiers/NHAP-1/apologies').send({ reason: 'Chờ ý kiến sở khác', newDueDate: '2026-03-18' }).expect(201);
      const draftToken = (await ctx.db('apologies').where({ status: 'draft' }).first('citizen_token'))?.citizen_token as string;
      const draft = await supertest(ctx.app).get(`/c/${draftToken}`).expect(404);
      assert.equal(draft.text, unknown.text, 'a draft’s token gets the same 404');

      const otherToken = await issuedApology(ctx, OTHER, { applicant: { kind: 'person', name: 'Phạm Quang Vinh' }, phone: '0987 654 321' }, 'Chờ văn bản của cơ quan phối hợp');
      const other = (await supertest(ctx.app).get(`/c/${otherToken}`).expect(200)).text;
      assert.ok(other.includes(OTHER) && other.includes('Phạm Quang Vinh'), 'the other token shows its own apology');
      assert.ok(!other.includes(CODE), 'and not the first dossier’s code');
      assert.ok(!other.includes('Hồ Thị Xuân Diệu Kỳ'), 'nor the first applicant’s name');
      assert.ok(!other.includes('Cần khảo sát lại hiện trạng'), 'nor the first apology’s reason');
      await supertest(ctx.app).post(`/c/${otherToken}/da-nhan`).type('form').send({}).expect(303);
      const firstApology = await ctx.db('apologies').where({ citizen_token: token }).first('acknowledged_at');
      assert.equal(firstApology?.acknowledged_at ?? null, null, 'acknowledging the other apology does not touch this one');
    });
  });

  describe('public look-up /tra-cuu', () => {
    const lookup = (form: Record<string, string>, app = ctx.app) => supertest(app).post('/tra-cuu').type('form').send(form);
    // The answer without the values the person typed in, which the form shows back.
    const withoutEcho = (html: string, form: Record<string, string>) =>
      Object.values(form).reduce((h, v) => h.split(`value="${v}"`).join('value=""'), html);

    it('shows the form with labelled fields', async () => {
      const html = (await supertest(ctx.app).get('/tra-cuu').expect(200)).text;
      assert.match(html, /<label for="f-ma">Mã hồ sơ/);
      assert.match(html, /<label for="f-so">4 chữ số cuối của số điện thoại/);
      assert.match(html, /<form method="post" action="\/tra-cuu"/);
    });

    it('with the right digits shows the state and dates, and nothing that names or reaches the person', async () => {
      const html = (await lookup({ ma: CODE, so: '5678' }).expect(200)).text;
      const text = textOf(html);
      assert.match(text, /Tình trạng Đã tiếp nhận/);
      assert.match(text, /Ngày tiếp nhận 02\/02\/2026/);
      assert.match(text, /Ngày hẹn trả kết quả 09\/03\/2026 \(đã hẹn lại\)/, 'the first appointment, marked as moved');
      assert.match(text, /Ngày hẹn mới 18\/03\/2026/);
      for (const personal of ['Hồ Thị Xuân Diệu Kỳ', 'Hòa Bình', '0912', '345 678', '+8491', 'example.vn']) {
        assert.ok(!html.includes(personal), `the look-up must not show "${personal}"`);
      }
    });

    it('finds the dossier whatever the case, spaces or kind of dash the code was typed with, and gives an example in the real format', async () => {
      const html = (await lookup({ ma: ' h13.01 – 260202 — 0001 ', so: '5678' }).expect(200)).text;
      assert.match(textOf(html), /Tình trạng Đã tiếp nhận/, `a code typed in lower case with spaces and long dashes must still be found:\n${textOf(html).slice(0, 600)}`);
      const form = (await supertest(ctx.app).get('/tra-cuu').expect(200)).text;
      const example = /Ví dụ: ([^ <;,]+)/.exec(form)?.[1];
      assert.ok(example, 'the form gives an example code');
      assert.match(example, /^H\d\d\.[A-Z]+-\d{6}-\d{4}$/, `the example "${example}" has the receipt number's shape (unit prefix, yymmdd, sequence)`);
    });

    it('answers an unknown code and wrong digits with the same page', async () => {
      const wrongDigits = { ma: CODE, so: '1111' };
      const unknownCode = { ma: 'H13.01-999999-9999', so: '5678' };
      const a = (await lookup(wrongDigits).expect(200)).text;
      const b = (await lookup(unknownCode).expect(200)).text;
      assert.ok(a.includes('Không tìm thấy hồ sơ khớp với mã và số điện thoại đã nhập'), 'the wrong digits are told plainly');
      assert.equal(withoutEcho(a, wrongDigits), withoutEcho(b, unknownCode), 'an unknown code must not be distinguishable from wrong digits');
      assert.ok(!a.includes('Đã tiếp nhận'), 'wrong digits show no state');
    });

    it('refuses malformed input with messages next to the fields, and changes nothing', async () => {
      const before = await ctx.db('dossiers').first('updated_at', 'state');
      const res = await lookup({ ma: 'a b<c>', so: '12a' }).expect(400);
      assert.match(res.text, /<p class="field-error" id="e-ma">Mã hồ sơ gồm chữ, số/);
      assert.match(res.text, /<p class="field-error" id="e-so">Nhập đúng 4 chữ số cuối/);
      assert.match(res.text, /id="f-so"[^>]*aria-describedby="e-so"/, 'the message is tied to its field');
      assert.ok(res.text.includes('value="a b&lt;c&gt;"'), 'the typed code is kept, escaped');
      const empty = await lookup({}).expect(400);
      assert.match(empty.text, /id="e-ma">Cần nhập mã hồ sơ/);
      assert.deepEqual(await ctx.db('dossiers').first('updated_at', 'state'), before, 'a look-up changes nothing');
    });

    it('limits look-ups per address and answers over the limit with a Vietnamese 429 page', async () => {
      const app = createApp({ ...ctx.services, config: { ...ctx.config, lookupRatePerMinute: 2 } });
      await lookup({ ma: CODE, so: '1111' }, app).expect(200);
      await lookup({ ma: CODE, so: '2222' }, app).expect(200);
      const refused = await lookup({ ma: CODE, so: '5678' }, app).expect(429);
      assert.match(refused.text, /Ông\/bà đã tra cứu quá nhiều lần trong một phút/);
      assert.ok(!refused.text.includes('Đã tiếp nhận'), 'the right digits over the limit still show nothing');
      await supertest(app).get('/tra-cuu').expect(200);
    });

    it('holds the limit across instances of the service sharing the database, without storing the address, and lifts it the next minute', async () => {
      const settings = { ...ctx.services, config: { ...ctx.config, lookupRatePerMinute: 2 } };
      const [first, second] = [createApp(settings), createApp(settings)];
      await lookup({ ma: CODE, so: '1111' }, first).expect(200);
      await lookup({ ma: CODE, so: '2222' }, second).expect(200);
      await lookup({ ma: CODE, so: '3333' }, first).expect(429, /quá nhiều lần/);
      await lookup({ ma: CODE, so: '4444' }, second).expect(429, /quá nhiều lần/);
      const rows = await ctx.db('rate_limits').select('key');
      assert.equal(rows.length, 1, 'one counter for the one address');
      assert.ok(!JSON.stringify(rows).includes('127.0.0.1'), 'the address is stored hashed');
      ctx.clock.advance(60_000);
      await lookup({ ma: CODE, so: '5555' }, second).expect(200);
    });
  });

  describe('public board /cong-khai', () => {
    it('lists the published agencies’ apologies with masked codes, the on-time rate, and no names, phones or addresses', async () => {
      // A second agency that does not publish: its apology must not appear.
      await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'STP', name: 'Sở Tư pháp thành phố Cần Thơ', letterSymbol: 'PXL-STP', settings: { ...AGENCY.settings } }).expect(201);
      await ctx.api('post', '/api/v1/procedures').send({ ...PROCEDURE, code: '2.000001', name: 'Cấp phiếu lý lịch tư pháp', agencyCode: 'STP' }).expect(201);
      await issuedApology(ctx, 'STP-0001', { procedureCode: '2.000001', receivingAgencyCode: 'STP', applicant: { kind: 'person', name: 'Võ Thị Ẩn Danh' } }, 'Chờ xác minh lý lịch');
      ctx.clock.set(new Date('2026-03-03T11:30:00+07:00'));
      await ctx.api('post', `/api/v1/dossiers/${CODE}/events`).send({ kind: 'resolved', occurredAt: '2026-03-03T11:00:00+07:00' }).expect(201);

      const html = (await supertest(ctx.app).get('/cong-khai').expect(200)).text;
      assert.ok(html.includes(MASKED), 'the code is shown with its middle masked');
      assert.ok(!html.includes(CODE), 'the full code is not shown');
      assert.ok(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; Cần khảo sát'), 'the reason is shown as text');
      assert.match(html, /<dt>Ngày hẹn cũ<\/dt><dd><del>09\/03\/2026<\/del><\/dd>\s*<dt>Ngày hẹn mới<\/dt><dd>18\/03\/2026<\/dd>/, 'the original date struck through, then the new one');
      assert.match(textOf(html), /Sở Xây dựng thành phố Cần Thơ 1 100,0%/, 'the agency’s on-time rate: one dossier resolved, on time');
      for (const personal of ['Hồ Thị Xuân Diệu Kỳ', 'Hòa Bình', '0912', '345 678', '+8491', 'example.vn']) {
        assert.ok(!html.includes(personal), `the public board must not show "${personal}"`);
      }
      assert.ok(!html.includes('Sở Tư pháp') && !html.includes('Chờ xác minh lý lịch'), 'an agency that does not publish is not listed');
    });

    it('takes the number of days from ?ngay, and refuses a bad number next to the field', async () => {
      ctx.clock.set(new Date('2026-03-20T09:00:00+07:00'));
      const recent = (await supertest(ctx.app).get('/cong-khai?ngay=30').expect(200)).text;
      assert.ok(recent.includes(MASKED), 'issued 17 days ago: within 30 days');
      const week = (await supertest(ctx.app).get('/cong-khai?ngay=7').expect(200)).text;
      assert.ok(!week.includes(MASKED), 'not within the last 7 days');
      assert.ok(week.includes('Không có thư xin lỗi nào trong 7 ngày qua'));
      const bad = await supertest(ctx.app).get('/cong-khai?ngay=abc').expect(400);
      assert.match(bad.text, /id="e-ngay">Số ngày/);
      await supertest(ctx.app).get('/cong-khai?ngay=400').expect(400);
    });
  });
});
