import assert from 'node:assert/strict';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { loadConfig } from '../../src/config';
import { createSmsChannel } from '../../src/channels/sms';
import type { OutgoingNotice } from '../../src/channels/types';
import { buildMessage } from '../../src/channels/email/message';
import { smsText } from '../../src/documents/sms';
import { inOutage, NO_FAULTS, startFakes, type FaultParams } from '../../src/replay/faults';
import { startEsmsFake } from '../../src/replay/fakes/esms';
import { SmartCaFake, type PhoneAnswer } from '../../src/replay/fakes/smartca';
import { createSmartCaClient } from '../../src/signing';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { startFakeSmtp, type FakeSmtp } from '../../src/replay/fakes/smtp';
import { startZaloFake, type ZaloFake } from '../../src/replay/fakes/zalo';

const TEMPLATE_DATA = { customer_name: 'Nguyễn Văn An', dossier_code: 'H13.01-260212-0007', old_date: '12/02/2026', new_date: '26/03/2026', agency_name: 'Sở Tư pháp', link: 'https://henlai.example.vn/c/abc' };

async function zaloSend(fake: ZaloFake, trackingId: string, signal?: AbortSignal): Promise<{ error: number }> {
  const res = await fetch(`${fake.apiBase}/message/template`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', access_token: fake.issueAccessToken() },
    body: JSON.stringify({ phone: '84912345678', template_id: fake.templateId, template_data: TEMPLATE_DATA, tracking_id: trackingId }),
    signal,
  });
  return (await res.json()) as { error: number };
}

/** The cause's code of a failed fetch (undici wraps the socket error). */
async function connectError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(err);
  }
  return 'no error: the request succeeded';
}

function emailFor(id: number): SendMailOptions {
  return buildMessage({
    notice: { id, businessKey: `apology:${id}:email:an@example.vn`, kind: 'new_appointment', recipient: 'an@example.vn', payload: {} },
    content: { subject: 'Hẹn lại', text: 'Hồ sơ của ông/bà trễ hẹn.', html: null },
    from: { name: 'Hẹn Lại', address: 'no-reply@henlai.local' },
    attachments: [],
  });
}

