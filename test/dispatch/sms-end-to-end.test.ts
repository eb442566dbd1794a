import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { startEsmsFake, type EsmsFake } from '../fakes/esms-fake';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

const TOKEN = 'sms_report_token_0123456789abcdef';
const SMS_ONLY = { zalo: false, email: false, sms: true };
type Row = { id: number; channel: string; status: string; recipient: string };

/**
 * The SMS channel through the whole path: an apology issued through the API, the outbox worker
 * sending through the eSMS fake, and the fake's delivery reports coming back over HTTP to the
 * service's report address (a real listening server, as the gateway needs one).
 */
describe('SMS end to end (eSMS fake, delivery reports over HTTP)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let fake: EsmsFake;
  let server: http.Server;
  let base: string;

  beforeEach(async () => {
    let app: http.RequestListener = (_req, res) => res.writeHead(503).end();
    server = http.createServer((req, res) => app(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake = await startEsmsFake({ reportAfterMs: 10, reportTimes: 2 });
    ctx = await createTestContext('2026-03-10T08:00:00+07:00', {
      env: {
        PUBLIC_BASE_URL: base,
        SMS_API_BASE: fake.apiBase,
        SMS_API_KEY: 'fake-api-key',
        SMS_SECRET_KEY: 'fake-secret-key',
        SMS_BRANDNAME: 'HENLAI',
        SMS_CALLBACK_TOKEN: TOKEN,
      },
    });
    app = ctx.app;
    await seedBasics(ctx);
  });
  afterEach(async () => {
    await ctx.close();
    await fake.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function issue(code: string, overrides: Record<string, unknown>): Promise<number> {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00', ...overrides })).expect(201);
    const d = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({}).expect(201);
    return (await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200)).body.id;
  }
  const noticesOf = async (apologyId: number) => (await ctx.api('get', `/api/v1/apologies/${apologyId}`).expect(200)).body.notices as Row[];
  const steps = async (apologyId: number) => (await noticesOf(apologyId)).map((n) => `${n.channel}:${n.status}`);
  const dispatchAndReports = async () => {
    await ctx.services.dispatcher.runOnce();
    await fake.reportsSettled();
  };

  it('reaches a citizen with a basic phone by SMS; the report marks it delivered; the link in the SMS opens the letter', async () => {
    const id = await issue('BASIC-1', { phone: '0912 345 678', email: undefined, consent: SMS_ONLY });
    await dispatchAndReports();
    assert.deepEqual(await steps(id), ['sms:delivered'], 'the gateway reported the SMS on the phone');
    assert.equal(fake.messages.length, 1, 'one SMS, sent once');
    const [sms] = fake.messages;
    assert.equal(sms.segments, 1, `one segment, what the province pays for: «${sms.content}»`);
    assert.equal(sms.requestId, String((await noticesOf(id))[0].id), 'RequestId is the notice id');
    assert.ok(fake.reports.length === 2 && fake.reports.every((r) => r.status === 200), 'the report came twice, as gateways repeat them, and both were taken');
    const rows = await ctx.db('sms_reports').select('*');
    assert.equal(rows.length, 1, 'a repeated report is recorded once');
    const link = /https?:\/\/\S+/.exec(sms.content)?.[0] ?? '';
    assert.ok(link.startsWith(`${base}/c/`), `the SMS carries the citizen’s link: ${sms.content}`);
    const page = await supertest(ctx.app).get(new URL(link).pathname).expect(200);
    assert.match(page.text, /BASIC-1/, 'the citizen’s page for the letter opens from the SMS');
  });

  it('counts SMS notices in the compliance report like the other channels, with the segments the province pays for', async () => {
    await issue('ASCII-1', { phone: '0912 345 678', email: undefined, consent: SMS_ONLY });
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { smsUnicode: true } }).expect(200);
    await issue('UNICODE-1', { phone: '0912 345 679', email: undefined, consent: SMS_ONLY });
    await dispatchAndReports();
    assert.deepEqual(fake.messages.map((m) => [m.unicode, m.segments]), [[false, 1], [true, 2]], 'without diacritics one segment; with them, two');
    const report = (await ctx.api('get', '/api/v1/reports/apologies?period=2026-Q1').expect(200)).body;
    const sxd = report.rows.find((r: { agencyCode: string }) => r.agencyCode === 'SXD');
    assert.equal(sxd.noticesDelivered, 2, 'both SMS reached the citizens');
    assert.equal(sxd.smsSegments, 3, 'the report counts the SMS segments billed: 1 + 2');
    assert.equal(report.total.smsSegments, 3);
  });

  it('sends the SMS when Zalo cannot reach the citizen (default order Zalo → SMS → e-mail)', async () => {
    const id = await issue('NOZALO', { phone: '0900000118', consent: { zalo: true, email: true, sms: true } });
    await dispatchAndReports();
    assert.deepEqual(await steps(id), ['zalo:permanent-failure', 'sms:delivered'], 'no Zalo account: the SMS comes next, before the e-mail');
  });

  it('puts the citizen on the counter’s call list when the network cannot deliver the SMS', async () => {
    fake.setScript('0987654321', 'undeliverable');
    const id = await issue('SMSFAIL', { phone: '0987 654 321', email: undefined, consent: SMS_ONLY });
    await dispatchAndReports();
    const notices = await noticesOf(id);
    assert.deepEqual(notices.map((n) => `${n.channel}:${n.status}`), ['sms:permanent-failure', 'print:created'], 'the failed report moved the notice to the counter');
    assert.equal(notices[1].recipient, '+84987654321', 'the counter has the number to call');
    const attempts = (await ctx.api('get', `/api/v1/messages/${notices[0].id}`).expect(200)).body;
    assert.match(JSON.stringify(attempts), /sms:undelivered/, 'the SMS notice says why it failed');
    const list = await ctx.api('get', '/api/v1/messages?channel=print&status=created').expect(200);
    assert.equal(list.body.total, 1, 'a person sees that this citizen must be called');
  });

  it('moves on at once when the gateway refuses the number, following the agency’s order', async () => {
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { noticeChannels: ['sms', 'email'] } }).expect(200);
    fake.setScript('0987654321', { code: '108' });
    const id = await issue('BADNUM', { phone: '0987 654 321', consent: { zalo: true, email: true, sms: true } });
    await dispatchAndReports();
    assert.deepEqual(await steps(id), ['sms:permanent-failure', 'email:sent'], 'the agency chose SMS first and no Zalo: e-mail next');
  });

  it('refuses a forged report and stores nothing', async () => {
    const id = await issue('FORGED', { phone: '0912 345 678', email: undefined, consent: SMS_ONLY });
    await supertest(ctx.app).get('/webhooks/sms/x'); // nothing to match yet
    const fakeReports = fake.reports.length;
    await ctx.services.dispatcher.runOnce();
    const [n] = await noticesOf(id);
    const query = `SMSID=${fake.messages[0].smsId}&SendStatus=5&SendSuccess=0&SendFailed=1&RequestId=${n.id}&phonenumber=0912345678`;
    const forged = await supertest(ctx.app).get(`/webhooks/sms/${TOKEN.slice(0, -1)}x?${query}`);
    assert.equal(forged.status, 401, 'a report without the installation’s token is refused');
    await fake.reportsSettled();
    assert.ok(fake.reports.length > fakeReports);
    assert.deepEqual(await steps(id), ['sms:delivered'], 'the forged failure changed nothing; the real report delivered it');
    const late = await supertest(ctx.app).get(`/webhooks/sms/${TOKEN}?${query}`).expect(200);
    assert.equal(late.body.result, 'duplicate', 'a report for a message already reported is harmless');
    assert.deepEqual(await steps(id), ['sms:delivered']);
  });

  it('keeps the notices queued and raises an alert when the gateway refuses our credentials', async () => {
    await fake.close();
    fake = await startEsmsFake({ apiKey: 'another-key', reportAfterMs: null });
    // The service still points at the old port: start the fake on it again is not possible, so
    // the refusal comes from a fake with other credentials behind the same settings.
    await ctx.close();
    ctx = await createTestContext('2026-03-10T08:00:00+07:00', {
      env: { PUBLIC_BASE_URL: base, SMS_API_BASE: fake.apiBase, SMS_API_KEY: 'fake-api-key', SMS_SECRET_KEY: 'fake-secret-key', SMS_BRANDNAME: 'HENLAI', SMS_CALLBACK_TOKEN: TOKEN },
    });
    await seedBasics(ctx);
    const id = await issue('DOWN', { phone: '0912 345 678', email: undefined, consent: SMS_ONLY });
    await ctx.services.dispatcher.runOnce();
    assert.deepEqual(await steps(id), ['sms:created'], 'the notice waits for the channel, it is not given up');
    const alerts = await ctx.services.notices.openAlerts();
    assert.ok(alerts.some((a) => a.kind === 'channel:sms' && /ApiKey/.test(a.message)), `an administrator is told: ${JSON.stringify(alerts)}`);
  });
});
