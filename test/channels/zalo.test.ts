import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../../src/config';
import { createDb, type Db } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { FixedClock } from '../../src/clock';
import type { OutgoingNotice, SendResult } from '../../src/channels/types';
import {
  classifyZaloAnswer,
  createZaloChannel,
  handleZaloWebhook,
  markDeliveredFromReceipts,
  recordZaloReceipt,
  verifyZaloSignature,
  ZALO_SIMULATOR_NUMBERS,
  ZaloClient,
  type ZaloChannel,
  type ZaloSettings,
} from '../../src/channels/zalo';
import { ZALO_TOKEN_INVALID } from '../../src/channels/zalo/client';
import { shortenName } from '../../src/documents/zalo';
import { startZaloFake, zaloEnv, type ZaloFake, type ZaloFakeOptions } from '../fakes/zalo-fake';
import { createTestContext, type TestContext } from '../support/context';

const at = (iso: string) => new Date(iso);
const ms = (iso: string) => new Date(iso).getTime();

const PARAMS = {
  customer_name: 'Nguyễn Văn An',
  dossier_code: 'H13.01-260212-0007',
  old_date: '26/02/2026',
  new_date: '05/03/2026',
  agency_name: 'Sở Xây dựng TP. Cần Thơ',
  link: 'https://henlai.cantho.gov.vn/t/4f2a9c',
};

function notice(id: number, recipient = '+84912345678', params: Record<string, unknown> = PARAMS): OutgoingNotice {
  return {
    id,
    businessKey: `dossier-1:v2:new_appointment:zalo:${id}`,
    kind: 'new_appointment',
    audience: 'citizen',
    channel: 'zalo',
    recipient,
    payload: { params, templateVersion: 'zalo/new_appointment@1' },
    apologyId: 1,
    dossierId: 1,
    attempts: 0,
  };
}

/** What a case expects; channelDown only as "is the channel down". */
type Expect = Omit<Partial<SendResult>, 'channelDown'> & { channelDown?: boolean };

/** Only the fields a case cares about, so a failure shows exactly what differed. */
function pick(result: SendResult, keys: Array<keyof SendResult>): Expect {
  return Object.fromEntries(keys.map((k) => [k, k === 'channelDown' ? Boolean(result[k]) : result[k]])) as Expect;
}

