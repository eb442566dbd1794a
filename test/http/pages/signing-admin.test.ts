import assert from 'node:assert/strict';
import { createDemoCa, demoSealPng, type DemoCa } from '../../../src/signing';
import { createTestContext, seedBasics, AGENCY, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';

describe('admin pages: digital signatures (/quan-tri/ky-so)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let ca: DemoCa;

  before(async () => {
    ca = await createDemoCa({ now: new Date('2026-01-01T00:00:00Z') });
  });
  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx?.close());

  it('installs the agency certificate from the form, refusing a wrong password or another agency’s certificate and changing nothing', async () => {
    const { agent, csrf } = await signIn(ctx, 'admin', null);
    const page = await agent.get(`/quan-tri/ky-so/${AGENCY.code}`).expect(200);
    assert.match(page.text, /Chưa cài đặt/);
    const mine = await ca.issueAgency(AGENCY.name, { password: 'dung-mat-khau' });
    const other = await ca.issueAgency('Sở Tài chính thành phố Cần Thơ', { password: 'dung-mat-khau' });

    const wrong = await agent.post(`/quan-tri/ky-so/${AGENCY.code}/chung-thu`).field('_csrf', csrf).field('password', 'sai').attach('p12', mine.p12, 'coquan.p12').expect(422);
    assert.match(wrong.text, /Mật khẩu của tệp chứng thư số không đúng/);
    const foreign = await agent.post(`/quan-tri/ky-so/${AGENCY.code}/chung-thu`).field('_csrf', csrf).field('password', 'dung-mat-khau').attach('p12', other.p12, 'khac.p12').expect(422);
    assert.match(foreign.text, /không thuộc người\/cơ quan ký/);
    const agency = await ctx.services.registry.agency(AGENCY.code);
    assert.equal((await ctx.services.signingSettings.view({ kind: 'agency', id: agency.id })).mode, null, 'nothing changed');

    await agent.post(`/quan-tri/ky-so/${AGENCY.code}/chung-thu`).field('_csrf', csrf).field('password', 'dung-mat-khau').attach('p12', mine.p12, 'coquan.p12').expect(303);
    await agent.post(`/quan-tri/ky-so/${AGENCY.code}/con-dau`).field('_csrf', csrf).attach('image', demoSealPng(), 'condau.png').expect(303);
    const notPng = await agent.post(`/quan-tri/ky-so/${AGENCY.code}/con-dau`).field('_csrf', csrf).attach('image', Buffer.from('GIF89a'), 'x.gif').expect(400);
    assert.match(notPng.text, /PNG/);
    const view = await ctx.services.signingSettings.view({ kind: 'agency', id: agency.id });
    assert.equal(view.mode, 'certificate');
    assert.equal(view.hasImage, true);
    const after = await agent.get(`/quan-tri/ky-so/${AGENCY.code}`).expect(200);
    assert.match(after.text, /Tệp chứng thư số \(PKCS#12\)/);
    assert.doesNotMatch(after.text, /dung-mat-khau/, 'the password is never shown back');
    await agent.post(`/quan-tri/ky-so/${AGENCY.code}/chung-thu`).field('password', 'x').attach('p12', mine.p12, 'coquan.p12').expect(403);
  });

  it('an agency signing its own layer remotely: warned until its own ID at the service is entered, which the page then shows', async () => {
    const { agent, csrf } = await signIn(ctx, 'admin', null);
    await agent.post(`/quan-tri/ky-so/${AGENCY.code}/tu-xa`).type('form').send({ _csrf: csrf, baseUrl: 'https://ky-so.example.vn/sca', spId: 'sp-1', spPassword: 'bi-mat', callbackSecret: '' }).expect(303);
    const page = await agent.get(`/quan-tri/ky-so/${AGENCY.code}`).expect(200);
    assert.match(page.text, /chưa có mã định danh của cơ quan tại dịch vụ ký số/, 'without its ID the agency layer cannot be asked for: the page says so');
    assert.match(page.text, /name="userId"/, 'the account form asks for the agency’s ID at the service');
    await agent.post(`/quan-tri/ky-so/${AGENCY.code}/tu-xa`).type('form').send({ _csrf: csrf, baseUrl: 'https://ky-so.example.vn/sca', spId: 'sp-1', spPassword: '', callbackSecret: '', userId: '0100000001' }).expect(303);
    const connected = await agent.get(`/quan-tri/ky-so/${AGENCY.code}`).expect(200);
    assert.doesNotMatch(connected.text, /chưa có mã định danh của cơ quan/, 'the agency layer is signed remotely once the ID is there');
    assert.match(connected.text, /0100000001/);
    await agent.post(`/quan-tri/ky-so/${AGENCY.code}/mo-phong`).type('form').send({ _csrf: csrf }).expect(303);
    assert.doesNotMatch((await agent.get(`/quan-tri/ky-so/${AGENCY.code}`).expect(200)).text, /chưa có mã định danh của cơ quan/, 'the simulator signs the agency layer itself');
  });
});
