import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import { createSmsChannel, SMS_SIMULATOR_NUMBERS, type SmsSettings } from '../../src/channels/sms';
import type { Channel, OutgoingNotice } from '../../src/channels/types';
import { smsText } from '../../src/documents/sms';
import { startEsmsFake, type EsmsFake } from '../fakes/esms-fake';

const TOKEN = 'tok_0123456789abcdefghijklmnop';
const ASCII = 'Ho so H13.01-260212-0007 tre hen. Ngay hen moi 26/03/2026. Chi tiet: https://henlai.example.vn/c/abc';
const UNICODE = 'Hồ sơ H13.01-260212-0007 trễ hẹn. Ngày hẹn mới 26/03/2026. Chi tiết: https://henlai.example.vn/c/abc';

function notice(id: number, recipient = '+84912345678', text = ASCII): OutgoingNotice {
  return {
    id,
    businessKey: `apology:1:sms:${recipient}`,
    kind: 'new_appointment',
    audience: 'citizen',
    channel: 'sms',
    recipient,
    payload: { ...smsText(text) },
    apologyId: 1,
    dossierId: 1,
    attempts: 0,
  };
}

function settings(env: Record<string, string>): SmsSettings {
  return loadConfig({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'https://henlai.example.vn', ...env }).sms;
}

const none = async () => [];

describe('SMS channel against the eSMS fake', function () {
  this.timeout(20_000);
  let fake: EsmsFake;
  let channel: Channel;

  const live = (extra: Record<string, string> = {}) =>
    createSmsChannel(
      settings({ SMS_API_BASE: fake.apiBase, SMS_API_KEY: 'fake-api-key', SMS_SECRET_KEY: 'fake-secret-key', SMS_BRANDNAME: 'HENLAI', SMS_CALLBACK_TOKEN: TOKEN, SMS_TIMEOUT_MS: '300', ...extra }),
    );

  beforeEach(async () => {
    fake = await startEsmsFake({ reportAfterMs: null });
    channel = live();
  });
  afterEach(async () => {
    await channel.close();
    await fake.close();
  });

  it('sends the registered text with our notice id as RequestId and the secret report address; one GSM-7 segment', async () => {
    const r = await channel.send(notice(41), none);
    assert.equal(r.outcome, 'sent', `eSMS accepted the message, so the notice is sent: ${r.providerAnswer}`);
    assert.equal(fake.messages.length, 1);
    const [m] = fake.messages;
    assert.equal(r.providerMessageId, m.smsId, 'the SMSID is kept to match the delivery report');
    assert.equal(m.requestId, '41', 'RequestId is our notice id: the gateway drops a repeat');
    assert.equal(m.phone, '0912345678', 'eSMS takes the national form of the number');
    assert.equal(m.content, ASCII);
    assert.equal(m.unicode, false, 'a text without diacritics goes as GSM-7 (IsUnicode 0)');
    assert.equal(m.segments, 1, 'the province pays for one segment');
    assert.equal(m.brandname, 'HENLAI');
    assert.equal(m.callbackUrl, `https://henlai.example.vn/webhooks/sms/${TOKEN}`);
  });

  it('sends a text with diacritics as Unicode, billed in 67-character parts', async () => {
    const r = await channel.send(notice(42, '+84912345678', UNICODE), none);
    assert.equal(r.outcome, 'sent');
    assert.equal(fake.messages[0].unicode, true, 'IsUnicode 1');
    assert.equal(fake.messages[0].segments, smsText(UNICODE).segments.length, 'our count of segments is the gateway’s');
  });

  it('stops the channel and keeps the notices queued on bad credentials, no price list or no balance', async () => {
    await channel.close();
    channel = live({ SMS_SECRET_KEY: 'wrong' });
    const bad = await channel.send(notice(43), none);
    assert.equal(bad.errorClass, 'esms:101');
    assert.ok(bad.channelDown, 'bad credentials: no retry fixes that, an administrator must act');
    assert.notEqual(bad.outcome, 'permanent-failure', 'the notice must not be given up on');
    await fake.close();
    fake = await startEsmsFake({ reportAfterMs: null, balance: 100 });
    await channel.close();
    channel = live();
    const poor = await channel.send(notice(44), none);
    assert.equal(poor.errorClass, 'esms:103');
    assert.ok(poor.channelDown, 'no balance stops the channel too');
    assert.equal(fake.messages.length, 0, 'nothing was sent');
  });

  it('moves on to the next channel for a number the gateway refuses', async () => {
    fake.setScript('0912345678', { code: '108' });
    const r = await channel.send(notice(45), none);
    assert.deepEqual({ outcome: r.outcome, fallback: r.fallback, errorClass: r.errorClass }, { outcome: 'permanent-failure', fallback: true, errorClass: 'esms:108' });
    const local = await channel.send(notice(46, '+8424123'), none);
    assert.deepEqual({ outcome: local.outcome, fallback: local.fallback }, { outcome: 'permanent-failure', fallback: true }, 'a number that is no mobile is refused before the gateway is called');
  });

  it('calls a timeout temporary, and the retry with the same RequestId is neither sent nor billed twice', async () => {
    fake.setScript('0912345678', 'accept-then-hang-once');
    const before = fake.balance();
    const first = await channel.send(notice(47), none);
    assert.deepEqual({ outcome: first.outcome, errorClass: first.errorClass }, { outcome: 'temporary-failure', errorClass: 'timeout' });
    const retry = await channel.send(notice(47), none);
    assert.equal(retry.outcome, 'sent', `the gateway already has it (124): the notice is sent, not failed: ${retry.providerAnswer}`);
    assert.equal(fake.messages.length, 1, 'the citizen gets one SMS');
    assert.equal(before - fake.balance(), 700, 'and the province pays for one');
  });

  it('retries later on a server error or a refused connection', async () => {
    fake.setScript('0912345678', { httpStatus: 500 });
    const r = await channel.send(notice(48), none);
    assert.deepEqual({ outcome: r.outcome, errorClass: r.errorClass, down: Boolean(r.channelDown) }, { outcome: 'technical-failure', errorClass: 'esms:http-500', down: false });
    await fake.close();
    const gone = await channel.send(notice(49), none);
    assert.deepEqual({ outcome: gone.outcome, errorClass: gone.errorClass }, { outcome: 'technical-failure', errorClass: 'connection' });
    fake = await startEsmsFake({ reportAfterMs: null });
  });
});

