import assert from 'node:assert/strict';
import { createTestContext, dossierBody, PROCEDURE, seedBasics, type TestContext } from '../../support/context';
import { SYSTEM_ACTOR } from '../../../src/domain/actor';
import { assertFieldError, signIn, type SignedInAgent } from '../../support/pages';

describe('pages: administration (/quan-tri)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let admin: SignedInAgent;
  let counter: SignedInAgent;
  let counterUserId: number;

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    admin = await signIn(ctx, 'admin', null);
    counter = await signIn(ctx, 'counter', 'SXD');
    counterUserId = (await ctx.db('users').where({ username: counter.username }).first()).id;
  });
  after(async () => ctx.close());

  const pages = () => [
    '/quan-tri',
    '/quan-tri/co-quan',
    '/quan-tri/co-quan/SXD',
    '/quan-tri/co-quan/moi',
    '/quan-tri/thu-tuc',
    '/quan-tri/thu-tuc/moi',
    `/quan-tri/thu-tuc/${PROCEDURE.code}`,
    '/quan-tri/lich?nam=2026',
    '/quan-tri/tai-khoan',
    '/quan-tri/tai-khoan/moi',
    `/quan-tri/tai-khoan/${counterUserId}`,
    '/quan-tri/ma-truy-cap',
    '/quan-tri/mau-thu',
    '/quan-tri/kenh-gui',
  ];

  it('every page renders for an administrator, with the "Quản trị" menu entry marked', async () => {
    for (const url of pages()) {
      const res = await admin.agent.get(url);
      assert.equal(res.status, 200, `${url} answered ${res.status} to an administrator`);
      assert.match(res.text, /<h1>[^<]+<\/h1>/, `${url} has no page heading`);
      assert.match(res.text, /<a href="\/quan-tri" aria-current="page">Quản trị<\/a>/, `${url} does not mark "Quản trị" in the menu`);
    }
  });

  it('counter staff do not see the menu entry and get the 403 page for every administration page', async () => {
    const home = await counter.agent.get('/tong-quan').expect(200);
    assert.ok(!home.text.includes('href="/quan-tri"'), 'counter staff must not see the "Quản trị" menu entry');
    for (const url of [...pages(), '/quan-tri/mau-thu/van-ban?mau=tt03-2025&coQuan=SXD']) {
      const res = await counter.agent.get(url);
      assert.equal(res.status, 403, `${url} answered ${res.status} to counter staff instead of 403`);
      assert.match(res.text, /không có quyền/, `${url}: the 403 page does not say what is missing`);
    }
    const before = await ctx.services.registry.agency('SXD');
    await counter.agent.post('/quan-tri/co-quan/SXD').type('form').send({ _csrf: counter.csrf, name: 'Đổi tên trái phép', letterSymbol: 'X' }).expect(403);
    assert.equal((await ctx.services.registry.agency('SXD')).name, before.name, 'a refused counter post must not change the agency');
  });

  describe('agencies', () => {
    const good = () => ({
      _csrf: admin.csrf,
      name: 'Sở Xây dựng thành phố Cần Thơ',
      letterSymbol: 'PXL-SXD',
      signerName: 'Trần Văn Bình',
      signerTitle: 'PHÓ GIÁM ĐỐC',
      apologyMode: 'review',
      apologyLeadWorkingDays: '3',
      maxExtensions: '1',
      contactEmail: 'sxd@cantho.example.vn',
      contactPhone: '0292 3820 000',
      address: '25 Lý Tự Trọng, phường Ninh Kiều',
      publicBoard: 'on',
    });

    it('refuses bad input with Vietnamese messages next to the fields, keeps what was typed, saves nothing', async () => {
      const before = await ctx.services.registry.agency('SXD');
      const res = await admin.agent
        .post('/quan-tri/co-quan/SXD')
        .type('form')
        .send({ ...good(), name: '  ', letterSymbol: 'pxl sai', apologyLeadWorkingDays: '99', contactEmail: 'khong-phai-thu' });
      assert.equal(res.status, 400, 'bad input must be refused with 400');
      assertFieldError(res.text, 'name', /Không được để trống/);
      assertFieldError(res.text, 'letterSymbol', /Ký hiệu văn bản viết hoa/);
      assertFieldError(res.text, 'apologyLeadWorkingDays', /từ 0 đến 10/);
      assertFieldError(res.text, 'contactEmail', /thư điện tử không hợp lệ/);
      assert.match(res.text, /value="pxl sai"/, 'the form keeps what the administrator typed');
      assert.deepEqual(await ctx.services.registry.agency('SXD'), before, 'a refused form must not change the agency');
    });

    it('saves the letter symbol, signer, apology mode, lead days and public board flag', async () => {
      const res = await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send(good()).expect(303);
      assert.equal(res.headers.location, '/quan-tri/co-quan?ok=saved');
      const a = await ctx.services.registry.agency('SXD');
      assert.equal(a.settings.apologyMode, 'review');
      assert.equal(a.settings.apologyLeadWorkingDays, 3);
      assert.equal(a.settings.publicBoard, true);
      assert.equal(a.contactPhone, '0292 3820 000');
      const list = await admin.agent.get(res.headers.location).expect(200);
      assert.match(list.text, /Đã lưu\./, 'the list confirms the save');
      assert.match(list.text, /Lãnh đạo duyệt trước khi gửi/);
      // An unticked checkbox is absent from the body: it must turn the flag off.
      const { publicBoard: _, ...withoutBoard } = good();
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send(withoutBoard).expect(303);
      assert.equal((await ctx.services.registry.agency('SXD')).settings.publicBoard, false, 'unticking "bảng công khai" must save false');
    });

    it('shows a hostile agency name as text, never as markup', async () => {
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), name: '<script>alert(1)</script> Sở "XD"' }).expect(303);
      for (const url of ['/quan-tri/co-quan', '/quan-tri/co-quan/SXD', '/quan-tri/lich?nam=2026']) {
        const page = await admin.agent.get(url).expect(200);
        assert.ok(!page.text.includes('<script>alert(1)</script>'), `${url} put the agency name into the page as markup`);
        assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt; Sở &quot;XD&quot;/, `${url} does not show the name as text`);
      }
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send(good()).expect(303);
    });

    it('sets the order of the citizen channels and the SMS alphabet, refusing a channel named twice by its field', async () => {
      const form = await admin.agent.get('/quan-tri/co-quan/SXD').expect(200);
      assert.match(form.text, /id="f-channel1"/, 'the edit form offers the order of the channels');
      assert.match(form.text, /id="f-smsUnicode"/, 'the edit form offers SMS with diacritics');
      const before = await ctx.services.registry.agency('SXD');
      const twice = await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), channel1: 'sms', channel2: 'sms', channel3: '' });
      assert.equal(twice.status, 400, 'a channel chosen twice must be refused');
      assertFieldError(twice.text, 'noticeChannels', /Mỗi kênh chỉ ghi một lần/);
      assert.deepEqual(await ctx.services.registry.agency('SXD'), before, 'a refused form must not change the agency');
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), channel1: 'sms', channel2: '', channel3: 'email', smsUnicode: 'on' }).expect(303);
      let a = await ctx.services.registry.agency('SXD');
      assert.deepEqual(a.settings.noticeChannels, ['sms', 'email'], 'SMS first, then e-mail, no Zalo: the order chosen, blanks skipped');
      assert.equal(a.settings.smsUnicode, true);
      assert.match((await admin.agent.get('/quan-tri/co-quan/SXD').expect(200)).text, /<option value="sms" selected>/, 'the form shows the saved order');
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), channel1: 'zalo', channel2: 'sms', channel3: 'email' }).expect(303);
      a = await ctx.services.registry.agency('SXD');
      assert.deepEqual(a.settings.noticeChannels, ['zalo', 'sms', 'email']);
      assert.equal(a.settings.smsUnicode, false, 'unticking "SMS có dấu" must save false');
    });

    it('edits the parent organisation and the place name after creation, refusing an empty place name by its field', async () => {
      const form = await admin.agent.get('/quan-tri/co-quan/SXD').expect(200);
      assert.match(form.text, /id="f-parentName"/, 'the edit form offers the parent organisation');
      assert.match(form.text, /id="f-placeName"/, 'the edit form offers the place name');
      const before = await ctx.services.registry.agency('SXD');
      const bad = await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), parentName: 'UBND TỈNH MỚI', placeName: '  ' });
      assert.equal(bad.status, 400);
      assertFieldError(bad.text, 'placeName', /Không được để trống/);
      assert.deepEqual(await ctx.services.registry.agency('SXD'), before, 'a refused form must not change the agency');
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), parentName: 'UBND THÀNH PHỐ CẦN THƠ', placeName: 'Ninh Kiều' }).expect(303);
      const a = await ctx.services.registry.agency('SXD');
      assert.deepEqual({ parent: a.parentName, place: a.placeName }, { parent: 'UBND THÀNH PHỐ CẦN THƠ', place: 'Ninh Kiều' });
      assert.match((await admin.agent.get('/quan-tri/co-quan/SXD').expect(200)).text, /id="f-placeName"[^>]*value="Ninh Kiều"/, 'the form shows the saved place name');
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), parentName: '', placeName: before.placeName }).expect(303);
      assert.equal((await ctx.services.registry.agency('SXD')).parentName, '', 'the parent organisation can be emptied');
      await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...good(), parentName: before.parentName, placeName: before.placeName }).expect(303);
    });

    it('refuses a post without the form token (CSRF) and saves nothing', async () => {
      const { _csrf: _, ...noToken } = good();
      const res = await admin.agent.post('/quan-tri/co-quan/SXD').type('form').send({ ...noToken, name: 'Không được lưu' });
      assert.equal(res.status, 403, 'a post without _csrf must be refused');
      assert.notEqual((await ctx.services.registry.agency('SXD')).name, 'Không được lưu');
    });
  });

  describe('adding agencies and procedures', () => {
    describe('adding one', () => {
      const newAgency = () => ({
        _csrf: admin.csrf, code: 'STNMT', name: 'Sở Nông nghiệp và Môi trường thành phố Cần Thơ', parentName: 'UBND THÀNH PHỐ CẦN THƠ',
        placeName: 'Cần Thơ', level: 'department', letterSymbol: 'PXL-SNNMT', signerName: 'Lê Văn Tâm', signerTitle: 'GIÁM ĐỐC',
        apologyMode: 'auto', apologyLeadWorkingDays: '2', maxExtensions: '2', contactEmail: '', contactPhone: '', address: '',
      });

      it('offers the form from the list, refuses bad input next to the fields and a code already used, and saves nothing', async () => {
        assert.match((await admin.agent.get('/quan-tri/co-quan').expect(200)).text, /href="\/quan-tri\/co-quan\/moi"/, 'the list should lead to the new-agency form');
        const bad = await admin.agent.post('/quan-tri/co-quan/moi').type('form').send({ ...newAgency(), code: 'có dấu', placeName: '', level: 'huyen', maxExtensions: '9' });
        assert.equal(bad.status, 400);
        assertFieldError(bad.text, 'code', /Mã cơ quan gồm 1–32 ký tự/);
        assertFieldError(bad.text, 'placeName', /Không được để trống/);
        assertFieldError(bad.text, 'level', /Chọn cấp của cơ quan/);
        assertFieldError(bad.text, 'maxExtensions', /từ 0 đến 5/);
        assert.match(bad.text, /value="có dấu"/, 'the form keeps what was typed');
        const taken = await admin.agent.post('/quan-tri/co-quan/moi').type('form').send({ ...newAgency(), code: 'SXD' });
        assert.equal(taken.status, 409);
        assertFieldError(taken.text, 'code', /Cơ quan mã &quot;SXD&quot; đã có/);
        assert.equal((await ctx.services.registry.listAgencies()).filter((a) => a.code === 'STNMT').length, 0, 'nothing saved');
      });

      it('adds the agency with its letter settings, and it can be edited afterwards', async () => {
        const res = await admin.agent.post('/quan-tri/co-quan/moi').type('form').send(newAgency()).expect(303);
        assert.equal(res.headers.location, '/quan-tri/co-quan?ok=saved');
        const a = await ctx.services.registry.agency('STNMT');
        assert.deepEqual(
          { level: a.level, place: a.placeName, parent: a.parentName, symbol: a.letterSymbol, max: a.settings.maxExtensions, lead: a.settings.apologyLeadWorkingDays, signer: a.settings.signerName },
          { level: 'department', place: 'Cần Thơ', parent: 'UBND THÀNH PHỐ CẦN THƠ', symbol: 'PXL-SNNMT', max: 2, lead: 2, signer: 'Lê Văn Tâm' },
        );
        const edit = await admin.agent.get('/quan-tri/co-quan/STNMT').expect(200);
        assert.match(edit.text, /id="f-maxExtensions"[^>]*value="2"/, 'the edit form shows the maximum of re-appointments');
      });
    });

    it('adds a procedure decided by a chosen agency, refusing bad input next to the fields', async () => {
      assert.match((await admin.agent.get('/quan-tri/thu-tuc').expect(200)).text, /href="\/quan-tri\/thu-tuc\/moi"/);
      const form = await admin.agent.get('/quan-tri/thu-tuc/moi').expect(200);
      assert.match(form.text, /<option value="SXD">SXD — /, 'the agencies are offered');
      const good = {
        _csrf: admin.csrf, code: '1.004227', name: 'Cấp giấy phép môi trường', field: 'Môi trường', agencyCode: 'SXD',
        unit: 'days', amount: '20', cutoff: '15:00', defaultExtensionDays: '5', supplementPolicy: 'pause', defaultDelayReason: '',
      };
      const bad = await admin.agent.post('/quan-tri/thu-tuc/moi').type('form').send({ ...good, name: ' ', agencyCode: 'KHONGCO', amount: 'mười' });
      assert.equal(bad.status, 400);
      assertFieldError(bad.text, 'name', /Không được để trống/);
      assertFieldError(bad.text, 'amount', /Nhập số ngày làm việc từ 0 đến 365/);
      await assert.rejects(ctx.services.registry.procedure('1.004227'), /Không có thủ tục/, 'nothing saved from the refused form');
      const missingAgency = await admin.agent.post('/quan-tri/thu-tuc/moi').type('form').send({ ...good, agencyCode: 'KHONGCO' });
      assert.equal(missingAgency.status, 400);
      assertFieldError(missingAgency.text, 'agencyCode', /Không có cơ quan mã &quot;KHONGCO&quot;/);
      await admin.agent.post('/quan-tri/thu-tuc/moi').type('form').send(good).expect(303);
      const p = await ctx.services.registry.procedure('1.004227');
      assert.deepEqual({ name: p.name, field: p.field, agency: p.agencyId, amount: p.timeAmount, policy: p.supplementPolicy }, {
        name: 'Cấp giấy phép môi trường', field: 'Môi trường', agency: (await ctx.services.registry.agency('SXD')).id, amount: 20, policy: 'pause',
      });
    });

    it('are for an installation-wide administrator only: an agency’s own administrator gets 403 and no link', async () => {
      const local = await signIn(ctx, 'admin', 'SXD');
      assert.doesNotMatch((await local.agent.get('/quan-tri/co-quan').expect(200)).text, /co-quan\/moi/);
      assert.equal((await local.agent.get('/quan-tri/co-quan/moi')).status, 403);
      await local.agent.post('/quan-tri/co-quan/moi').type('form').send({ _csrf: local.csrf, code: 'LOCAL', name: 'X', placeName: 'Y', level: 'commune', letterSymbol: 'PXL-X' }).expect(403);
      assert.equal((await ctx.services.registry.listAgencies()).some((a) => a.code === 'LOCAL'), false);
    });
  });

  describe('procedures', () => {
    it('refuses bad input next to the fields and saves nothing', async () => {
      const before = await ctx.services.registry.procedure(PROCEDURE.code);
      const res = await admin.agent
        .post(`/quan-tri/thu-tuc/${PROCEDURE.code}`)
        .type('form')
        .send({ _csrf: admin.csrf, unit: 'days', amount: 'hai mươi', defaultExtensionDays: '0', supplementPolicy: 'pause', defaultDelayReason: '' });
      assert.equal(res.status, 400);
      assertFieldError(res.text, 'amount', /Nhập số ngày làm việc từ 0 đến 365/);
      assertFieldError(res.text, 'defaultExtensionDays', /từ 1 đến 60/);
      assert.deepEqual(await ctx.services.registry.procedure(PROCEDURE.code), before, 'a refused form must not change the procedure');
    });

    it('saves the processing time, extension days, delay reason and supplement policy', async () => {
      await admin.agent
        .post(`/quan-tri/thu-tuc/${PROCEDURE.code}`)
        .type('form')
        .send({ _csrf: admin.csrf, unit: 'days', amount: '15', defaultExtensionDays: '7', supplementPolicy: 'restart', defaultDelayReason: 'Chờ ý kiến liên ngành' })
        .expect(303);
      const p = await ctx.services.registry.procedure(PROCEDURE.code);
      assert.deepEqual(
        { unit: p.timeUnit, amount: p.timeAmount, ext: p.defaultExtensionDays, policy: p.supplementPolicy, reason: p.defaultDelayReason },
        { unit: 'days', amount: 15, ext: 7, policy: 'restart', reason: 'Chờ ý kiến liên ngành' },
      );
      const list = await admin.agent.get('/quan-tri/thu-tuc').expect(200);
      assert.match(list.text, /15 ngày làm việc/);
      await admin.agent
        .post(`/quan-tri/thu-tuc/${PROCEDURE.code}`)
        .type('form')
        .send({ _csrf: admin.csrf, unit: 'days', amount: '20', defaultExtensionDays: '5', supplementPolicy: 'pause', defaultDelayReason: PROCEDURE.defaultDelayReason })
        .expect(303);
    });
  });

  describe('calendar', () => {
    it('shows 2026 as twelve month grids with Tết marked in words and its source', async () => {
      const res = await admin.agent.get('/quan-tri/lich?nam=2026').expect(200);
      assert.equal((res.text.match(/<table class="month">/g) ?? []).length, 12, 'twelve month grids');
      assert.match(res.text, /<abbr title="Thứ Hai">T2<\/abbr>/, 'weeks start on Monday (Thứ Hai)');
      assert.match(res.text, /<abbr title="Chủ nhật">CN<\/abbr>/);
      // 17/02/2026 is mùng 1 Tết: the cell says "Nghỉ" and its title names the day and the decision.
      const cell = /<td class="[^"]*marked off"\s+title="Tết Nguyên đán \(mùng 1\) — ([^"]+)">\s*<span class="d">17<\/span><span class="m">Nghỉ<\/span>/.exec(res.text);
      assert.ok(cell, 'the 17/02 cell must be marked "Nghỉ" with the day’s name and source on hover');
      assert.match(cell[1], /Tết Âm lịch 2026/, 'the cell’s source names the Tết 2026 decision');
      assert.match(res.text, /<tr><td>17\/02\/2026<\/td><td>Nghỉ<\/td><td>Tết Nguyên đán \(mùng 1\)<\/td><td>[^<]*Thủ tướng Chính phủ đồng ý phương án nghỉ Tết Âm lịch 2026/, 'the list gives 17/02 with its source');
      assert.match(res.text, /<tr><td>10\/01\/2026<\/td><td>Làm bù<\/td>/, 'the swapped Saturday 10/01 is listed as a working day');
      assert.match(res.text, /<h3>Quốc khánh<\/h3>/, 'Quốc khánh 2026 has estimated days to confirm');
    });

    it('refuses a bad decision next to its fields and saves nothing', async () => {
      const before = await ctx.db('calendar_entries').count({ n: '*' }).first();
      const res = await admin.agent
        .post('/quan-tri/lich?nam=2026')
        .type('form')
        .send({ _csrf: admin.csrf, date: '30/02/2026', kind: 'off', name: '', source: 'Quyết định 1/QĐ', agencyCode: '' });
      assert.equal(res.status, 400);
      assertFieldError(res.text, 'date', /Ngày không hợp lệ: nhập dạng dd\/mm\/yyyy/);
      assert.match(res.text, /id="f-date" name="date" type="text"[^>]* placeholder="dd\/mm\/yyyy"[^>]* value="30\/02\/2026"/, 'the day is typed as dd/mm/yyyy and what was typed stays');
      assertFieldError(res.text, 'name', /Không được để trống/);
      assert.deepEqual(await ctx.db('calendar_entries').count({ n: '*' }).first(), before, 'nothing may be stored');
    });

    it('saves an agency’s day off, recomputes its dossiers and says how many moved', async () => {
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LICH-1' })).expect(201); // due 19/03
      const res = await admin.agent
        .post('/quan-tri/lich?nam=2026&coQuan=SXD')
        .type('form')
        .send({ _csrf: admin.csrf, date: '10/3/2026', kind: 'off', name: 'Nghỉ đột xuất', source: 'Quyết định 12/QĐ-SXD', agencyCode: 'SXD' })
        .expect(303);
      assert.equal(res.headers.location, '/quan-tri/lich?nam=2026&coQuan=SXD&moved=1');
      const page = await admin.agent.get(res.headers.location).expect(200);
      assert.match(page.text, /1 hồ sơ được tính lại hạn giải quyết/, 'the page says how many dossiers moved');
      assert.match(page.text, /<tr><td>10\/03\/2026<\/td><td>Nghỉ<\/td><td>Nghỉ đột xuất<\/td><td>Quyết định 12\/QĐ-SXD<\/td><td>SXD<\/td>/);
      const moved = await ctx.api('get', '/api/v1/dossiers/LICH-1').expect(200);
      assert.equal(moved.body.currentDueAt, '2026-03-20T17:00:00+07:00', 'a day off on 10/03 pushes 19/03 to 20/03');
    });

    it('confirms the estimated days of an occasion with the decision typed in', async () => {
      const empty = await admin.agent.post('/quan-tri/lich/xac-nhan?nam=2026').type('form').send({ _csrf: admin.csrf, occasion: 'quoc_khanh', source: ' ' });
      assert.equal(empty.status, 400);
      assertFieldError(empty.text, 'source-quoc_khanh', /Ghi rõ văn bản quyết định/);
      const before = (await ctx.services.calendars.year(2026)).days.filter((d) => d.occasion === 'quoc_khanh');
      assert.ok(before.some((d) => d.estimate), 'the test needs an estimated Quốc khánh day in 2026');
      await admin.agent
        .post('/quan-tri/lich/xac-nhan?nam=2026')
        .type('form')
        .send({ _csrf: admin.csrf, occasion: 'quoc_khanh', source: 'Công văn 123/LĐTBXH ngày 01/06/2026' })
        .expect(303);
      const after = (await ctx.services.calendars.year(2026)).days.filter((d) => d.occasion === 'quoc_khanh');
      assert.deepEqual(after.map((d) => d.date), before.map((d) => d.date), 'confirming keeps the same days');
      assert.ok(after.every((d) => !d.estimate && d.source === 'Công văn 123/LĐTBXH ngày 01/06/2026'), 'every Quốc khánh day is now decided, with the typed source');
    });
  });

  describe('users', () => {
    it('lists accounts and refuses a bad new account next to its fields, creating nothing', async () => {
      const list = await admin.agent.get('/quan-tri/tai-khoan').expect(200);
      assert.ok(list.text.includes(`<td>${counter.username}</td>`), 'the list shows the counter account');
      const count = (await ctx.services.users.list(SYSTEM_ACTOR)).length;
      const res = await admin.agent
        .post('/quan-tri/tai-khoan/moi')
        .type('form')
        .send({ _csrf: admin.csrf, username: 'Có Dấu', fullName: '', role: 'counter', agencyCode: '', active: 'on', password: 'ngan' });
      assert.equal(res.status, 400);
      assertFieldError(res.text, 'username', /Tên đăng nhập gồm/);
      assertFieldError(res.text, 'fullName', /Cần họ và tên/);
      assertFieldError(res.text, 'agencyCode', /phải thuộc một cơ quan/);
      assertFieldError(res.text, 'password', /ít nhất 10 ký tự/);
      assert.ok(!res.text.includes('value="ngan"'), 'a refused form must not send the password back');
      assert.equal((await ctx.services.users.list(SYSTEM_ACTOR)).length, count, 'no account may be created');
    });

    it('creates an account, then changes its role, disables it and resets its password', async () => {
      await admin.agent
        .post('/quan-tri/tai-khoan/moi')
        .type('form')
        .send({ _csrf: admin.csrf, username: 'lan.nguyen', fullName: 'Nguyễn Thị Lan', role: 'officer', agencyCode: 'SXD', active: 'on', password: 'mat-khau-moi-dai' })
        .expect(303);
      const created = await ctx.db('users').where({ username: 'lan.nguyen' }).first();
      assert.ok(created, 'the account exists');
      const oldHash = created.password_hash;
      await admin.agent
        .post(`/quan-tri/tai-khoan/${created.id}`)
        .type('form')
        .send({ _csrf: admin.csrf, username: 'lan.nguyen', fullName: 'Nguyễn Thị Lan', role: 'leader', agencyCode: 'SXD', password: 'mat-khau-thu-hai' })
        .expect(303);
      const changed = await ctx.db('users').where({ id: created.id }).first();
      assert.equal(changed.role, 'leader');
      assert.equal(Boolean(changed.active), false, 'an unticked "Đang dùng" disables the account');
      assert.notEqual(changed.password_hash, oldHash, 'the password was reset');
      const dup = await admin.agent
        .post(`/quan-tri/tai-khoan/${created.id}`)
        .type('form')
        .send({ _csrf: admin.csrf, username: counter.username, fullName: 'Nguyễn Thị Lan', role: 'leader', agencyCode: 'SXD', active: 'on', password: '' });
      assert.equal(dup.status, 409);
      assertFieldError(dup.text, 'username', /đã có/);
    });

    it('gives a leader an optional e-mail address (where signature reminders go), refusing a malformed one next to its field', async () => {
      const body = { _csrf: admin.csrf, username: 'binh.tran', fullName: 'Trần Văn Bình', role: 'leader', agencyCode: 'SXD', active: 'on', password: 'mat-khau-moi-dai' };
      const bad = await admin.agent.post('/quan-tri/tai-khoan/moi').type('form').send({ ...body, email: 'binh.tran@' });
      assert.equal(bad.status, 400);
      assertFieldError(bad.text, 'email', /Địa chỉ e-mail/);
      assert.equal(await ctx.db('users').where({ username: 'binh.tran' }).first(), undefined, 'nothing created');
      await admin.agent.post('/quan-tri/tai-khoan/moi').type('form').send({ ...body, email: ' Binh.Tran@CanTho.gov.vn ' }).expect(303);
      const created = await ctx.db('users').where({ username: 'binh.tran' }).first();
      assert.equal(created.email, 'binh.tran@cantho.gov.vn', 'kept trimmed and lowercased');
      const form = await admin.agent.get(`/quan-tri/tai-khoan/${created.id}`).expect(200);
      assert.match(form.text, /value="binh.tran@cantho.gov.vn"/, 'the edit form shows it');
      await admin.agent.post(`/quan-tri/tai-khoan/${created.id}`).type('form').send({ ...body, password: '', email: '' }).expect(303);
      assert.equal((await ctx.db('users').where({ id: created.id }).first()).email, null, 'an emptied field removes it');
    });
  });

  describe('API tokens', () => {
    it('creates a token, shows its secret once, and revokes it', async () => {
      const res = await admin.agent.post('/quan-tri/ma-truy-cap').type('form').send({ _csrf: admin.csrf, name: 'Cổng DVC', agencyCode: 'SXD' });
      assert.equal(res.status, 201);
      const secret = /id="new-token"[^>]*value="(hl_[A-Za-z0-9_-]+)"/.exec(res.text)?.[1];
      assert.ok(secret, 'the new secret is shown');
      await ctx.api('get', '/api/v1/agencies', secret).expect(200);
      const list = await admin.agent.get('/quan-tri/ma-truy-cap').expect(200);
      assert.ok(!list.text.includes(secret), 'the secret must not be shown again');
      const id = (await ctx.db('api_tokens').where({ name: 'Cổng DVC' }).first()).id;
      const revoked = await admin.agent.post(`/quan-tri/ma-truy-cap/${id}/thu-hoi`).type('form').send({ _csrf: admin.csrf }).expect(303);
      assert.equal(revoked.headers.location, '/quan-tri/ma-truy-cap?ok=token-revoked');
      await ctx.api('get', '/api/v1/agencies', secret).expect(401);
    });

    it('refuses a nameless token or an unknown agency next to the field, creating nothing', async () => {
      const count = (await ctx.db('api_tokens')).length;
      const nameless = await admin.agent.post('/quan-tri/ma-truy-cap').type('form').send({ _csrf: admin.csrf, name: '', agencyCode: '' });
      assert.equal(nameless.status, 400);
      assertFieldError(nameless.text, 'name', /Không được để trống/);
      const unknown = await admin.agent.post('/quan-tri/ma-truy-cap').type('form').send({ _csrf: admin.csrf, name: 'X', agencyCode: 'KHONGCO' });
      assert.equal(unknown.status, 400);
      assertFieldError(unknown.text, 'agencyCode', /Không có cơ quan mã/);
      assert.equal((await ctx.db('api_tokens')).length, count, 'no token may be created');
    });
  });

  describe('template preview and channel health', () => {
    it('renders the agency’s letter with sample data in a framed letter response, and the notice texts', async () => {
      const page = await admin.agent.get('/quan-tri/mau-thu?mau=tt01-2018&coQuan=SXD').expect(200);
      assert.match(page.text, /<iframe class="a4-fit-frame" title="Thư xin lỗi mẫu của [^"]+" src="\/quan-tri\/mau-thu\/van-ban\?mau(=|&#x3D;)tt01-2018&amp;coQuan(=|&#x3D;)SXD"/);
      assert.match(page.text, /<h2>Tin nhắn SMS<\/h2>[\s\S]*?<pre class="notice-text">Ho so MAU-000001[^<]*<\/pre>/, 'the SMS the agency sends (without diacritics by default) is shown for the sample dossier');
      assert.match(page.text, /Tính cước: 1 tin nhắn \(GSM-7/, 'the preview says how many SMS segments the province pays for');
      assert.match(page.text, /Hồ sơ MAU-000001[^<]*<\/pre>\s*<p class="hint">Tính cước: [2-9] tin nhắn \(Unicode/, 'and what the Unicode version would cost');
      assert.match(page.text, /<th scope="row">[^<]+<\/th><td>[^<]+<\/td>/, 'the Zalo parameters are listed');
      const letter = await admin.agent.get('/quan-tri/mau-thu/van-ban?mau=tt01-2018&coQuan=SXD').expect(200);
      assert.match(String(letter.headers['content-security-policy']), /style-src 'unsafe-inline'/, 'the letter is answered as a letter (its own styles allowed)');
      assert.match(letter.text, /PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ/, 'the TT01/2018 form was chosen');
      assert.match(letter.text, /01\/PXL-SXD/, 'the letter number uses the agency’s symbol');
      assert.match(letter.text, /Trần Văn Bình/, 'the agency’s signer signs');
    });

    it('shows the channels’ state and open alerts; a Zalo reset in simulator mode is refused', async () => {
      await ctx.services.notices.raiseAlert('zalo-grant', 'Quyền gửi tin Zalo OA đã mất <thử>', ctx.clock.now().getTime());
      const page = await admin.agent.get('/quan-tri/kenh-gui').expect(200);
      assert.match(page.text, /Giả lập/, 'the Zalo simulator is named');
      assert.match(page.text, /Ghi ra thư mục/, 'the e-mail outbox mode is named');
      assert.match(page.text, /Quyền gửi tin Zalo OA đã mất &lt;thử&gt;/, 'the open alert is listed, as text');
      const reset = await admin.agent.post('/quan-tri/kenh-gui/zalo').type('form').send({ _csrf: admin.csrf, refreshToken: 'abc' });
      assert.equal(reset.status, 409);
      assert.match(reset.text, /đang chạy giả lập/);
    });
  });

  /**
   * Issue 12: an administrator bound to one agency (SXD) tried to make itself installation-wide
   * and to reach other agencies' accounts and tokens and the channel settings. Each attack is
   * refused, changes nothing, and the pages no longer offer it.
   */
  describe("an agency's administrator stays within its agency", () => {
    let local: SignedInAgent;
    let otherUserId: number;
    let otherTokenId: number;
    let otherToken: string;

    before(async () => {
      await ctx.api('post', '/api/v1/agencies').send({ code: 'STP', name: 'Sở Tư pháp thành phố Cần Thơ', placeName: 'Cần Thơ', letterSymbol: 'PXL-STP', level: 'department' }).expect(201);
      local = await signIn(ctx, 'admin', 'SXD');
      const other = await ctx.services.users.create({ username: 'canbo.stp', fullName: 'Cán bộ Sở Tư pháp', role: 'counter', agencyId: null, agencyCode: 'STP', active: true }, 'mat-khau-du-dai', SYSTEM_ACTOR);
      otherUserId = other.id;
      const token = await ctx.services.tokens.create('Cổng STP', 'STP', SYSTEM_ACTOR);
      otherTokenId = token.record.id;
      otherToken = token.token;
    });

    it('cannot create an installation-wide administrator (empty agency on /quan-tri/tai-khoan/moi)', async () => {
      const res = await local.agent
        .post('/quan-tri/tai-khoan/moi')
        .type('form')
        .send({ _csrf: local.csrf, username: 'leo.thang', fullName: 'Leo Thang', role: 'admin', agencyCode: '', active: 'on', password: 'mat-khau-du-dai' });
      assert.equal(res.status, 403, 'an account with no agency (installation-wide) must be refused to an agency administrator');
      assert.match(res.text, /toàn hệ thống/, 'the refusal says why, in Vietnamese');
      assert.equal(await ctx.db('users').where({ username: 'leo.thang' }).first(), undefined, 'no account may be created');
      const other = await local.agent.post('/quan-tri/tai-khoan/moi').type('form').send({ _csrf: local.csrf, username: 'sang.stp', fullName: 'Sang STP', role: 'counter', agencyCode: 'STP', active: 'on', password: 'mat-khau-du-dai' });
      assert.equal(other.status, 403, "an account in another agency must be refused");
      assert.equal(await ctx.db('users').where({ username: 'sang.stp' }).first(), undefined, 'no account may be created in another agency');
      await local.agent.post('/quan-tri/tai-khoan/moi').type('form').send({ _csrf: local.csrf, username: 'ban.sxd', fullName: 'Bạn SXD', role: 'officer', agencyCode: 'SXD', active: 'on', password: 'mat-khau-du-dai' }).expect(303);
    });

    it('cannot mint an installation-wide token (/quan-tri/ma-truy-cap without agency) or one for another agency', async () => {
      const count = (await ctx.db('api_tokens')).length;
      const wide = await local.agent.post('/quan-tri/ma-truy-cap').type('form').send({ _csrf: local.csrf, name: 'Toàn quyền', agencyCode: '' });
      assert.equal(wide.status, 403, 'an installation-wide token must be refused to an agency administrator');
      assert.doesNotMatch(wide.text, /hl_[A-Za-z0-9_-]{20,}/, 'no secret may be shown');
      const other = await local.agent.post('/quan-tri/ma-truy-cap').type('form').send({ _csrf: local.csrf, name: 'Của STP', agencyCode: 'STP' });
      assert.equal(other.status, 403, "a token for another agency must be refused");
      assert.equal((await ctx.db('api_tokens')).length, count, 'no token may be created');
      assert.equal((await local.agent.post('/quan-tri/ma-truy-cap').type('form').send({ _csrf: local.csrf, name: 'Của SXD', agencyCode: 'SXD' })).status, 201, 'its own agency’s token is created');
    });

    it("cannot open or edit another agency's account, nor an installation-wide one", async () => {
      assert.equal((await local.agent.get(`/quan-tri/tai-khoan/${otherUserId}`)).status, 404, "another agency's account must look missing");
      const before = await ctx.db('users').where({ id: otherUserId }).first();
      const res = await local.agent
        .post(`/quan-tri/tai-khoan/${otherUserId}`)
        .type('form')
        .send({ _csrf: local.csrf, username: 'canbo.stp', fullName: 'Cán bộ Sở Tư pháp', role: 'admin', agencyCode: 'SXD', active: '', password: 'mat-khau-bi-doi-1' });
      assert.equal(res.status, 404, "editing another agency's account must be refused as not found");
      assert.deepEqual(await ctx.db('users').where({ id: otherUserId }).first(), before, "another agency's account must not change");
      const wideAdmin = await ctx.db('users').where({ username: admin.username }).first();
      assert.equal((await local.agent.get(`/quan-tri/tai-khoan/${wideAdmin.id}`)).status, 404, 'an installation-wide account must look missing');
      const localUser = await ctx.db('users').where({ username: local.username }).first();
      const self = await local.agent
        .post(`/quan-tri/tai-khoan/${localUser.id}`)
        .type('form')
        .send({ _csrf: local.csrf, username: local.username, fullName: localUser.full_name, role: 'admin', agencyCode: '', active: 'on', password: '' });
      assert.equal(self.status, 403, 'an agency administrator must not make its own account installation-wide');
      assert.equal((await ctx.db('users').where({ id: localUser.id }).first()).agency_id, localUser.agency_id, 'its agency stays');
    });

    it("cannot revoke another agency's token", async () => {
      const res = await local.agent.post(`/quan-tri/ma-truy-cap/${otherTokenId}/thu-hoi`).type('form').send({ _csrf: local.csrf });
      assert.equal(res.status, 404, "revoking another agency's token must be refused as not found");
      await ctx.api('get', '/api/v1/agencies', otherToken).expect(200);
    });

    it('cannot reach the channel health page nor reset the Zalo grant', async () => {
      assert.equal((await local.agent.get('/quan-tri/kenh-gui')).status, 403, 'the channel settings are installation-wide');
      const reset = await local.agent.post('/quan-tri/kenh-gui/zalo').type('form').send({ _csrf: local.csrf, refreshToken: 'abc' });
      assert.equal(reset.status, 403, `the Zalo grant reset must be refused before anything else (answered ${reset.status})`);
      assert.match(reset.text, /toàn hệ thống/, 'the refusal says why');
    });

    it('is offered only its own agency: in the lists, the account and token forms, the calendar and the menu', async () => {
      const users = await local.agent.get('/quan-tri/tai-khoan').expect(200);
      assert.ok(!users.text.includes('<td>canbo.stp</td>'), "another agency's account must not be listed");
      assert.ok(!users.text.includes(`<td>${admin.username}</td>`), 'installation-wide accounts must not be listed');
      assert.ok(users.text.includes(`<td>${local.username}</td>`), 'its own account is listed');
      for (const url of ['/quan-tri/tai-khoan/moi', '/quan-tri/ma-truy-cap']) {
        const form = await local.agent.get(url).expect(200);
        const select = /<select id="f-agencyCode"[^>]*>([\s\S]*?)<\/select>/.exec(form.text)?.[1] ?? '';
        assert.deepEqual([...select.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]), ['SXD'], `${url} must offer its own agency only, with no installation-wide choice`);
      }
      const tokens = await local.agent.get('/quan-tri/ma-truy-cap').expect(200);
      assert.ok(!tokens.text.includes('Cổng STP'), "another agency's token must not be listed");
      const calendar = await local.agent.get('/quan-tri/lich?nam=2026').expect(200);
      const scope = /<select id="f-agencyCode"[^>]*>([\s\S]*?)<\/select>/.exec(calendar.text)?.[1] ?? '';
      assert.deepEqual([...scope.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]), ['SXD'], 'the calendar form must not offer national days');
      assert.ok(!calendar.text.includes('/quan-tri/lich/xac-nhan'), 'confirming national estimates must not be offered');
      const index = await local.agent.get('/quan-tri').expect(200);
      assert.ok(!index.text.includes('href="/quan-tri/kenh-gui"'), 'the channel health link must not be offered');
      const procedures = await local.agent.get('/quan-tri/thu-tuc').expect(200);
      assert.ok(!procedures.text.includes(`href="/quan-tri/thu-tuc/${PROCEDURE.code}"`), 'editing procedures must not be offered');
    });
  });

  /** Issue 12, item 3: the deciding agency's draft is its own to approve or cancel. */
  describe('a draft apology of the deciding agency, seen by the receiving agency', () => {
    let draftId: number;
    let leader: SignedInAgent;
    let centreToken: string;

    before(async () => {
      await ctx.api('post', '/api/v1/agencies').send({ code: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công', placeName: 'Cần Thơ', letterSymbol: 'PXL-TT', level: 'center' }).expect(201);
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'TT-HUY-1', receivingAgencyCode: 'TTPVHCC', acceptedAt: '2026-01-26T08:00:00+07:00' })).expect(201);
      draftId = (await ctx.services.apologyWorkflow.draft('TT-HUY-1', { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR)).apology.id;
      leader = await signIn(ctx, 'leader', 'TTPVHCC');
      centreToken = (await ctx.services.tokens.create('Trung tâm', 'TTPVHCC', SYSTEM_ACTOR)).token;
    });

    const status = async () => (await ctx.services.apologies.get(draftId, SYSTEM_ACTOR)).apology.status;

    it("the receiving agency's leader cannot cancel it at /thu-xin-loi/{id}/huy, and is not offered to", async () => {
      const page = await leader.agent.get(`/thu-xin-loi/${draftId}`).expect(200);
      assert.ok(!page.text.includes(`/thu-xin-loi/${draftId}/huy`), 'the cancel form must not be offered to the receiving agency');
      assert.ok(!page.text.includes(`/thu-xin-loi/${draftId}/duyet`), 'the approve form must not be offered to the receiving agency');
      const res = await leader.agent.post(`/thu-xin-loi/${draftId}/huy`).type('form').send({ _csrf: leader.csrf, reason: 'Không đồng ý' });
      assert.equal(res.status, 403, `cancelling the deciding agency's draft must be refused (answered ${res.status})`);
      assert.match(res.text, /cơ quan giải quyết/, 'the refusal names who may cancel');
      assert.equal(await status(), 'draft', 'the draft must be unchanged');
      assert.equal((await leader.agent.post(`/thu-xin-loi/${draftId}/duyet`).type('form').send({ _csrf: leader.csrf })).status, 403, 'approving is refused by the same rule');
    });

    it("the receiving agency's API token cannot cancel it (POST /api/v1/apologies/{id}/cancel)", async () => {
      const res = await ctx.api('post', `/api/v1/apologies/${draftId}/cancel`, centreToken).send({ reason: 'Không đồng ý' });
      assert.equal(res.status, 403, `the API must refuse as the page does (answered ${res.status})`);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      assert.equal(await status(), 'draft', 'the draft must be unchanged');
      assert.equal((await ctx.api('post', `/api/v1/apologies/${draftId}/approve`, centreToken)).status, 403, 'approving is refused by the same rule');
    });
  });
});