describe('replay fakes: faults on demand and the delivery log', function () {
  this.timeout(20_000);

  describe('Zalo', () => {
    let fake: ZaloFake;
    beforeEach(async () => {
      fake = await startZaloFake();
    });
    afterEach(() => fake.stop());

    it('logs each accepted message with our tracking id as its key', async () => {
      const answer = await zaloSend(fake, '41');
      assert.equal(answer.error, 0, 'without faults Zalo accepts the message');
      const [d] = fake.deliveries();
      assert.deepEqual({ provider: d.provider, key: d.key, recipient: d.recipient, outcome: d.outcome }, { provider: 'zalo', key: '41', recipient: '84912345678', outcome: 'accepted' });
    });

    it('errorRate 1 answers Zalo’s own error JSON (-100, HTTP 200) and sends nothing', async () => {
      await fake.setFault({ errorRate: 1 });
      const answer = await zaloSend(fake, '42');
      assert.deepEqual(answer, { error: -100, message: 'Unknown error' }, 'Zalo answers errors as HTTP 200 with a negative error code (zalo.md)');
      assert.equal(fake.state.accepted.length, 0, 'a failed request must not count as a message sent');
      assert.deepEqual(fake.deliveries().map((d) => [d.key, d.outcome]), [['42', 'error']]);
    });

    it('down refuses connections; back up, it answers again on the same address', async () => {
      await fake.setFault({ down: true });
      assert.equal(await connectError(zaloSend(fake, '43')), 'ECONNREFUSED', 'a provider that is down refuses the connection');
      await fake.setFault({ down: false });
      assert.equal((await zaloSend(fake, '44')).error, 0, 'after the outage the same base URL works');
    });

    it('comes back up on its address even when, during the outage, something else held that port for a while', async () => {
      await fake.setFault({ down: true });
      // While the port is free, any outgoing connection may get it as its local port (the system
      // hands out listening and outgoing ports from the same range); here a listener stands in for it.
      const port = Number(new URL(fake.apiBase).port);
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', () => resolve()));
      setTimeout(() => squatter.close(), 300);
      await fake.setFault({ down: false }).catch((err: Error) => assert.fail(`the fake could not come back up while its port was taken for 300 ms: ${err.message}`));
      assert.equal((await zaloSend(fake, '45')).error, 0, 'once the port is free again the same base URL works');
    });

    it('latency: a client that waits less than the latency gives up and nothing is sent', async () => {
      await fake.setFault({ latencyMs: 400 });
      const code = await connectError(zaloSend(fake, '45', AbortSignal.timeout(100)));
      assert.notEqual(code, 'no error: the request succeeded', 'the answer came before the latency had passed');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(fake.state.accepted.length, 0, 'the client hung up before Zalo processed the message');
      assert.deepEqual(fake.deliveries().map((d) => [d.key, d.outcome]), [['45', 'timeout']]);
      await fake.setFault({ latencyMs: 0 });
      assert.equal((await zaloSend(fake, '46', AbortSignal.timeout(1000))).error, 0);
    });
  });

  describe('SMTP relay', () => {
    let smtp: FakeSmtp;
    let transport: Transporter;
    beforeEach(async () => {
      smtp = await startFakeSmtp({}, { keepMessages: false });
      transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, socketTimeout: 3000 });
    });
    afterEach(async () => {
      transport.close();
      await smtp.close();
    });

    it('logs each message under our X-Henlai-Notice header (the notice id) and keeps no body when asked not to', async () => {
      await transport.sendMail(emailFor(51));
      assert.deepEqual(smtp.deliveries().map((d) => [d.provider, d.key, d.recipient, d.outcome]), [['email', '51', 'an@example.vn', 'accepted']]);
      assert.equal(smtp.received.length, 0, 'keepMessages false: the replay keeps only the log');
    });

    it('errorRate 1 answers 451 (a relay’s temporary failure) and logs an error', async () => {
      await smtp.setFault({ errorRate: 1 });
      await assert.rejects(transport.sendMail(emailFor(52)), (err: { responseCode?: number }) => {
        assert.equal(err.responseCode, 451, 'a failing relay answers 451 to the message');
        return true;
      });
      assert.deepEqual(smtp.deliveries().map((d) => [d.key, d.outcome]), [['52', 'error']]);
    });

    it('down refuses connections', async () => {
      await smtp.setFault({ down: true });
      await assert.rejects(transport.sendMail(emailFor(53)), (err: { code?: string }) => {
        assert.equal(err.code, 'ESOCKET', `a relay that is down refuses the connection (got ${String(err.code)})`);
        return true;
      });
      await smtp.setFault({ down: false });
      await transport.sendMail(emailFor(54));
      assert.deepEqual(smtp.deliveries().map((d) => d.key), ['54']);
    });
  });

  describe('eSMS', () => {
    it('keys deliveries by the RequestId our SMS channel sends (the notice id), with the segments billed; errorRate 1 answers HTTP 503', async () => {
      const fake = await startEsmsFake({ reportAfterMs: null });
      const sms = loadConfig({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'https://henlai.example.vn', SMS_API_BASE: fake.apiBase, SMS_API_KEY: 'fake-api-key', SMS_SECRET_KEY: 'fake-secret-key', SMS_BRANDNAME: 'HENLAI', SMS_CALLBACK_TOKEN: 'tok_0123456789abcdefghijklmnop' }).sms;
      const channel = createSmsChannel(sms);
      const notice = (id: number): OutgoingNotice => ({ id, businessKey: `apology:${id}:sms`, kind: 'new_appointment', audience: 'citizen', channel: 'sms', recipient: '+84912345678', payload: { ...smsText('Ho so H13.01-260212-0007 tre hen.') }, apologyId: 1, dossierId: 1, attempts: 0 });
      try {
        assert.equal((await channel.send(notice(61), async () => [])).outcome, 'sent');
        await fake.setFault({ errorRate: 1 });
        const failed = await channel.send(notice(62), async () => []);
        assert.equal(failed.outcome, 'technical-failure', `an HTTP 503 is retried later, not a failure of the citizen's number: ${failed.providerAnswer}`);
        assert.deepEqual(fake.deliveries().map((d) => [d.key, d.recipient, d.outcome, d.segments]), [
          ['61', '0912345678', 'accepted', 1],
          ['62', '0912345678', 'error', undefined],
        ]);
      } finally {
        await channel.close();
        await fake.close();
      }
    });
  });

  describe('SmartCA', () => {
    it('errorRate 1 answers SERVER_INTERNAL_ERROR (HTTP 503) to a signature request and logs it under our transaction id', async () => {
      const fake = new SmartCaFake({ users: [], now: () => new Date() });
      await fake.start();
      try {
        await fake.setFault({ errorRate: 1 });
        const res = await fetch(`${fake.baseUrl}/v1/signatures/sign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sp_id: fake.spId, sp_password: fake.spPassword, user_id: '001099000001', transaction_id: 'letter-7-1' }) });
        assert.equal(res.status, 503);
        assert.deepEqual(await res.json(), { status_code: 500, message: 'SERVER_INTERNAL_ERROR' });
        assert.deepEqual(fake.deliveries().map((d) => [d.provider, d.key, d.recipient, d.outcome]), [['signing', 'letter-7-1', '001099000001', 'error']]);
      } finally {
        await fake.stop();
      }
    });
  });

  describe('SmartCA: the signer\'s phone answers on the fake\'s clock', () => {
    const MINUTE = 60_000;
    const T0 = Date.UTC(2026, 2, 2, 2); // 09:00 in Vietnam
    const LEADER = '100000000000';

    /** A fake on a clock the test moves, whose phone gives `answer(n)` to the n-th request; the service's own client asks it. */
    async function withPhone(answer: (createdAt: number, n: number) => PhoneAnswer | null, run: (f: { fake: SmartCaFake; clock: { at: number }; request: () => Promise<() => Promise<string>> }) => Promise<void>): Promise<void> {
      const clock = { at: T0 };
      let n = 0;
      const fake = new SmartCaFake({ users: [{ userId: LEADER, name: 'Nguyễn Văn A', agencyName: 'UBND phường Ninh Kiều' }], now: () => new Date(clock.at), phone: ({ createdAt }) => answer(createdAt, n++) });
      await fake.start();
      try {
        const client = createSmartCaClient({ baseUrl: fake.baseUrl, spId: fake.spId, spPassword: fake.spPassword }, { now: () => new Date(clock.at) });
        const signer = client.signer(LEADER);
        const request = async () => {
          const signedAttributes = Buffer.from('thư xin lỗi');
          const r = await signer.requestSignature({ digest: createHash('sha256').update(signedAttributes).digest(), signedAttributes, documentId: 'henlai-1', description: 'Văn bản xin lỗi' });
          return async () => (await signer.checkRequest(r)).status;
        };
        await run({ fake, clock, request });
      } finally {
        await fake.stop();
      }
    }

    it('confirms when the clock reaches the answer, however late the poll comes, and not before', async () => {
      await withPhone((at) => ({ answer: 'confirm', at: at + 2 * MINUTE }), async ({ fake, clock, request }) => {
        const status = await request();
        clock.at = T0 + MINUTE;
        assert.equal(await status(), 'pending', 'the leader answers after 2 minutes: at 1 minute the request still waits');
        clock.at = T0 + 15 * MINUTE;
        assert.equal(await status(), 'signed', 'answered at 2 minutes, within the 5-minute window: a poll at 15 minutes finds it signed, not expired');
        assert.deepEqual(fake.tally(), { pending: 0, confirmed: 1, refused: 0, expired: 0 });
      });
    });

    it('refuses as the phone says, and lets expire a request answered too late or never', async () => {
      await withPhone((at, n) => [{ answer: 'refuse' as const, at: at + MINUTE }, { answer: 'confirm' as const, at: at + 6 * MINUTE }, null][n] ?? null, async ({ fake, clock, request }) => {
        const refused = await request();
        const late = await request();
        const never = await request();
        clock.at = T0 + 30 * MINUTE;
        assert.deepEqual([await refused(), await late(), await never()], ['refused', 'expired', 'expired'], 'refused at 1 minute; confirmed at 6 minutes, after the 5-minute window; never answered');
        assert.deepEqual(fake.tally(), { pending: 0, confirmed: 0, refused: 1, expired: 2 });
      });
    });
  });

  describe('startFakes and the schedule', () => {
    const DAY = 86_400_000;
    const start = Date.UTC(2026, 0, 1, -7); // 2026-01-01 00:00 in Vietnam
    const faults: FaultParams = {
      ...NO_FAULTS,
      providers: { ...NO_FAULTS.providers, zalo: { latencyMs: 0, errorRate: 0, outages: [{ atDay: 1, forHours: 2 }] }, sms: { latencyMs: 0, errorRate: 0.5, outages: [] } },
    };

    it('inOutage covers [atDay, atDay + forHours) in virtual time', () => {
      assert.equal(inOutage(faults.providers.zalo, start, start + DAY - 1), false, 'just before the outage');
      assert.equal(inOutage(faults.providers.zalo, start, start + DAY), true, 'the outage starts at 00:00 of day 1');
      assert.equal(inOutage(faults.providers.zalo, start, start + DAY + 2 * 3_600_000 - 1), true);
      assert.equal(inOutage(faults.providers.zalo, start, start + DAY + 2 * 3_600_000), false, 'over after forHours');
    });

    it('gives the children their settings, applies steady faults at once and outages by virtual day', async () => {
      const running = await startFakes(faults, { virtualStart: start });
      try {
        assert.equal(running.env.ZALO_API_BASE, running.fakes.zalo.apiBase);
        assert.equal(running.env.SMTP_URL, running.fakes.smtp.url());
        assert.equal(running.env.SMS_API_BASE, running.fakes.sms.apiBase);
        assert.equal(running.fakes.sms.fault().errorRate, 0.5, 'the parameters’ error rate is set from the start');
        await running.applySchedule(start + DAY + 3_600_000, 0);
        assert.equal(running.fakes.zalo.fault().down, true, 'Zalo is down during its outage');
        assert.equal(await connectError(zaloSend(running.fakes.zalo, '71')), 'ECONNREFUSED');
        await running.applySchedule(start + DAY + 3 * 3_600_000, 0);
        assert.equal(running.fakes.zalo.fault().down, false, 'Zalo is back after the outage');
        assert.equal((await zaloSend(running.fakes.zalo, '72')).error, 0);
        assert.deepEqual(running.deliveries().map((d) => [d.provider, d.key, d.outcome]), [['zalo', '72', 'accepted']]);
        assert.equal(running.fakes.zalo.state.requests.length + running.fakes.zalo.state.accepted.length, 0, 'a province-year keeps only the delivery log, not a copy of every request');
      } finally {
        await running.stop();
      }
    });
  });
});