describe('SMS channel without a gateway', () => {
  it('is a simulator outside production: magic numbers give each failure, any other number is delivered', async () => {
    const sim = createSmsChannel(settings({}));
    assert.equal(sim.simulated, true);
    assert.equal((await sim.send(notice(1), none)).outcome, 'delivered');
    const expected: Record<string, { outcome: string; fallback?: boolean; down?: boolean }> = {
      '108': { outcome: 'permanent-failure', fallback: true },
      '099': { outcome: 'permanent-failure', fallback: true },
      '177': { outcome: 'permanent-failure', fallback: true },
      '101': { outcome: 'technical-failure', down: true },
      '103': { outcome: 'technical-failure', down: true },
      '500': { outcome: 'technical-failure' },
      '408': { outcome: 'temporary-failure' },
    };
    assert.deepEqual(SMS_SIMULATOR_NUMBERS.map((n) => n.phone.slice(-3)).sort(), Object.keys(expected).sort(), 'every magic number is tested');
    for (const n of SMS_SIMULATOR_NUMBERS) {
      const r = await sim.send(notice(2, n.phone), none);
      const e = expected[n.phone.slice(-3)];
      assert.equal(r.outcome, e.outcome, `${n.display}: ${r.providerAnswer}`);
      assert.equal(Boolean(r.fallback), Boolean(e.fallback), `${n.display}: moves on to the next channel?`);
      assert.equal(Boolean(r.channelDown), Boolean(e.down), `${n.display}: stops the channel?`);
    }
  });

  it('is off in production: it never claims a message was delivered, the notice moves on to the next channel', async () => {
    const env = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1/db', SMTP_URL: 'smtp://127.0.0.1:25', ZALO_APP_ID: '1', ZALO_APP_SECRET: 's', ZALO_OA_SECRET_KEY: 'k', ZALO_TEMPLATE_NEW_APPOINTMENT: '1', SIGNING_SECRET_KEY: '0123456789abcdef0123' };
    const off = createSmsChannel(loadConfig({ ...env, PUBLIC_BASE_URL: 'https://henlai.example.vn' }).sms);
    const r = await off.send(notice(3), none);
    assert.deepEqual({ outcome: r.outcome, fallback: r.fallback, sim: off.simulated }, { outcome: 'permanent-failure', fallback: true, sim: false });
  });

  it('refuses to start with an API key but without the secret, the brandname or the report token', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'test', SMS_API_KEY: 'k' }), /SMS_SECRET_KEY[\s\S]*SMS_BRANDNAME[\s\S]*SMS_CALLBACK_TOKEN/);
  });
});
