import assert from 'node:assert/strict';
import { createTestContext, seedBasics, type TestContext } from '../../support/context';
import { assertFieldError, signIn, type SignedInAgent } from '../../support/pages';
import { FakeOneStopPusher } from '../../fakes/onestop/push';
import { SYSTEM_ACTOR } from '../../../src/domain/actor';

/**
 * Issue 16, items 3 and 6: an installation-wide administrator maintains the one-stop sources,
 * their code mappings and the refused dossiers in the staff pages, without the API.
 */
describe('pages: interop sources, mappings and refusals (/quan-tri/lien-thong)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let admin: SignedInAgent;
  let local: SignedInAgent;
  const source = () => ctx.services.interopSources.get('IGATE-CT', SYSTEM_ACTOR);

  before(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    admin = await signIn(ctx, 'admin', null);
    local = await signIn(ctx, 'admin', 'SXD');
  });
  after(async () => ctx.close());

  it('creates a source, showing its inbound token once and never the shared secret', async () => {
    const secret = 'bí-mật-dùng-chung-0123456789';
    const res = await admin.agent
      .post('/quan-tri/lien-thong')
      .type('form')
      .send({ _csrf: admin.csrf, code: 'IGATE-CT', name: 'Một cửa điện tử Cần Thơ', mode: 'push', agencyCode: '', outboundUrl: '', pullUrl: '', dueGoverns: 'ours', enabled: 'on', secret });
    assert.equal(res.status, 201, res.text.slice(0, 500));
    assert.match(res.text, /value="hl_[A-Za-z0-9_-]+"/, 'the new inbound token is shown on the answer to the creation');
    assert.ok(!res.text.includes(secret), 'the shared secret must never be shown back');
    assert.match(res.headers['cache-control'], /no-store/, 'a page carrying a token must not be cached');
    const created = await source();
    assert.equal(created.name, 'Một cửa điện tử Cần Thơ');
    assert.notEqual(created.secretSealed, null, 'the secret was stored');
    const list = await admin.agent.get('/quan-tri/lien-thong').expect(200);
    assert.match(list.text, /IGATE-CT/);
    assert.doesNotMatch(list.text, /hl_[A-Za-z0-9_-]{20,}/, 'the token is not shown again on the list');
  });

  it('every page renders for an installation-wide administrator and is linked from the admin home and the sync page', async () => {
    for (const url of ['/quan-tri/lien-thong', '/quan-tri/lien-thong/IGATE-CT', '/quan-tri/ho-so-bi-tu-choi']) {
      const res = await admin.agent.get(url);
      assert.equal(res.status, 200, `${url} answered ${res.status} to an installation-wide administrator`);
      assert.match(res.text, /<h1>[^<]+<\/h1>/, `${url} has no page heading`);
    }
    for (const url of ['/quan-tri', '/quan-tri/dong-bo']) {
      const res = await admin.agent.get(url).expect(200);
      assert.match(res.text, /href="\/quan-tri\/lien-thong"/, `${url} does not link the sources page`);
      assert.match(res.text, /href="\/quan-tri\/ho-so-bi-tu-choi"/, `${url} does not link the refusals page`);
    }
  });

  it('refuses an agency administrator every page and every change, and hides the links', async () => {
    for (const url of ['/quan-tri/lien-thong', '/quan-tri/lien-thong/IGATE-CT', '/quan-tri/ho-so-bi-tu-choi']) {
      assert.equal((await local.agent.get(url)).status, 403, `${url} must answer 403 to an agency administrator`);
    }
    const before = await source();
    const posts: [string, Record<string, string>][] = [
      ['/quan-tri/lien-thong', { code: 'LOCAL', name: 'X', mode: 'push', dueGoverns: 'ours' }],
      ['/quan-tri/lien-thong/IGATE-CT', { name: 'Đổi tên trái phép', mode: 'push', dueGoverns: 'ours' }],
      ['/quan-tri/lien-thong/IGATE-CT/ma-truy-cap', {}],
      ['/quan-tri/lien-thong/IGATE-CT/khoa-bi-mat', { secret: 'khoá-bí-mật-của-kẻ-lạ-0123' }],
      ['/quan-tri/lien-thong/IGATE-CT/anh-xa', { kind: 'procedure', theirCode: 'X', ourCode: '1.009972' }],
    ];
    for (const [url, body] of posts) {
      assert.equal((await local.agent.post(url).type('form').send({ _csrf: local.csrf, ...body })).status, 403, `POST ${url} must answer 403 to an agency administrator`);
    }
    assert.deepEqual(await source(), before, 'refused posts must not change the source');
    assert.equal((await ctx.services.interopSources.list(SYSTEM_ACTOR)).length, 1, 'no source created by an agency administrator');
    const home = await local.agent.get('/quan-tri').expect(200);
    assert.doesNotMatch(home.text, /lien-thong|ho-so-bi-tu-choi/, 'an agency administrator must not see the links');
  });

  it('names the bad field of a new source and creates nothing', async () => {
    const res = await admin.agent
      .post('/quan-tri/lien-thong')
      .type('form')
      .send({ _csrf: admin.csrf, code: 'có dấu cách', name: 'Nguồn sai', mode: 'pull', pullUrl: '', dueGoverns: 'ours', secret: 'ngắn' });
    assert.equal(res.status, 400);
    assertFieldError(res.text, 'secret', /ít nhất 16 ký tự/);
    const res2 = await admin.agent.post('/quan-tri/lien-thong').type('form').send({ _csrf: admin.csrf, code: 'có dấu cách', name: 'Nguồn sai', mode: 'pull', pullUrl: '', dueGoverns: 'ours' });
    assert.equal(res2.status, 400);
    assertFieldError(res2.text, 'code', /Mã nguồn/);
    assertFieldError(res2.text, 'pullUrl', /pullUrl/);
    assert.equal((await ctx.services.interopSources.list(SYSTEM_ACTOR)).length, 1, 'a refused form creates no source');
  });

  it('edits a source; a bad URL is named and changes nothing', async () => {
    const before = await source();
    const bad = await admin.agent
      .post('/quan-tri/lien-thong/IGATE-CT')
      .type('form')
      .send({ _csrf: admin.csrf, name: 'Tên mới', mode: 'pull', agencyCode: '', outboundUrl: '', pullUrl: 'ftp://sai', dueGoverns: 'theirs', enabled: 'on' });
    assert.equal(bad.status, 400);
    assertFieldError(bad.text, 'pullUrl', /http/);
    assert.deepEqual(await source(), before, 'a refused edit must not change the source');
    const unknownAgency = await admin.agent
      .post('/quan-tri/lien-thong/IGATE-CT')
      .type('form')
      .send({ _csrf: admin.csrf, name: 'Tên mới', mode: 'push', agencyCode: 'KHONGCO', dueGoverns: 'ours', enabled: 'on' });
    assert.equal(unknownAgency.status, 400);
    assertFieldError(unknownAgency.text, 'agencyCode', /KHONGCO/);
    assert.deepEqual(await source(), before, 'an unknown agency must not change the source');

    await admin.agent
      .post('/quan-tri/lien-thong/IGATE-CT')
      .type('form')
      .send({ _csrf: admin.csrf, name: 'Một cửa Cần Thơ (mới)', mode: 'pull', agencyCode: '', outboundUrl: 'https://motcua.cantho.gov.vn/nhan', pullUrl: 'https://motcua.cantho.gov.vn/lay', dueGoverns: 'theirs' })
      .expect(303);
    const after = await source();
    assert.deepEqual(
      { name: after.name, mode: after.mode, outboundUrl: after.outboundUrl, pullUrl: after.pullUrl, dueGoverns: after.dueGoverns, enabled: after.enabled },
      { name: 'Một cửa Cần Thơ (mới)', mode: 'pull', outboundUrl: 'https://motcua.cantho.gov.vn/nhan', pullUrl: 'https://motcua.cantho.gov.vn/lay', dueGoverns: 'theirs', enabled: false },
    );
    // Back to a push source for the refusal test below.
    await admin.agent.post('/quan-tri/lien-thong/IGATE-CT').type('form').send({ _csrf: admin.csrf, name: 'Một cửa điện tử Cần Thơ', mode: 'push', agencyCode: '', dueGoverns: 'ours', enabled: 'on' }).expect(303);
  });

  it('sets the shared secret (a short one named and refused) and rotates the token', async () => {
    const before = await source();
    const short = await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/khoa-bi-mat').type('form').send({ _csrf: admin.csrf, secret: 'ngắn' });
    assert.equal(short.status, 400);
    assertFieldError(short.text, 'secret', /ít nhất 16 ký tự/);
    assert.equal((await source()).secretSealed, before.secretSealed, 'a refused secret changes nothing');
    await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/khoa-bi-mat').type('form').send({ _csrf: admin.csrf, secret: 'một-khoá-bí-mật-mới-0123456789' }).expect(303);
    assert.notEqual((await source()).secretSealed, before.secretSealed, 'the new secret is stored');
    const page = await admin.agent.get('/quan-tri/lien-thong/IGATE-CT').expect(200);
    assert.ok(!page.text.includes('một-khoá-bí-mật-mới-0123456789'), 'the secret is never shown back');

    const rotated = await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/ma-truy-cap').type('form').send({ _csrf: admin.csrf });
    assert.equal(rotated.status, 201);
    assert.match(rotated.text, /value="hl_[A-Za-z0-9_-]+"/, 'the new token is shown once');
    assert.notEqual((await source()).tokenId, before.tokenId, 'the token was replaced');
  });

  it('adds a mapping chosen from our catalogue, names an unknown one, and deletes it', async () => {
    const form = await admin.agent.get('/quan-tri/lien-thong/IGATE-CT').expect(200);
    assert.match(form.text, /<select[^>]*name="ourProcedure"/, 'our procedure is picked from a list');
    assert.match(form.text, /<option value="1\.009972"/, 'the list holds our procedures');
    const bad = await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/anh-xa').type('form').send({ _csrf: admin.csrf, kind: 'procedure', theirCode: '9.999', ourProcedure: 'KHONGCO' });
    assert.equal(bad.status, 400);
    assertFieldError(bad.text, 'ourProcedure', /KHONGCO/);
    const empty = await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/anh-xa').type('form').send({ _csrf: admin.csrf, kind: 'procedure', theirCode: ' ', ourProcedure: '1.009972' });
    assert.equal(empty.status, 400);
    assertFieldError(empty.text, 'theirCode', /.+/);
    assert.equal((await ctx.services.interopSources.mappings('IGATE-CT', SYSTEM_ACTOR)).items.length, 0, 'refused mappings are not saved');

    await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/anh-xa').type('form').send({ _csrf: admin.csrf, kind: 'agency', theirCode: 'SXD-CT', ourAgency: 'SXD' }).expect(303);
    const page = await admin.agent.get('/quan-tri/lien-thong/IGATE-CT').expect(200);
    assert.match(page.text, /SXD-CT/, 'the new mapping is listed');
    await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/anh-xa/xoa').type('form').send({ _csrf: admin.csrf, kind: 'agency', theirCode: 'SXD-CT' }).expect(303);
    assert.equal((await ctx.services.interopSources.mappings('IGATE-CT', SYSTEM_ACTOR)).items.length, 0, 'the mapping was deleted');
  });

  it('lists an open refusal without personal data; after the mapping is added, "Thử lại" registers the dossier', async () => {
    const token = (await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/ma-truy-cap').type('form').send({ _csrf: admin.csrf })).text.match(/value="(hl_[A-Za-z0-9_-]+)"/)?.[1];
    assert.ok(token, 'a token for the source');
    const ourDue = (await ctx.api('get', '/api/v1/calendar/due?from=2026-02-12T09:30:00%2B07:00&days=20&agency=SXD').expect(200)).body.dueAt;
    const fake = new FakeOneStopPusher('http://unused', token);
    const refused = await ctx.api('post', '/api/v1/interop/DongBoHoSoMC', token).send(fake.register('H13.01-260212-0099', '2026-02-12T09:30:00+07:00', ourDue, { MaTTHC: '2.000777' }));
    assert.equal(refused.body.error_code, 2, JSON.stringify(refused.body));

    const list = await admin.agent.get('/quan-tri/ho-so-bi-tu-choi').expect(200);
    assert.match(list.text, /H13\.01-260212-0099/, 'the refused dossier code is listed');
    assert.match(list.text, /2\.000777/, 'the message names their code that failed');
    assert.match(list.text, /IGATE-CT/, 'the source is named');
    assert.ok(!list.text.includes('Nguyễn Văn An'), 'no applicant name on the refusals page');
    const id = refused.body.refusalId as number;
    assert.match(list.text, new RegExp(`action="/quan-tri/ho-so-bi-tu-choi/${id}/thu-lai"`), 'a "Thử lại" form per refusal');

    const again = await admin.agent.post(`/quan-tri/ho-so-bi-tu-choi/${id}/thu-lai`).type('form').send({ _csrf: admin.csrf });
    assert.equal(again.status, 422, 'still unmapped: the replay is refused again');
    assert.match(again.text, /2\.000777/, 'the result says why');
    await ctx.api('get', '/api/v1/dossiers/H13.01-260212-0099').expect(404);

    await admin.agent.post('/quan-tri/lien-thong/IGATE-CT/anh-xa').type('form').send({ _csrf: admin.csrf, kind: 'procedure', theirCode: '2.000777', ourProcedure: '1.009972' }).expect(303);
    const ok = await admin.agent.post(`/quan-tri/ho-so-bi-tu-choi/${id}/thu-lai`).type('form').send({ _csrf: admin.csrf });
    assert.equal(ok.status, 200, ok.text.slice(0, 400));
    assert.match(ok.text, /Đã tiếp nhận hồ sơ H13\.01-260212-0099/, 'the result is shown');
    const d = (await ctx.api('get', '/api/v1/dossiers/H13.01-260212-0099').expect(200)).body;
    assert.equal(d.procedure.code, '1.009972', 'the dossier is registered under the mapped procedure');
    const open = await admin.agent.get('/quan-tri/ho-so-bi-tu-choi').expect(200);
    assert.ok(!open.text.includes(`/quan-tri/ho-so-bi-tu-choi/${id}/thu-lai`), 'the replayed refusal is no longer open');
  });
});
