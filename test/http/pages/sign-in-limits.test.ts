import assert from 'node:assert/strict';
import supertest from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../../src/app';
import { buildServices } from '../../../src/compose';
import { SYSTEM_ACTOR } from '../../../src/domain/actor';
import { createLogger } from '../../../src/logger';
import { createTestContext, seedBasics, type TestContext } from '../../support/context';
import { FakePdfRenderer } from '../../fakes/pdf';
import { csrfOf } from '../../support/pages';

const RIGHT = 'mat-khau-quan-tri-dung';
// The test app trusts the loopback proxy (the default TRUST_PROXY), so X-Forwarded-For sets the
// address each attempt comes from.
const A = '203.0.113.10';
const B = '198.51.100.20';

/** One sign-in through the form, as a browser at `address` would: the form, then the post. */
async function attempt(app: Express, address: string, username: string, password: string): Promise<supertest.Response> {
  const agent = supertest.agent(app);
  const form = await agent.get('/dang-nhap').set('X-Forwarded-For', address).expect(200);
  return agent.post('/dang-nhap').set('X-Forwarded-For', address).type('form').send({ _csrf: csrfOf(form.text), username, password, next: '/tong-quan' });
}

/** The page as the person sees it, with what differs between any two answers taken out: the form token and the name typed. */
function answer(res: supertest.Response, username: string): string {
  return `${res.status}\n${res.text.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""').split(`value="${username}"`).join('value=""')}`;
}

describe('staff sign-in: limits that neither reveal accounts nor lock their owners out', function () {
  this.timeout(120_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-10T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.services.users.create({ username: 'quantri', fullName: 'Võ Minh Tâm', role: 'admin', agencyId: null, agencyCode: null, active: true }, RIGHT, SYSTEM_ACTOR);
    await ctx.services.users.create({ username: 'nghiviec', fullName: 'Lê Văn Nghỉ', role: 'counter', agencyId: null, agencyCode: 'SXD', active: false }, RIGHT, SYSTEM_ACTOR);
  });
  afterEach(async () => ctx.close());

  /** Another instance of the service on the same database, with LOGIN_MAX_FAILURES_PER_ADDRESS at 4 to keep the test short. */
  const fewPerAddress = () =>
    createApp(buildServices({ ...ctx.config, auth: { ...ctx.config.auth, maxFailuresPerAddress: 4 } }, ctx.db, ctx.clock, createLogger('silent'), { pdf: new FakePdfRenderer() }));

  it('answers a wrong password, an unknown name and a disabled account with the same page, status and message', async () => {
    const wrong = await attempt(ctx.app, A, 'quantri', 'sai-mat-khau-1');
    const unknown = await attempt(ctx.app, A, 'khongcoai', 'sai-mat-khau-1');
    const disabled = await attempt(ctx.app, A, 'nghiviec', RIGHT);
    assert.equal(wrong.status, 401);
    assert.equal(answer(unknown, 'khongcoai'), answer(wrong, 'quantri'), 'an unknown name must read exactly like a wrong password');
    assert.equal(answer(disabled, 'nghiviec'), answer(wrong, 'quantri'), 'a disabled account must read exactly like a wrong password');
  });

  it('after five failures from one address, an existing account and an unknown name still answer alike', async () => {
    for (let i = 0; i < 5; i++) {
      await attempt(ctx.app, A, 'quantri', `sai-${i}`);
      await attempt(ctx.app, A, 'khongcoai', `sai-${i}`);
    }
    const known = await attempt(ctx.app, A, 'quantri', 'sai-5');
    const unknown = await attempt(ctx.app, A, 'khongcoai', 'sai-5');
    assert.equal(answer(unknown, 'khongcoai'), answer(known, 'quantri'), 'a limited account must not be told apart from a name that does not exist');
    assert.equal(known.status, 429, 'the sixth attempt from the same address is refused as too many');
    assert.match(known.text, /thử lại sau 15 phút/, 'the person is told when to try again');
  });

  it('five wrong passwords from address A do not stop the administrator signing in from address B', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await attempt(ctx.app, A, 'quantri', `sai-${i}`)).status, 401);
    const fromB = await attempt(ctx.app, B, 'quantri', RIGHT);
    assert.equal(fromB.status, 303, 'the administrator at another address signs in');
    assert.equal((await attempt(ctx.app, A, 'quantri', RIGHT)).status, 429, 'address A is held back, even with the right password');
    ctx.clock.advance(16 * 60_000);
    assert.equal((await attempt(ctx.app, A, 'quantri', RIGHT)).status, 303, 'address A may try again once LOGIN_LOCK_MINUTES have passed');
  });

  it('holds back an address that fails on many names (guessing across accounts), and only that address', async () => {
    const app = fewPerAddress();
    for (let i = 0; i < 4; i++) assert.equal((await attempt(app, A, `ten${i}`, 'sai-mat-khau')).status, 401);
    assert.equal((await attempt(app, A, 'quantri', RIGHT)).status, 429, 'after 4 failures on any names, address A is held back');
    assert.equal((await attempt(app, B, 'quantri', RIGHT)).status, 303);
  });

  it('under a guess from many addresses, each address that already failed on the account is held back; a new one still gets its try', async () => {
    for (let i = 1; i <= 5; i++) await attempt(ctx.app, `203.0.113.${i}`, 'quantri', `sai-${i}`);
    assert.equal((await attempt(ctx.app, '203.0.113.1', 'quantri', 'sai-lan-nua')).status, 429, 'an address that failed once may not guess again while the account is under attack');
    assert.equal((await attempt(ctx.app, '203.0.113.99', 'quantri', 'sai-lan-dau')).status, 401, 'a new address gets one try');
    assert.equal((await attempt(ctx.app, '203.0.113.99', 'quantri', RIGHT)).status, 429, '…and only one');
    assert.equal((await attempt(ctx.app, B, 'quantri', RIGHT)).status, 303, 'the administrator at a clean address signs in');
  });

  it('does not count successful sign-ins: a counter office behind one address signs everyone in', async () => {
    const app = fewPerAddress();
    // More than every limit: 5 per account, 4 per address.
    for (let i = 0; i < 6; i++) assert.equal((await attempt(app, A, 'quantri', RIGHT)).status, 303, `sign-in ${i + 1} from the office's address`);
  });

  it('counts in the database: a second instance of the service sees the failures the first one counted', async () => {
    const second = createApp(buildServices(ctx.config, ctx.db, ctx.clock, createLogger('silent'), { pdf: new FakePdfRenderer() }));
    for (let i = 0; i < 5; i++) await attempt(ctx.app, A, 'quantri', `sai-${i}`);
    assert.equal((await attempt(second, A, 'quantri', RIGHT)).status, 429);
  });
});
