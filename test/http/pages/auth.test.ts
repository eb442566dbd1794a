import assert from 'node:assert/strict';
import supertest from 'supertest';
import { SYSTEM_ACTOR } from '../../../src/domain/actor';
import { createTestContext, seedBasics, type TestContext } from '../../support/context';
import { csrfOf, signIn } from '../../support/pages';

describe('staff sign-in, sessions and security headers', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-10T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.services.users.create(
      { username: 'mai', fullName: 'Nguyễn Thị Mai', role: 'counter', agencyId: null, agencyCode: 'SXD', active: true },
      'mat-khau-dung-roi',
      SYSTEM_ACTOR,
    );
  });
  afterEach(async () => ctx.close());

  async function attempt(agent: ReturnType<typeof supertest.agent>, password: string, status: number, username = 'mai') {
    const form = await agent.get('/dang-nhap').expect(200);
    return agent.post('/dang-nhap').type('form').send({ _csrf: csrfOf(form.text), username, password, next: '/ho-so?timeliness=overdue' }).expect(status);
  }

  it('signs in with the right password, keeps the session in an httpOnly SameSite cookie, and returns to the page asked for', async () => {
    const agent = supertest.agent(ctx.app);
    const res = await attempt(agent, 'mat-khau-dung-roi', 303);
    assert.equal(res.headers.location, '/ho-so?timeliness=overdue', 'after sign-in the person lands where they were going');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('henlai_sid='));
    assert.ok(cookie, 'a session cookie is set');
    assert.match(cookie, /HttpOnly/i, 'scripts cannot read the session cookie');
    assert.match(cookie, /SameSite=Lax/i);
    const page = await agent.get('/tong-quan').expect(200);
    assert.match(page.text, /Nguyễn Thị Mai · Cán bộ một cửa/, 'the page says who is signed in and in which role');
    const stored = await ctx.db('sessions').select('id_hash');
    assert.equal(stored.length, 1);
    assert.ok(!cookie.includes(stored[0].id_hash), 'only a hash of the session id is stored');
  });

  it('refuses a wrong password and an unknown name with the same message, and sends pages behind sign-in to the form', async () => {
    const agent = supertest.agent(ctx.app);
    const wrong = await attempt(agent, 'sai-mat-khau', 401);
    const unknown = await attempt(agent, 'sai-mat-khau', 401, 'khong-co-ai');
    assert.match(wrong.text, /Tên đăng nhập hoặc mật khẩu không đúng/);
    assert.match(unknown.text, /Tên đăng nhập hoặc mật khẩu không đúng/, 'an unknown name must not be told apart from a wrong password');
    const redirected = await agent.get('/ho-so').expect(303);
    assert.equal(redirected.headers.location, '/dang-nhap?next=%2Fho-so');
  });

  it('holds an address back after 5 failures on an account for 15 minutes, then lets the right password in', async () => {
    const agent = supertest.agent(ctx.app);
    for (let i = 0; i < 5; i++) await attempt(agent, `sai-${i}`, 401);
    const locked = await attempt(agent, 'mat-khau-dung-roi', 429);
    assert.match(locked.text, /thử lại sau 15 phút/, 'even the right password is refused from that address for now');
    ctx.clock.advance(16 * 60_000);
    await attempt(agent, 'mat-khau-dung-roi', 303);
  });

  it('refuses a sign-in post without the form token', async () => {
    const res = await supertest(ctx.app).post('/dang-nhap').type('form').send({ username: 'mai', password: 'mat-khau-dung-roi' }).expect(403);
    assert.match(res.text, /biểu mẫu không hợp lệ/);
    assert.equal((await ctx.db('sessions')).length, 0, 'no session was opened');
  });

  it('signs out: the session is deleted and the cookie no longer opens pages; a post without token is refused', async () => {
    const { agent, csrf } = await signIn(ctx, 'leader');
    await agent.post('/dang-xuat').type('form').send({}).expect(403);
    assert.equal((await ctx.db('sessions')).length, 1, 'a sign-out without the form token changes nothing');
    await agent.post('/dang-xuat').type('form').send({ _csrf: csrf }).expect(303);
    assert.equal((await ctx.db('sessions')).length, 0);
    await agent.get('/tong-quan').expect(303);
  });

  it('expires a session left unused for longer than SESSION_HOURS', async () => {
    const { agent } = await signIn(ctx, 'officer');
    ctx.clock.advance(11 * 3_600_000);
    await agent.get('/tong-quan').expect(303);
  });

  it('ends the sessions of a disabled account at once', async () => {
    const { agent, username } = await signIn(ctx, 'counter');
    const user = (await ctx.services.users.list(SYSTEM_ACTOR)).find((u) => u.username === username);
    assert.ok(user);
    await ctx.services.users.update(user.id, { ...user, active: false }, null, SYSTEM_ACTOR);
    await agent.get('/tong-quan').expect(303);
  });

  it('does not follow a sign-in "next" to another site', async () => {
    const agent = supertest.agent(ctx.app);
    const form = await agent.get('/dang-nhap').expect(200);
    const res = await agent.post('/dang-nhap').type('form').send({ _csrf: csrfOf(form.text), username: 'mai', password: 'mat-khau-dung-roi', next: '//evil.example/' }).expect(303);
    assert.equal(res.headers.location, '/tong-quan');
  });

  it('sends a strict Content-Security-Policy (no inline script or style) and the other security headers on pages', async () => {
    const res = await supertest(ctx.app).get('/dang-nhap').expect(200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/, 'scripts only from our own files');
    assert.match(csp, /style-src 'self' 'sha256-[A-Za-z0-9+/]+={0,2}'(;|$)/, 'styles only from our own stylesheet (linked, or inline on citizen pages, by its hash)');
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(res.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'the page has no inline <script>');
    assert.doesNotMatch(res.text, /\sstyle="/, 'the page has no inline style attribute');
  });

  it('shows each role its own work queue, saying so when it is empty, with links to the full lists', async () => {
    const leader = await signIn(ctx, 'leader');
    const page = await leader.agent.get('/tong-quan').expect(200);
    assert.match(page.text, /Không có thư nào chờ duyệt/);
    assert.match(page.text, /href="\/thu-xin-loi\?status&#x3D;draft"|href="\/thu-xin-loi\?status=draft"/);
    const counter = await signIn(ctx, 'counter');
    const home = await counter.agent.get('/tong-quan').expect(200);
    assert.match(home.text, /href="\/ho-so\?timeliness=overdue&amp;apology=none"/);
    assert.match(home.text, /Không có người dân nào cần gọi/);
    const supervisor = await signIn(ctx, 'supervisor', null);
    assert.match((await supervisor.agent.get('/tong-quan').expect(200)).text, /Không có hồ sơ nào đang quá hạn/);
  });

  it('answers an unknown page with a Vietnamese 404 page, and an unknown API path with problem+json', async () => {
    const page = await supertest(ctx.app).get('/khong-co-trang-nay').set('Accept', 'text/html').expect(404);
    assert.ok(page.text.includes('href="/tra-cuu"'), 'a stranger (most likely a citizen with a mistyped link) is led to the look-up, not the staff sign-in');
    await supertest(ctx.app).get('/ho-so/khong-co').set('Accept', 'text/html').expect(303).expect('Location', /^\/dang-nhap/);
    const { agent } = await signIn(ctx, 'counter');
    const signedIn = await agent.get('/khong-co-trang-nay').set('Accept', 'text/html').expect(404);
    assert.match(signedIn.text, /Không có trang này/);
    const api = await ctx.api('get', '/api/v1/khong-co').expect(404);
    assert.equal(api.headers['content-type'], 'application/problem+json; charset=utf-8');
  });
});