describe('Zalo channel', () => {
  describe('classifyZaloAnswer (zalo.md error table)', () => {
    const morning = at('2026-03-02T09:00:00+07:00');
    type Row = [string, unknown, number | null, string | null, Date, Expect];
    const ok = { error: 0, message: 'Success', data: { msg_id: 'a4d0243feee163bd3af2', sent_time: '1626926349402' } };
    const rows: Row[] = [
      ['success → sent with msg_id', ok, 200, null, morning, { outcome: 'sent', providerMessageId: 'a4d0243feee163bd3af2' }],
      ['success without data → sent, no id (never resend what Zalo took)', { error: 0, message: 'Success' }, 200, null, morning, { outcome: 'sent', providerMessageId: undefined }],
      ['-108 invalid phone', { error: -108, message: 'x' }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-108', fallback: true }],
      ['-118 as a string "-118"', { error: '-118', message: 'Zalo account not existed' }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-118', fallback: true }],
      ['-114 user inactive', { error: -114 }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-114', fallback: true }],
      ['-119', { error: -119 }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-119', fallback: true }],
      ['-139', { error: -139 }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-139', fallback: true }],
      ['-140', { error: -140 }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-140', fallback: true }],
      ['-141', { error: -141 }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-141', fallback: true }],
      ['-1121 over-long parameter', { error: -1121 }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-1121', fallback: true }],
      ['-1122 missing parameter', { error: -1122 }, 200, null, morning, { outcome: 'permanent-failure', errorClass: 'zalo:-1122', fallback: true }],
      ['-109 template invalid → channel down', { error: -109 }, 200, null, morning, { outcome: 'technical-failure', errorClass: 'zalo:-109', channelDown: true }],
      ['-131 template not approved → channel down', { error: -131 }, 200, null, morning, { outcome: 'technical-failure', errorClass: 'zalo:-131', channelDown: true }],
      ['-115 out of balance → channel down', { error: -115 }, 200, null, morning, { outcome: 'technical-failure', errorClass: 'zalo:-115', channelDown: true }],
      ['-124 token invalid → for the channel to refresh', { error: -124 }, 200, null, morning, { outcome: 'technical-failure', errorClass: ZALO_TOKEN_INVALID, channelDown: false }],
      ['-100 unknown error → retry', { error: -100 }, 200, null, morning, { outcome: 'technical-failure', errorClass: 'zalo:-100', fallback: undefined }],
      ['an undocumented code → retry, named', { error: -999, message: 'new' }, 200, null, morning, { outcome: 'technical-failure', errorClass: 'zalo:-999' }],
      ['-133 at 23:30 → 06:00 next morning', { error: -133 }, 200, null, at('2026-03-02T23:30:00+07:00'), { outcome: 'temporary-failure', errorClass: 'zalo:-133', deferUntil: ms('2026-03-03T06:00:00+07:00') }],
      ['-133 at 03:00 → 06:00 the same morning', { error: -133 }, 200, null, at('2026-03-03T03:00:00+07:00'), { outcome: 'temporary-failure', deferUntil: ms('2026-03-03T06:00:00+07:00') }],
      ['-133 at 21:59 (Zalo clock ahead) → 06:00 next morning', { error: -133 }, 200, null, at('2026-03-02T21:59:00+07:00'), { outcome: 'temporary-failure', deferUntil: ms('2026-03-03T06:00:00+07:00') }],
      ['-133 at 06:05 (Zalo clock behind) → 10 minutes later, not tomorrow', { error: -133 }, 200, null, at('2026-03-03T06:05:00+07:00'), { outcome: 'temporary-failure', deferUntil: ms('2026-03-03T06:15:00+07:00') }],
      ['-144 quota → next Vietnam midnight', { error: -144 }, 200, null, morning, { outcome: 'temporary-failure', errorClass: 'zalo:-144', deferUntil: ms('2026-03-03T00:00:00+07:00') }],
      ['-144 at 23:59:59 → one second later', { error: -144 }, 200, null, at('2026-03-02T23:59:59+07:00'), { outcome: 'temporary-failure', deferUntil: ms('2026-03-03T00:00:00+07:00') }],
      ['-147 template limit (UTC date differs from Vietnam date)', { error: -147 }, 200, null, at('2026-03-02T18:00:00Z'), { outcome: 'temporary-failure', errorClass: 'zalo:-147', deferUntil: ms('2026-03-04T00:00:00+07:00') }],
      ['HTTP 500', '<html>', 500, null, morning, { outcome: 'technical-failure', errorClass: 'http:500' }],
      ['HTTP 502 even with a Zalo-looking body', { error: -118 }, 502, null, morning, { outcome: 'technical-failure', errorClass: 'http:502' }],
      ['HTTP 429 → retry', null, 429, null, morning, { outcome: 'technical-failure', errorClass: 'http:429', channelDown: false }],
      ['HTTP 404 → wrong base URL, channel down', '<html>', 404, null, morning, { outcome: 'technical-failure', errorClass: 'http:404', channelDown: true }],
      ['empty 200 → unreadable, retry', null, 200, null, morning, { outcome: 'technical-failure', errorClass: 'zalo:unreadable' }],
      ['axios timeout (ECONNABORTED)', null, null, 'ECONNABORTED', morning, { outcome: 'technical-failure', errorClass: 'timeout' }],
      ['ETIMEDOUT', null, null, 'ETIMEDOUT', morning, { outcome: 'technical-failure', errorClass: 'timeout' }],
      ['ECONNRESET', null, null, 'ECONNRESET', morning, { outcome: 'technical-failure', errorClass: 'connection' }],
      ['ECONNREFUSED', null, null, 'ECONNREFUSED', morning, { outcome: 'technical-failure', errorClass: 'connection' }],
    ];
    for (const [name, body, status, net, now, expected] of rows) {
      it(name, () => {
        const result = classifyZaloAnswer(body, status, net, now);
        const keys = Object.keys(expected) as Array<keyof SendResult>;
        assert.deepEqual(pick(result, keys), expected, `${name}: got ${JSON.stringify(result)}`);
        assert.ok(result.providerAnswer.length > 0, 'every answer has a readable providerAnswer');
      });
    }

    it('explains errors in Vietnamese and keeps Zalo’s own message', () => {
      const r = classifyZaloAnswer({ error: -118, message: 'Zalo account not existed' }, 200, null, morning);
      assert.match(r.providerAnswer, /chưa có tài khoản Zalo/);
      assert.match(r.providerAnswer, /Zalo account not existed/);
    });
  });

  describe('settings', () => {
    it('is a simulator without ZALO_APP_ID, with Zalo’s real hosts as defaults', () => {
      const z = loadConfig({}).zalo;
      assert.equal(z.simulated, true);
      assert.equal(z.apiBase, 'https://business.openapi.zalo.me');
      assert.equal(z.oauthBase, 'https://oauth.zaloapp.com');
      assert.equal(z.timeoutMs, 10_000);
      assert.equal(z.mode, 'live');
      assert.equal(z.templateParams.customer_name, 'customer_name', 'the mapping defaults to identity');
    });

    it('refuses a half-configured live channel, naming each missing setting', () => {
      assert.throws(() => loadConfig({ ZALO_APP_ID: '123' }), (err: Error) => /ZALO_APP_SECRET/.test(err.message) && /ZALO_OA_SECRET_KEY/.test(err.message) && /ZALO_TEMPLATE_NEW_APPOINTMENT/.test(err.message));
    });

    it('reads the parameter mapping and refuses unknown names', () => {
      const base = { ZALO_APP_ID: '1', ZALO_APP_SECRET: 's', ZALO_OA_SECRET_KEY: 'k', ZALO_TEMPLATE_NEW_APPOINTMENT: '492946' };
      const z = loadConfig({ ...base, ZALO_TEMPLATE_PARAMS: '{"customer_name":"ten_khach_hang","link":null}' }).zalo;
      assert.equal(z.templateParams.customer_name, 'ten_khach_hang');
      assert.equal(z.templateParams.link, null);
      assert.equal(z.templateParams.new_date, 'new_date');
      assert.throws(() => loadConfig({ ...base, ZALO_TEMPLATE_PARAMS: '{"ho_ten":"x"}' }), /ZALO_TEMPLATE_PARAMS/);
      assert.throws(() => loadConfig({ ...base, ZALO_TEMPLATE_PARAMS: '{not json' }), /ZALO_TEMPLATE_PARAMS/);
    });
  });

  describe('against the local Zalo fake', () => {
    let ctx: TestContext;
    let clock: FixedClock;
    let fake: ZaloFake;
    const toClose: Array<{ close(): Promise<void> }> = [];
    const extraDbs: Db[] = [];

    async function startFake(options: ZaloFakeOptions = {}): Promise<ZaloFake> {
      await fake?.stop();
      fake = await startZaloFake({ clock: () => clock.now().getTime(), ...options });
      // A new fake is a new Zalo: the grant stored for the previous one means nothing to it.
      await ctx.db('zalo_tokens').del();
      return fake;
    }

    function settings(env: Record<string, string> = {}): ZaloSettings {
      return loadConfig({
        ...zaloEnv(fake),
        ...env,
      }).zalo;
    }

    function channel(env: Record<string, string> = {}, db: Db = ctx.db): ZaloChannel {
      const c = createZaloChannel({ db, config: settings(env), clock });
      toClose.push(c);
      return c;
    }

    async function storedGrant(db: Db = ctx.db) {
      return db('zalo_tokens').where({ id: 1 }).first();
    }

    async function alerts() {
      return ctx.db('alerts').where({ kind: 'zalo-grant' }).orderBy('id');
    }

    beforeEach(async () => {
      ctx = await createTestContext();
      clock = new FixedClock(at('2026-03-02T09:00:00+07:00'));
      fake = await startZaloFake({ clock: () => clock.now().getTime() });
    });

    afterEach(async () => {
      for (const c of toClose.splice(0)) await c.close();
      for (const db of extraDbs.splice(0)) await db.destroy();
      await fake.stop();
      await ctx.close();
    });

    it('sends the template to 84… with the access_token header and our tracking id, and records msg_id', async () => {
      const zalo = channel();
      const result = await zalo.send(notice(41), async () => []);

      assert.equal(result.outcome, 'sent', `expected sent, got ${JSON.stringify(result)}`);
      assert.equal(fake.state.accepted.length, 1, 'the fake accepted exactly one message');
      const m = fake.state.accepted[0];
      assert.equal(result.providerMessageId, m.msgId, 'providerMessageId is Zalo’s msg_id');
      assert.equal(m.phone, '84912345678', 'phone in the 84… form, without +');
      assert.equal(m.templateId, fake.templateId);
      assert.deepEqual(m.templateData, PARAMS, 'every canonical parameter sent as a string under its template name');
      assert.equal(m.trackingId, '41', 'tracking_id is the notice id');
      assert.equal(m.mode, undefined, 'live mode sends no "mode"');

      const req = fake.state.requests.find((r) => r.path === '/message/template');
      assert.ok(req, 'the fake saw POST /message/template');
      assert.equal(req.headers['access_token'], m.accessToken, 'bare access_token header');
      assert.equal(req.headers.authorization, undefined, 'no Authorization: Bearer header');
      assert.match(String(req.headers['content-type']), /application\/json/);

      const grant = await storedGrant();
      assert.equal(fake.state.refreshCalls, 1, 'the first send obtained an access token with the configured refresh token');
      assert.equal(grant.refresh_token, fake.state.refreshToken, 'the rotated refresh token is stored');
      assert.equal(grant.access_token, m.accessToken);

      const again = await zalo.send(notice(42), async () => []);
      assert.equal(again.outcome, 'sent');
      assert.equal(fake.state.refreshCalls, 1, 'a fresh token is reused, not refreshed per message');
    });

    it('adds "mode":"development" in development mode', async () => {
      const result = await channel({ ZALO_MODE: 'development' }).send(notice(1), async () => []);
      assert.equal(result.outcome, 'sent');
      assert.equal(fake.state.accepted[0].mode, 'development');
    });

    it('renames parameters per ZALO_TEMPLATE_PARAMS and leaves out those the template lacks', async () => {
      await startFake({ templates: { '777001': { approved: true, params: { ten_khach_hang: 30, ma_ho_so: 30, ngay_hen_cu: 20, ngay_hen_moi: 20, duong_dan: 200 } } } });
      const mapping = { customer_name: 'ten_khach_hang', dossier_code: 'ma_ho_so', old_date: 'ngay_hen_cu', new_date: 'ngay_hen_moi', link: 'duong_dan', agency_name: null };
      const result = await channel({ ZALO_TEMPLATE_NEW_APPOINTMENT: '777001', ZALO_TEMPLATE_PARAMS: JSON.stringify(mapping) }).send(notice(1), async () => []);
      assert.equal(result.outcome, 'sent', JSON.stringify(result));
      assert.deepEqual(fake.state.accepted[0].templateData, {
        ten_khach_hang: PARAMS.customer_name,
        ma_ho_so: PARAMS.dossier_code,
        ngay_hen_cu: PARAMS.old_date,
        ngay_hen_moi: PARAMS.new_date,
        duong_dan: PARAMS.link,
      });
    });

    it('refuses locally, without calling Zalo, what Zalo would refuse', async () => {
      const zalo = channel();
      const long = await zalo.send(notice(1, '+84912345678', { ...PARAMS, customer_name: 'Nguyễn Thị Minh Khai Phương Linh Hoa' }), async () => []);
      assert.deepEqual(pick(long, ['outcome', 'errorClass', 'fallback']), { outcome: 'permanent-failure', errorClass: 'zalo:local-length', fallback: true });
      assert.match(long.providerAnswer, /customer_name/);
      const missing = await zalo.send(notice(2, '+84912345678', { ...PARAMS, link: undefined }), async () => []);
      assert.deepEqual(pick(missing, ['outcome', 'errorClass']), { outcome: 'permanent-failure', errorClass: 'zalo:local-params' });
      const phone = await zalo.send(notice(3, 'an@example.vn'), async () => []);
      assert.deepEqual(pick(phone, ['outcome', 'errorClass', 'fallback']), { outcome: 'permanent-failure', errorClass: 'zalo:local-phone', fallback: true });
      assert.equal(fake.state.sends, 0, 'no request reached Zalo');
      assert.equal(fake.state.refreshCalls, 0, 'not even a token refresh');
    });

    it('sends what the renderer shortened: a 32-character name fits after shortenName', async () => {
      const name = shortenName('Nguyễn Thị Minh Khai Phương Linh');
      const result = await channel().send(notice(1, '+84912345678', { ...PARAMS, customer_name: name }), async () => []);
      assert.equal(result.outcome, 'sent', JSON.stringify(result));
      assert.equal(fake.state.accepted[0].templateData.customer_name, name);
    });

    describe('each of Zalo’s answers, through the fake’s scripted numbers', () => {
      const cases: Array<[string, string, Expect]> = [
        ['-108 invalid phone', '+84900000108', { outcome: 'permanent-failure', errorClass: 'zalo:-108', fallback: true }],
        ['-118 no Zalo account', '+84900000118', { outcome: 'permanent-failure', errorClass: 'zalo:-118', fallback: true }],
        ['-114 inactive or refused', '+84900000114', { outcome: 'permanent-failure', errorClass: 'zalo:-114', fallback: true }],
        ['-119 cannot receive', '+84900000119', { outcome: 'permanent-failure', errorClass: 'zalo:-119', fallback: true }],
        ['-139 refused', '+84900000139', { outcome: 'permanent-failure', errorClass: 'zalo:-139', fallback: true }],
        ['-100 unknown error', '+84900000100', { outcome: 'technical-failure', errorClass: 'zalo:-100', channelDown: false }],
        ['-115 out of balance', '+84900000115', { outcome: 'technical-failure', errorClass: 'zalo:-115', channelDown: true }],
        ['HTTP 500', '+84900000500', { outcome: 'technical-failure', errorClass: 'http:500', channelDown: false }],
        ['-133 night', '+84900000133', { outcome: 'temporary-failure', errorClass: 'zalo:-133', deferUntil: ms('2026-03-03T06:00:00+07:00') }],
        ['-144 daily quota', '+84900000144', { outcome: 'temporary-failure', errorClass: 'zalo:-144', deferUntil: ms('2026-03-03T00:00:00+07:00') }],
        ['-147 template limit', '+84900000147', { outcome: 'temporary-failure', errorClass: 'zalo:-147', deferUntil: ms('2026-03-03T00:00:00+07:00') }],
      ];
      for (const [name, phone, expected] of cases) {
        it(`${name} (${phone})`, async () => {
          const result = await channel().send(notice(5, phone), async () => []);
          assert.deepEqual(pick(result, Object.keys(expected) as Array<keyof SendResult>), expected, `${phone}: got ${JSON.stringify(result)}`);
          assert.equal(fake.state.sends, 1, 'exactly one call: none of these is retried by the channel itself');
        });
      }

      it('-109 unknown template and -131 unapproved template stop the channel', async () => {
        const unknown = await channel({ ZALO_TEMPLATE_NEW_APPOINTMENT: '999999' }).send(notice(1), async () => []);
        assert.deepEqual(pick(unknown, ['errorClass', 'channelDown']), { errorClass: 'zalo:-109', channelDown: true });
        assert.match(unknown.channelDown ?? '', /ZALO_TEMPLATE_NEW_APPOINTMENT/);
        const unapproved = await channel({ ZALO_TEMPLATE_NEW_APPOINTMENT: '500001' }).send(notice(2), async () => []);
        assert.deepEqual(pick(unapproved, ['errorClass', 'channelDown']), { errorClass: 'zalo:-131', channelDown: true });
      });

      it('-1121 and -1122 when the registered template is stricter than our limits', async () => {
        await startFake({ templates: { [fake.templateId]: { approved: true, params: { customer_name: 10, dossier_code: 30, old_date: 20, new_date: 20, agency_name: 30, link: 200 } } } });
        const tooLong = await channel().send(notice(1), async () => []);
        assert.deepEqual(pick(tooLong, ['outcome', 'errorClass', 'fallback']), { outcome: 'permanent-failure', errorClass: 'zalo:-1121', fallback: true });
        await startFake({ templates: { [fake.templateId]: { approved: true, params: { customer_name: 30, so_bien_nhan: 30 } } } });
        const missing = await channel().send(notice(2), async () => []);
        assert.deepEqual(pick(missing, ['outcome', 'errorClass', 'fallback']), { outcome: 'permanent-failure', errorClass: 'zalo:-1122', fallback: true });
      });

      it('counts the daily quota down to -144', async () => {
        await startFake({ dailyQuota: 2 });
        const zalo = channel();
        const outcomes = [];
        for (let id = 1; id <= 3; id++) outcomes.push((await zalo.send(notice(id), async () => [])).outcome);
        assert.deepEqual(outcomes, ['sent', 'sent', 'temporary-failure'], 'the third message meets the used-up quota');
      });

      it('the night window answers -133 at 23:00 and defers to 06:00', async () => {
        await startFake({ nightWindow: true });
        clock.set(at('2026-03-02T23:00:00+07:00'));
        const result = await channel().send(notice(1), async () => []);
        assert.deepEqual(pick(result, ['outcome', 'errorClass', 'deferUntil']), { outcome: 'temporary-failure', errorClass: 'zalo:-133', deferUntil: ms('2026-03-03T06:00:00+07:00') });
      });
    });

    it('a hanging Zalo is a timeout (technical failure) after ZALO_TIMEOUT_MS', async () => {
      const result = await channel({ ZALO_TIMEOUT_MS: '300' }).send(notice(1, '+84900000408'), async () => []);
      assert.deepEqual(pick(result, ['outcome', 'errorClass']), { outcome: 'technical-failure', errorClass: 'timeout' }, JSON.stringify(result));
      assert.match(result.providerAnswer, /có thể đã được gửi/, 'the record warns that the message may have gone out');
    });

    it('a refused connection is a technical failure of class "connection"', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const zalo = channel();
      assert.equal((await zalo.send(notice(1), async () => [])).outcome, 'sent', 'warm-up: the token is obtained');
      const down = channel({ ZALO_API_BASE: `http://127.0.0.1:${port}` });
      const result = await down.send(notice(2), async () => []);
      assert.deepEqual(pick(result, ['outcome', 'errorClass']), { outcome: 'technical-failure', errorClass: 'connection' }, JSON.stringify(result));
    });

    it('a kept-alive connection that Zalo closed just as it was reused: sent again at once on a new connection, not after the 30 s retry', async () => {
      await startFake({ dropReusedRequests: 1 });
      const zalo = channel();
      assert.equal((await zalo.send(notice(51), async () => [])).outcome, 'sent', 'warm-up: the first message goes out on a new connection');
      const result = await zalo.send(notice(52), async () => []);
      assert.equal(fake.state.dropped, 1, 'the second message met a kept-alive connection that the server closed without reading it');
      assert.equal(result.outcome, 'sent', `the message should be sent again at once on a new connection, got ${JSON.stringify(result)}`);
      assert.deepEqual(
        fake.state.accepted.map((m) => m.trackingId),
        ['51', '52'],
        'each message reached Zalo exactly once',
      );
    });

    it('a reset on a new connection is not retried: the server may have taken the message', async () => {
      let requests = 0;
      const resetting = http.createServer((req) => {
        requests++;
        req.socket.destroy();
      });
      await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
      try {
        const zalo = channel();
        assert.equal((await zalo.send(notice(1), async () => [])).outcome, 'sent', 'warm-up: the token is obtained');
        const flaky = channel({ ZALO_API_BASE: `http://127.0.0.1:${(resetting.address() as AddressInfo).port}` });
        const result = await flaky.send(notice(2), async () => []);
        assert.deepEqual(pick(result, ['outcome', 'errorClass']), { outcome: 'technical-failure', errorClass: 'connection' }, JSON.stringify(result));
        assert.equal(requests, 1, 'one request only: a reset of a connection used for the first time is left to the dispatcher’s backoff');
      } finally {
        resetting.closeAllConnections();
        await new Promise<void>((resolve) => resetting.close(() => resolve()));
      }
    });

    it('token expiry mid-batch: -124 → exactly one refresh → the retry succeeds', async () => {
      await startFake({ expireAccessTokensAfterSends: 3 });
      const zalo = channel();
      const results: SendResult[] = [];
      for (let id = 1; id <= 5; id++) results.push(await zalo.send(notice(id), async () => []));
      assert.deepEqual(results.map((r) => r.outcome), ['sent', 'sent', 'sent', 'sent', 'sent']);
      assert.equal(fake.state.refreshCalls, 2, 'one refresh to start, one after the -124');
      assert.equal(fake.state.sends, 6, 'five messages plus the one refused with -124');
      assert.equal(fake.state.accepted.length, 5);
      assert.deepEqual(fake.state.accepted.map((m) => m.trackingId), ['1', '2', '3', '4', '5'], 'each notice delivered once');
      assert.equal((await storedGrant()).refresh_token, fake.state.refreshToken, 'the latest refresh token is stored');
    });

    it('refreshes well before the 25-hour expiry: 13 hours later, without any -124', async () => {
      const zalo = channel();
      await zalo.send(notice(1), async () => []);
      clock.advance(11 * 3_600_000);
      await zalo.send(notice(2), async () => []);
      assert.equal(fake.state.refreshCalls, 1, 'an 11-hour-old token is still used');
      clock.advance(2 * 3_600_000);
      const result = await zalo.send(notice(3), async () => []);
      assert.equal(result.outcome, 'sent');
      assert.equal(fake.state.refreshCalls, 2, 'a 13-hour-old token is refreshed before use');
      assert.equal(fake.state.sends, 3, 'no message was refused on the way');
    });

    it('two workers needing a refresh at once: ONE refresh, both send, the grant survives', async () => {
      await startFake({ refreshLatencyMs: 200 });
      // A second connection pool on the same database, as a second process would have.
      const otherDb = createDb(ctx.config.database, createLogger('silent'));
      extraDbs.push(otherDb);
      const a = channel({}, ctx.db);
      const b = channel({}, otherDb);

      const [ra, rb] = await Promise.all([a.send(notice(1), async () => []), b.send(notice(2), async () => [])]);
      assert.equal(ra.outcome, 'sent', `worker A: ${JSON.stringify(ra)}`);
      assert.equal(rb.outcome, 'sent', `worker B: ${JSON.stringify(rb)}`);
      assert.equal(fake.state.refreshCalls, 1, 'the waiting worker used the token the other one obtained');
      let grant = await storedGrant();
      assert.equal(grant.status, 'ok');
      assert.equal(grant.refresh_token, fake.state.refreshToken, 'the stored refresh token is the latest one');

      // And again after Zalo voids the token: both get -124 and call forceRefresh together.
      fake.expireAccessTokens();
      const [ra2, rb2] = await Promise.all([a.send(notice(3), async () => []), b.send(notice(4), async () => [])]);
      assert.deepEqual([ra2.outcome, rb2.outcome], ['sent', 'sent'], `${JSON.stringify(ra2)} / ${JSON.stringify(rb2)}`);
      assert.equal(fake.state.refreshCalls, 2, 'one refresh for both -124s');
      grant = await storedGrant(otherDb);
      assert.equal(grant.refresh_token, fake.state.refreshToken, 'still the latest refresh token, seen from the other pool too');
    });

    it('a reused refresh token (empty 200): channel down, one alert, no loop, no further calls until an admin resets the grant', async () => {
      const stale = fake.state.refreshToken;
      // Another process spent this token and died before storing the new one.
      await fetch(`${fake.oauthBase}/v4/oa/access_token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', secret_key: fake.appSecret },
        body: new URLSearchParams({ refresh_token: stale, app_id: fake.appId, grant_type: 'refresh_token' }).toString(),
      });
      const before = fake.state.refreshCalls;
      const zalo = channel({ ZALO_REFRESH_TOKEN: stale });

      const result = await zalo.send(notice(1), async () => []);
      assert.equal(result.errorClass, 'zalo:grant', JSON.stringify(result));
      assert.ok(result.channelDown, 'the channel is down');
      assert.match(result.channelDown ?? '', /rỗng/, 'the reason names the empty answer');
      assert.equal(fake.state.refreshCalls - before, 1, 'exactly one refresh attempt');
      const grant = await storedGrant();
      assert.equal(grant.status, 'broken');
      assert.equal((await alerts()).length, 1, 'one alert for an administrator');

      for (let id = 2; id <= 4; id++) {
        const later = await zalo.send(notice(id), async () => []);
        assert.ok(later.channelDown, `send ${id} answers channel down`);
      }
      assert.equal(fake.state.refreshCalls - before, 1, 'no refresh retried');
      assert.equal(fake.state.sends, 0, 'no message sent with a broken grant');
      assert.equal((await alerts()).length, 1, 'still one alert, not one per message');

      await zalo.tokens!.resetGrant(fake.newGrant(), clock.now());
      const mended = await zalo.send(notice(5), async () => []);
      assert.equal(mended.outcome, 'sent', JSON.stringify(mended));
      assert.notEqual((await alerts())[0].resolved_at, null, 'the alert is resolved by the new grant');
      assert.equal((await zalo.tokens!.status()).state, 'ok');
    });

    it('a refresh token Zalo refuses with error -14014 breaks the grant the same way', async () => {
      await startFake({ reusedRefreshAnswer: 'error' });
      const result = await channel({ ZALO_REFRESH_TOKEN: 'never-issued' }).send(notice(1), async () => []);
      assert.ok(result.channelDown, JSON.stringify(result));
      assert.match(result.channelDown ?? '', /-14014/);
      assert.equal(fake.state.refreshCalls, 1);
      assert.equal((await storedGrant()).status, 'broken');
    });

    it('without any refresh token: channel down and an alert, without calling Zalo', async () => {
      const zalo = createZaloChannel({ db: ctx.db, config: { ...settings(), initialRefreshToken: null }, clock });
      toClose.push(zalo);
      const result = await zalo.send(notice(1), async () => []);
      assert.ok(result.channelDown, JSON.stringify(result));
      assert.equal((await alerts()).length, 1);
      assert.equal(fake.state.refreshCalls + fake.state.sends, 0);
    });

    it('ZALO_REFRESH_TOKEN seeds an empty table only: it never overwrites the stored grant', async () => {
      const initial = fake.state.refreshToken;
      await channel().send(notice(1), async () => []);
      const rotated = (await storedGrant()).refresh_token;
      assert.notEqual(rotated, initial);
      // A restart with the old environment variable.
      const restarted = channel({ ZALO_REFRESH_TOKEN: initial });
      fake.expireAccessTokens();
      assert.equal((await restarted.send(notice(2), async () => [])).outcome, 'sent');
      assert.equal((await storedGrant()).refresh_token, fake.state.refreshToken, 'the grant kept rotating from the stored token');
    });

    it('Zalo refusing even a just-refreshed token: one refresh, one retry, then channel down', async () => {
      await startFake({ accessTokenTtlSeconds: 0 });
      const result = await channel().send(notice(1), async () => []);
      assert.ok(result.channelDown, JSON.stringify(result));
      assert.equal(result.errorClass, ZALO_TOKEN_INVALID);
      assert.equal(fake.state.refreshCalls, 2, 'the initial refresh and the forced one, nothing more');
      assert.equal(fake.state.sends, 2);
    });

    it('the client reads message status and quota', async () => {
      const zalo = channel();
      const sent = await zalo.send(notice(1), async () => []);
      const token = (await storedGrant()).access_token as string;
      const client = new ZaloClient(settings());
      try {
        const before = await client.messageStatus(token, sent.providerMessageId!);
        assert.equal((before.body as { data: { status: number } }).data.status, 0, 'not yet delivered');
        fake.deliveryEvent(sent.providerMessageId!);
        const after = await client.messageStatus(token, sent.providerMessageId!);
        assert.equal((after.body as { data: { status: number } }).data.status, 1, 'delivered');
        const quota = await client.quota(token);
        assert.deepEqual((quota.body as { data: unknown }).data, { dailyQuota: '500', remainingQuota: '499' });
      } finally {
        client.close();
      }
    });

    describe('delivery webhook', () => {
      let server: http.Server;
      let url: string;
      let agencyId: number;

      async function insertNotice(id: number, status: string, providerMessageId: string | null): Promise<void> {
        await ctx.db('notices').insert({
          id,
          business_key: `webhook-test-${id}`,
          kind: 'new_appointment',
          audience: 'citizen',
          channel: 'zalo',
          recipient: '+84912345678',
          agency_id: agencyId,
          status,
          payload: JSON.stringify({ params: PARAMS, templateVersion: 'x' }),
          not_before: 0,
          created_at: 0,
          updated_at: 0,
          provider_message_id: providerMessageId,
        });
      }

      async function noticeRow(id: number) {
        return ctx.db('notices').where({ id }).first();
      }

      beforeEach(async () => {
        const [row] = await ctx.db('agencies')
          .insert({ code: 'ZALO-T', name: 'Sở Xây dựng', place_name: 'Cần Thơ', letter_symbol: 'SXD', level: 'department', created_at: 0, updated_at: 0 })
          .returning('id');
        agencyId = Number(typeof row === 'object' ? row.id : row);
        const config = settings();
        // The route as recommended for src/http: raw body first, nothing else touches it.
        const app = express();
        app.post('/webhooks/zalo', express.raw({ type: '*/*', limit: '64kb' }), async (req, res) => {
          const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const answer = await handleZaloWebhook({ db: ctx.db, config, now: clock.now() }, raw, req.get('X-ZEvent-Signature'));
          res.status(answer.status).json(answer.body);
        });
        server = http.createServer(app);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/zalo`;
      });

      afterEach(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });

      it('a message sent through the fake, then its signed receipt, marks the notice delivered', async () => {
        const sent = await channel().send(notice(7001), async () => []);
        await insertNotice(7001, 'sent', sent.providerMessageId!); // what the dispatcher records
        clock.advance(5_000);
        const event = fake.deliveryEvent(sent.providerMessageId!);
        const res = await fake.sendWebhook(url, event);
        assert.equal(res.status, 200, res.body);
        assert.deepEqual(JSON.parse(res.body), { result: 'delivered' });
        const row = await noticeRow(7001);
        assert.equal(row.status, 'delivered');
        assert.equal(Number(row.delivered_at), clock.now().getTime(), 'delivered_at is Zalo’s delivery_time');
      });

      it('accepts the signature header without "mac=" too', async () => {
        await insertNotice(7002, 'sent', 'msg-7002');
        const event = { event_name: 'user_received_message', app_id: fake.appId, timestamp: '1772416800000', message: { msg_id: 'msg-7002', tracking_id: '7002', delivery_time: '1772416800000' } };
        const res = await fake.sendWebhook(url, event, { macPrefix: false });
        assert.equal(res.status, 200, res.body);
        assert.equal((await noticeRow(7002)).status, 'delivered');
      });

      it('a bad signature gets 401 and stores nothing', async () => {
        await insertNotice(7003, 'sent', 'msg-7003');
        const event = { event_name: 'user_received_message', app_id: fake.appId, timestamp: '1772416800000', message: { msg_id: 'msg-7003', tracking_id: '7003', delivery_time: '1772416800000' } };
        const res = await fake.sendWebhook(url, event, { signature: `mac=${'0'.repeat(64)}` });
        assert.equal(res.status, 401);
        assert.equal((await noticeRow(7003)).status, 'sent');
        assert.equal((await ctx.db('zalo_receipts')).length, 0, 'no receipt stored');
      });

      it('a repeated event is a duplicate: delivered once, one receipt', async () => {
        await insertNotice(7004, 'sent', 'msg-7004');
        const event = { event_name: 'user_received_message', app_id: fake.appId, timestamp: '1772416800000', message: { msg_id: 'msg-7004', tracking_id: '7004', delivery_time: '1772416800000' } };
        const first = await fake.sendWebhook(url, event);
        const firstDelivered = (await noticeRow(7004)).delivered_at;
        clock.advance(3_600_000);
        const second = await fake.sendWebhook(url, { ...event, timestamp: '1772420400000' });
        assert.deepEqual([JSON.parse(first.body), JSON.parse(second.body)], [{ result: 'delivered' }, { result: 'duplicate' }]);
        assert.equal((await ctx.db('zalo_receipts')).length, 1);
        assert.equal(Number((await noticeRow(7004)).delivered_at), Number(firstDelivered), 'delivered_at unchanged by the repeat');
      });

      it('finds the notice by msg_id when the tracking id is missing, and answers unknown for strangers', async () => {
        await insertNotice(7005, 'sent', 'msg-7005');
        assert.equal(await recordZaloReceipt(ctx.db, { event_name: 'user_received_message', message: { msg_id: 'msg-7005' } }, clock.now()), 'delivered');
        assert.equal((await noticeRow(7005)).status, 'delivered');
        assert.equal(await recordZaloReceipt(ctx.db, { event_name: 'user_received_message', message: { msg_id: 'nobody' } }, clock.now()), 'unknown');
        assert.equal(await recordZaloReceipt(ctx.db, { event_name: 'follow', message: { msg_id: 'x' } }, clock.now()), 'unknown');
      });

      it('a receipt that beats the worker’s "sent" is applied when the worker records it', async () => {
        await insertNotice(7006, 'sending', null);
        const result = await recordZaloReceipt(ctx.db, { event_name: 'user_received_message', message: { msg_id: 'msg-7006', tracking_id: '7006', delivery_time: '1772416800000' } }, clock.now());
        assert.equal(result, 'delivered');
        assert.equal((await noticeRow(7006)).status, 'sending', 'the worker’s row is not changed behind its back');
        await ctx.db('notices').where({ id: 7006 }).update({ status: 'sent', provider_message_id: 'msg-7006' });
        assert.equal(await markDeliveredFromReceipts(ctx.db, 7006, clock.now()), true);
        assert.equal((await noticeRow(7006)).status, 'delivered');
        assert.equal(Number((await noticeRow(7006)).delivered_at), 1772416800000);
      });
    });
  });

  describe('verifyZaloSignature', () => {
    const appId = '2074138120372622546';
    const key = 'oa-secret';
    const raw = Buffer.from('{"event_name":"user_received_message","message":{"msg_id":"m1"},"timestamp":"1602560967477"}');
    const mac = createHash('sha256').update(`${appId}${raw.toString()}1602560967477${key}`).digest('hex');

    it('accepts sha256(app_id + body + timestamp + key), with or without "mac=", any hex case', () => {
      assert.equal(verifyZaloSignature(raw, `mac=${mac}`, appId, key), true);
      assert.equal(verifyZaloSignature(raw, mac, appId, key), true);
      assert.equal(verifyZaloSignature(raw, `mac=${mac.toUpperCase()}`, appId, key), true);
    });

    it('rejects a changed body, another key, an HMAC, a short or missing header, a simulator without secrets', () => {
      const changed = Buffer.from(raw.toString().replace('m1', 'm2'));
      assert.equal(verifyZaloSignature(changed, `mac=${mac}`, appId, key), false, 'body changed');
      assert.equal(verifyZaloSignature(raw, `mac=${mac}`, appId, 'other'), false, 'other key');
      const hmac = createHmac('sha256', key).update(`${appId}${raw.toString()}1602560967477`).digest('hex');
      assert.equal(verifyZaloSignature(raw, `mac=${hmac}`, appId, key), false, 'an HMAC is not Zalo’s scheme');
      assert.equal(verifyZaloSignature(raw, `mac=${mac.slice(0, 40)}`, appId, key), false, 'short');
      assert.equal(verifyZaloSignature(raw, undefined, appId, key), false, 'missing');
      assert.equal(verifyZaloSignature(raw, `mac=${mac}`, '', ''), false, 'no secrets configured');
      assert.equal(verifyZaloSignature(Buffer.from('not json'), `mac=${mac}`, appId, key), false, 'not JSON');
    });

    it('hashes the bytes as received, not a re-serialisation', () => {
      const spaced = Buffer.from('{ "event_name": "user_received_message", "timestamp": "1" }');
      const good = createHash('sha256').update(`${appId}${spaced.toString()}1${key}`).digest('hex');
      assert.equal(verifyZaloSignature(spaced, good, appId, key), true);
      const reserialised = createHash('sha256').update(`${appId}${JSON.stringify(JSON.parse(spaced.toString()))}1${key}`).digest('hex');
      assert.equal(verifyZaloSignature(spaced, reserialised, appId, key), false);
    });
  });

  describe('simulator (no ZALO_APP_ID)', () => {
    const clock = new FixedClock(at('2026-03-02T09:00:00+07:00'));
    // The simulator never touches the database or the network; an unusable db proves it.
    const sim = createZaloChannel({ db: null as unknown as Db, config: loadConfig({}).zalo, clock });

    it('delivers a normal number at once, saying it is a simulation', async () => {
      assert.equal(sim.simulated, true);
      assert.equal(sim.tokens, null);
      const r = await sim.send(notice(7), async () => []);
      assert.deepEqual(r, { outcome: 'delivered', providerMessageId: 'sim-7', providerAnswer: 'Mô phỏng Zalo (không gửi thật)' });
    });

    const expected: Record<string, Expect> = {
      '+84900000108': { outcome: 'permanent-failure', errorClass: 'zalo:-108', fallback: true },
      '+84900000118': { outcome: 'permanent-failure', errorClass: 'zalo:-118', fallback: true },
      '+84900000114': { outcome: 'permanent-failure', errorClass: 'zalo:-114', fallback: true },
      '+84900000119': { outcome: 'permanent-failure', errorClass: 'zalo:-119', fallback: true },
      '+84900000100': { outcome: 'technical-failure', errorClass: 'zalo:-100', channelDown: false },
      '+84900000500': { outcome: 'technical-failure', errorClass: 'http:500' },
      '+84900000408': { outcome: 'technical-failure', errorClass: 'timeout' },
      '+84900000133': { outcome: 'temporary-failure', errorClass: 'zalo:-133', deferUntil: ms('2026-03-03T06:00:00+07:00') },
      '+84900000144': { outcome: 'temporary-failure', errorClass: 'zalo:-144', deferUntil: ms('2026-03-03T00:00:00+07:00') },
      '+84900000147': { outcome: 'temporary-failure', errorClass: 'zalo:-147', deferUntil: ms('2026-03-03T00:00:00+07:00') },
      '+84900000109': { outcome: 'technical-failure', errorClass: 'zalo:-109', channelDown: true },
    };

    it('lists every magic number with a Vietnamese explanation, and the test covers each', () => {
      assert.deepEqual(ZALO_SIMULATOR_NUMBERS.map((n) => n.phone).sort(), Object.keys(expected).sort());
      for (const n of ZALO_SIMULATOR_NUMBERS) assert.match(n.explanation, /[ạảãàáâậầấẩẫăắằặẳẵđêếềệểễôồốộổỗơờớợởỡưừứựửữ]/u, `${n.phone} explained in Vietnamese`);
    });

    for (const [phone, want] of Object.entries(expected)) {
      it(`${phone} → ${want.errorClass}`, async () => {
        const r = await sim.send(notice(8, phone), async () => []);
        assert.deepEqual(pick(r, Object.keys(want) as Array<keyof SendResult>), want, JSON.stringify(r));
        assert.match(r.providerAnswer, /^Mô phỏng Zalo/);
      });
    }

    it('accepts the number written the way staff type it (0900 000 118)', async () => {
      const r = await sim.send(notice(9, '0900 000 118'), async () => []);
      assert.equal(r.errorClass, 'zalo:-118');
    });

    it('checks lengths like the live channel', async () => {
      const r = await sim.send(notice(10, '+84912345678', { ...PARAMS, agency_name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ' }), async () => []);
      assert.equal(r.errorClass, 'zalo:local-length');
    });
  });
});
