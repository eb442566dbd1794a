import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * The whole path with the real channels as a bare install has them: the Zalo simulator and the
 * e-mail outbox folder. Issue an apology, run the outbox, see where the citizen's notice ended.
 */
describe('dispatch end to end (Zalo simulator, e-mail outbox)', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-10T08:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  async function issue(code: string, overrides: Record<string, unknown>): Promise<number> {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00', ...overrides })).expect(201);
    const d = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({}).expect(201);
    return (await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200)).body.id;
  }
  const noticesOf = async (apologyId: number) => (await ctx.api('get', `/api/v1/apologies/${apologyId}`).expect(200)).body.notices as { channel: string; status: string; recipient: string }[];

  it('delivers through the simulator to a normal phone number', async () => {
    const id = await issue('OK-1', {});
    await ctx.services.dispatcher.runOnce();
    assert.deepEqual((await noticesOf(id)).map((n) => `${n.channel}:${n.status}`), ['zalo:delivered']);
  });

  it('falls back to an e-mail with the letter attached when the phone has no Zalo account', async () => {
    const id = await issue('NOZALO', { phone: '0900000118' });
    await ctx.services.dispatcher.runOnce();
    assert.deepEqual((await noticesOf(id)).map((n) => `${n.channel}:${n.status}`), ['zalo:permanent-failure', 'email:sent']);
    const outbox = path.join(ctx.config.dataDir, 'outbox');
    const files = fs.readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    assert.equal(files.length, 1, 'the e-mail is written to the outbox folder when no SMTP server is configured');
    const mail = await simpleParser(fs.readFileSync(path.join(outbox, files[0])));
    assert.match(mail.subject ?? '', /H13|xin lỗi|hẹn/i);
    assert.equal((mail.to as { text: string }).text, 'an.nguyen@example.vn');
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0].contentType, 'application/pdf');
    assert.match(mail.attachments[0].filename ?? '', /^thu-xin-loi-01-PXL-SXD\.pdf$/);
  });

  it('puts the citizen on the counter’s list when neither Zalo nor e-mail can reach them', async () => {
    const id = await issue('NOONE', { phone: '0900000108', consent: { zalo: true, email: false, sms: false } });
    await ctx.services.dispatcher.runOnce();
    const notices = await noticesOf(id);
    assert.deepEqual(notices.map((n) => `${n.channel}:${n.status}`), ['zalo:permanent-failure', 'print:created']);
    const counter = await ctx.api('get', '/api/v1/messages?channel=print&status=created').expect(200);
    assert.equal(counter.body.total, 1, 'a person sees that this citizen must be called');
  });
});
