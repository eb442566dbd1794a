import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { Config } from '../../src/config';
import { buildServices } from '../../src/compose';
import { createTestContext, type TestContext } from '../support/context';
import { FakePdfRenderer } from '../fakes/pdf';
import { capturingLogger, consoleDuring } from '../support/log-capture';

/**
 * supertest connects from 127.0.0.1. As "the proxy" that address is named in TRUST_PROXY; as "a
 * client reaching the service directly" TRUST_PROXY names another address, so 127.0.0.1 is not
 * trusted.
 */
describe('behind a reverse proxy (TRUST_PROXY)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext();
  });
  afterEach(async () => ctx.close());

  function appWith(settings: Partial<Config>) {
    const { logger, lines } = capturingLogger('warn');
    const config = { ...ctx.config, lookupRatePerMinute: 2, ...settings };
    return { http: supertest(createApp(buildServices(config, ctx.db, ctx.clock, logger, { pdf: new FakePdfRenderer() }))), lines };
  }

  const lookUp = (http: supertest.Agent | ReturnType<typeof supertest>, forwardedFor: string) =>
    http.post('/tra-cuu').set('X-Forwarded-For', forwardedFor).type('form').send({ ma: 'H13.01-260202-0001', so: '5678' });

  it('from the trusted proxy: each citizen (X-Forwarded-For) has a look-up bucket of their own', async () => {
    const { http } = appWith({ trustProxy: ['127.0.0.1'] });
    await lookUp(http, '203.0.113.7').expect(200);
    await lookUp(http, '203.0.113.7').expect(200);
    await lookUp(http, '203.0.113.7').expect(429);
    const other = await lookUp(http, '198.51.100.20');
    assert.equal(other.status, 200, 'another citizen behind the same proxy must not share the first one’s limit');
  });

  it('from an address that is not a trusted proxy: X-Forwarded-For is ignored, so it cannot choose its bucket', async () => {
    const { http } = appWith({ trustProxy: ['10.20.30.40'] });
    await lookUp(http, '203.0.113.1').expect(200);
    await lookUp(http, '203.0.113.2').expect(200);
    const third = await lookUp(http, '203.0.113.3');
    assert.equal(third.status, 429, 'a client writing a new X-Forwarded-For each time must still be counted as itself');
  });

  it('marks cookies Secure when the trusted proxy says the request came over HTTPS, and not when an untrusted client says so', async () => {
    const secureCookie = (res: supertest.Response) => (res.headers['set-cookie'] as unknown as string[]).every((c) => /;\s*Secure/i.test(c));
    const trusted = await appWith({ trustProxy: ['127.0.0.1'] }).http.get('/dang-nhap').set('X-Forwarded-Proto', 'https').expect(200);
    assert.ok(secureCookie(trusted), `cookies over HTTPS through the proxy must be Secure: ${trusted.headers['set-cookie']}`);
    const plain = await appWith({ trustProxy: ['127.0.0.1'] }).http.get('/dang-nhap').expect(200);
    assert.ok(!secureCookie(plain), 'a plain-HTTP request (local development) gets cookies it can send back');
    const spoofed = await appWith({ trustProxy: ['10.20.30.40'] }).http.get('/dang-nhap').set('X-Forwarded-Proto', 'https').expect(200);
    assert.ok(!secureCookie(spoofed), 'an untrusted client’s X-Forwarded-Proto must be ignored');
  });

  it('marks cookies Secure whenever PUBLIC_BASE_URL is https, even if the proxy forgets X-Forwarded-Proto', async () => {
    const res = await appWith({ trustProxy: ['127.0.0.1'], publicBaseUrl: 'https://henlai.cantho.gov.vn' }).http.get('/dang-nhap').expect(200);
    const cookies = res.headers['set-cookie'] as unknown as string[];
    assert.ok(cookies.length > 0 && cookies.every((c) => /;\s*Secure/i.test(c)), `the service is public over HTTPS only: ${cookies}`);
  });

  it('trusting no proxy at all: X-Forwarded-For is ignored without a word on the console (the rate limiter reports to the JSON log)', async () => {
    const { http, lines } = appWith({ trustProxy: false });
    const printed = await consoleDuring(async () => {
      await lookUp(http, '203.0.113.1').expect(200);
      await lookUp(http, '203.0.113.2').expect(200);
      await lookUp(http, '203.0.113.3').expect(429);
    });
    assert.deepEqual(printed, [], `the rate limiter printed on the console instead of the JSON log:\n${printed.join('\n')}`);
    assert.ok(lines.every((l) => JSON.parse(l)), 'the log is JSON lines');
  });
});
