import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';

/** The staff dossier list as a counter uses it (issue 15, item 6): search by phone, the letter's state per row. */
describe('staff pages: the dossier list searched by phone, with an apology column', function () {
  this.timeout(90_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    const dossier = (code: string, name: string, phone: string) =>
      ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, applicant: { kind: 'person', name }, phone })).expect(201);
    await dossier('SXD-CO-THU', 'Nguyễn Văn An', '0912 345 678');
    await dossier('SXD-NHAP', 'Trần Thị Bích', '0987 654 321');
    await dossier('SXD-KHONG', 'Lê Văn Cường', '0903 111 222');
    ctx.clock.set(new Date('2026-03-20T09:00:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers/SXD-NHAP/apologies').send({ reason: 'Cần lấy ý kiến cơ quan phối hợp' }).expect(201);
    const issued = (await ctx.api('post', '/api/v1/dossiers/SXD-CO-THU/apologies').send({ reason: 'Cần thẩm định thêm tại hiện trường' }).expect(201)).body.id as number;
    await ctx.api('post', `/api/v1/apologies/${issued}/approve`).send({}).expect(200);
  });
  afterEach(async () => ctx.close());

  const codesIn = (html: string) => [...html.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a><\/th>/g)].map((m) => m[1]).sort();

  it('finds a dossier by the applicant’s phone written any usual way', async () => {
    const counter = await signIn(ctx, 'counter', 'SXD');
    for (const typed of ['0912345678', '0912 345 678', '+84 912 345 678', '84912345678', '0912.345.678']) {
      const page = await counter.agent.get(`/ho-so?q=${encodeURIComponent(typed)}`).expect(200);
      assert.deepEqual(codesIn(page.text), ['SXD-CO-THU'], `searching "${typed}" finds the dossier whose applicant's phone is 0912 345 678, and only it`);
    }
    const other = await counter.agent.get(`/ho-so?q=${encodeURIComponent('0911 000 000')}`).expect(200);
    assert.deepEqual(codesIn(other.text), [], 'a phone nobody gave finds nothing');
    const byCode = await counter.agent.get('/ho-so?q=SXD-NHAP').expect(200);
    assert.deepEqual(codesIn(byCode.text), ['SXD-NHAP'], 'searching by code still works');
  });

  it('shows each dossier’s latest apology state, read without a query per row', async () => {
    const counter = await signIn(ctx, 'counter', 'SXD');
    let apologyQueries = 0;
    const count = (q: { sql: string }) => {
      if (/\bapologies\b/.test(q.sql)) apologyQueries += 1;
    };
    ctx.db.client.on('query', count);
    const page = await counter.agent.get('/ho-so?sort=code').expect(200);
    ctx.db.client.removeListener('query', count);
    assert.match(page.text, /<th scope="col">Thư xin lỗi<\/th>/, 'the list has an apology column');
    const rowOf = (code: string) => new RegExp(`>${code}</a></th>[\\s\\S]*?</tr>`).exec(page.text)?.[0] ?? '';
    assert.match(rowOf('SXD-CO-THU'), /Đã ban hành/, 'the issued letter shows as issued');
    assert.match(rowOf('SXD-NHAP'), /Bản nháp chờ duyệt/, 'the draft shows as waiting for approval');
    assert.match(rowOf('SXD-KHONG'), /Chưa có thư/, 'a dossier without a letter says so in words');
    assert.ok(apologyQueries <= 1, `the apology states are read in the list's own query or one more, not per row (saw ${apologyQueries} queries on apologies)`);
  });
});
