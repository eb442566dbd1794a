import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { buildServices } from '../../src/compose';
import { AGENCY, PROCEDURE, createTestContext, dossierBody, type TestContext } from '../support/context';
import { FakePdfRenderer } from '../fakes/pdf';
import { capturingLogger } from '../support/log-capture';
import { signIn } from '../support/pages';

const CODE = 'H13.01-260202-0001';
const NAME = 'Phạm Thị Hồng Nhung';
const PHONE = '0912 345 678';
const EMAIL = 'hong.nhung@example.vn';

/** Every way a secret or a person's data could be spelt in a logged URL. */
function spellings(value: string): string[] {
  return [value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), value.replace(/\s/g, '')];
}

describe('logs and caching: no secret, no personal data', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let token: string;
  let apologyId: number;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await ctx.api('post', '/api/v1/agencies').send(AGENCY).expect(201);
    await ctx.api('post', '/api/v1/procedures').send(PROCEDURE).expect(201);
    await ctx.api('post', '/api/v1/dossiers')
      .send(dossierBody({ code: CODE, acceptedAt: '2026-02-02T08:00:00+07:00', applicant: { kind: 'person', name: NAME }, phone: PHONE, email: EMAIL }))
      .expect(201);
    const drafted = await ctx.api('post', `/api/v1/dossiers/${CODE}/apologies`).send({ reason: 'Cần khảo sát lại hiện trường', newDueDate: '2026-03-18' }).expect(201);
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    const issued = await ctx.api('post', `/api/v1/apologies/${drafted.body.id}/approve`).expect(200);
    apologyId = drafted.body.id;
    token = new URL(issued.body.links.citizen).pathname.replace('/c/', '');
  });
  afterEach(async () => ctx.close());

  /** The same database and clock, served by an app whose log lines the test reads. */
  function loggedApp(level = 'info') {
    const { logger, lines } = capturingLogger(level);
    const services = buildServices(ctx.config, ctx.db, ctx.clock, logger, { pdf: new FakePdfRenderer() });
    return { app: createApp(services), services, lines };
  }

  it('logs a citizen link as /c/:token and a search without its terms, at every level down to debug', async () => {
    const { app, services, lines } = loggedApp('debug');
    const http = supertest(app);
    await http.get(`/c/${token}`).expect(200);
    await http.get(`/c/${token}/letter.pdf`).expect(200);
    await http.get(`/c/${token}/thu`).expect(200);
    await http.post(`/c/${token}/da-nhan`).expect(303);
    await http.get(`/c/${token}/khong-co`); // no such page: whatever the answer, the token stays out
    await http.get(`/c/${token}?ok=acknowledged`).expect(200);
    const bearer = (url: string) => http.get(url).set('Authorization', `Bearer ${ctx.token}`);
    await bearer(`/api/v1/dossiers?q=${encodeURIComponent(NAME)}`).expect(200);
    await bearer(`/api/v1/dossiers?q=${encodeURIComponent(PHONE)}`).expect(200);
    await bearer(`/api/v1/dossiers?q=${encodeURIComponent(EMAIL)}&pageSize=5`).expect(200);
    // A person typing the look-up's fields into the address bar rather than the form.
    await http.get(`/tra-cuu?ma=${CODE}&so=5678`).expect(200);
    await http.post('/tra-cuu').type('form').send({ ma: CODE, so: '5678' }).expect(200);
    const staff = await signIn({ ...ctx, app, services }, 'counter');
    await staff.agent.get(`/ho-so?q=${encodeURIComponent(NAME)}`).expect(200);

    assert.ok(lines.length >= 13, `one line per request was expected, the log has ${lines.length}`);
    // A request id is a random UUID, on every line written during a request: its hex digits can
    // spell '5678' by chance, and it is nobody's data.
    const log = lines.map((l) => l.replace(/"reqId":"[0-9a-f-]{36}"/g, '"reqId":"…"')).join('\n');
    for (const secret of [token, NAME, PHONE, EMAIL, '5678', 'hong.nhung']) {
      for (const spelt of spellings(secret)) {
        assert.ok(!log.includes(spelt), `the log contains "${spelt}" (a citizen's link token or personal data):\n${lines.find((l) => l.includes(spelt))}`);
      }
    }
    const urls = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).flatMap((l) => (l.req?.url ? [l.req.url] : []));
    for (const expected of ['/c/:token', '/c/:token/letter.pdf', '/c/:token/thu', '/c/:token/da-nhan', '/api/v1/dossiers?q', '/api/v1/dossiers?q&pageSize', '/tra-cuu?ma&so', '/ho-so?q']) {
      assert.ok(urls.includes(expected), `no request logged as "${expected}"; logged: ${urls.join(', ')}`);
    }
  });

  it('answers Cache-Control: no-store on the API, its exports, staff pages and citizen pages; static files keep their caching', async () => {
    const { app, services } = loggedApp();
    const http = supertest(app);
    const bearer = (url: string) => http.get(url).set('Authorization', `Bearer ${ctx.token}`);
    const answers = {
      'API dossier': await bearer(`/api/v1/dossiers/${CODE}`).expect(200),
      'API list': await bearer('/api/v1/dossiers').expect(200),
      'API error': await bearer('/api/v1/dossiers/KHONG-CO').expect(404),
      'API letter PDF': await bearer(`/api/v1/apologies/${apologyId}/letter.pdf`).expect(200),
      'API report CSV': await bearer('/api/v1/reports/period?period=2026-Q1&groupBy=agency&format=csv').expect(200),
      'citizen page': await http.get(`/c/${token}`).expect(200),
      'citizen letter PDF': await http.get(`/c/${token}/letter.pdf`).expect(200),
    };
    const staff = await signIn({ ...ctx, app, services }, 'leader');
    Object.assign(answers, {
      'staff page': await staff.agent.get(`/ho-so/${CODE}`).expect(200),
      'staff report CSV': await staff.agent.get('/bao-cao/xuat.csv?period=2026-Q1').expect(200),
      'staff report XLSX': await staff.agent.get('/bao-cao/xuat.xlsx?period=2026-Q1').expect(200),
    });
    for (const [what, res] of Object.entries(answers)) {
      assert.match(String(res.headers['cache-control']), /no-store/, `${what}: Cache-Control is "${String(res.headers['cache-control'])}"; an answer with personal data must not be stored by browsers or proxies`);
    }
    const css = await http.get('/static/app.css').expect(200);
    assert.match(String(css.headers['cache-control']), /max-age=3600/, 'static files keep their hour of caching');
  });
});
