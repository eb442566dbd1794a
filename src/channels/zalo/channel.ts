/**
 * The Zalo channel: a ZNS template message to the citizen's phone number.
 *
 * Everything that can be checked locally is checked before Zalo is called (phone, parameters,
 * their lengths), because Zalo charges per message and a rejected call still spends quota and
 * time. Without settings the channel is a simulator with magic numbers, so the demo and the
 * staff can see every outcome without a Zalo Official Account.
 */
import type { Db } from '../../db/connection';
import { normalizeVnMobile, zaloPhone } from '../../domain/contact';
import { ZALO_LIMITS, zaloLength, type ZaloParamName } from '../../documents/zalo';
import type { Logger } from '../../logger';
import type { Channel, OutgoingNotice, SendResult } from '../types';
import { classifyZaloAnswer, ZALO_TOKEN_INVALID, ZaloClient, type ZaloAnswer, type ZaloTemplateMessage } from './client';
import type { ZaloSettings } from './settings';
import { alertOnce, ZaloGrantError, ZaloTokenStore } from './tokens';

export interface ZaloChannelDeps {
  db: Db;
  config: ZaloSettings;
  clock: { now(): Date };
  logger?: Logger;
}

export interface ZaloChannel extends Channel {
  /** The OA grant (admin API / CLI: status, resetGrant); null in simulator mode. */
  readonly tokens: ZaloTokenStore | null;
}

export interface ZaloSimulatorNumber {
  /** As stored on a dossier (E.164). */
  phone: string;
  /** As staff type it. */
  display: string;
  /** What Zalo would have answered: 'Zalo -118', 'HTTP 500', 'hết thời gian chờ'. */
  answer: string;
  /** What happens to the notice, in Vietnamese, for the staff pages. */
  explanation: string;
  /** The answer the simulator feeds to classifyZaloAnswer. */
  simulated: ZaloAnswer;
}

const zaloError = (error: number, message: string): ZaloAnswer => ({ httpStatus: 200, body: { error, message }, networkErrorCode: null });

function magic(suffix: string, answer: string, explanation: string, simulated: ZaloAnswer): ZaloSimulatorNumber {
  return { phone: `+84900000${suffix}`, display: `0900 000 ${suffix}`, answer, explanation, simulated };
}

/**
 * Numbers that make the simulator answer like Zalo's failures. Any other valid mobile number
 * is "delivered" at once.
 */
export const ZALO_SIMULATOR_NUMBERS: readonly ZaloSimulatorNumber[] = [
  magic('108', 'Zalo -108', 'Số điện thoại không hợp lệ: không gửi lại qua Zalo, chuyển sang kênh khác (e-mail, SMS, thư giấy).', zaloError(-108, 'Phone number is invalid')),
  magic('118', 'Zalo -118', 'Số điện thoại chưa có tài khoản Zalo: chuyển sang kênh khác.', zaloError(-118, 'Zalo account not existed')),
  magic('114', 'Zalo -114', 'Người nhận không hoạt động, đã từ chối tin hoặc dùng Zalo cũ: chuyển sang kênh khác.', zaloError(-114, 'User is inactive or rejected the message')),
  magic('119', 'Zalo -119', 'Tài khoản Zalo của người nhận không thể nhận tin: chuyển sang kênh khác.', zaloError(-119, 'Account cannot receive message')),
  magic('100', 'Zalo -100', 'Lỗi không xác định phía Zalo: hệ thống tự gửi lại sau một lúc.', zaloError(-100, 'Unknown error')),
  magic('500', 'HTTP 500', 'Máy chủ Zalo gặp sự cố: hệ thống tự gửi lại sau một lúc.', { httpStatus: 500, body: null, networkErrorCode: null }),
  magic('408', 'hết thời gian chờ', 'Zalo không trả lời kịp: hệ thống tự gửi lại sau một lúc (tin có thể đã tới nơi).', { httpStatus: null, body: null, networkErrorCode: 'ECONNABORTED' }),
  magic('133', 'Zalo -133', 'Zalo không gửi tin ban đêm (22:00–06:00): tin được hoãn đến 06:00 sáng.', zaloError(-133, 'Cannot send message at night')),
  magic('144', 'Zalo -144', 'Cơ quan đã dùng hết hạn mức tin Zalo trong ngày: tin được hoãn sang ngày hôm sau.', zaloError(-144, 'OA has reached daily quota')),
  magic('147', 'Zalo -147', 'Mẫu tin đã hết hạn mức gửi trong ngày: tin được hoãn sang ngày hôm sau.', zaloError(-147, 'Template has reached daily quota')),
  magic('109', 'Zalo -109', 'Mã mẫu tin không hợp lệ: kênh Zalo tạm dừng và quản trị viên nhận cảnh báo (các tin vẫn chờ gửi).', zaloError(-109, 'Template id is invalid')),
];

const SIMULATOR_ANSWER = 'Mô phỏng Zalo (không gửi thật)';

type Prepared = { message: ZaloTemplateMessage; phone: string } | { refused: SendResult };

function refuse(errorClass: string, providerAnswer: string): { refused: SendResult } {
  // Our side cannot build a valid message: no point retrying, but the citizen must still hear.
  return { refused: { outcome: 'permanent-failure', errorClass, providerAnswer, fallback: true } };
}

function prepare(notice: OutgoingNotice, config: ZaloSettings): Prepared {
  if (notice.kind !== 'new_appointment') {
    return refuse('zalo:local-kind', `Kênh Zalo chỉ có mẫu tin báo ngày hẹn mới, không gửi được loại "${notice.kind}"`);
  }
  const e164 = normalizeVnMobile(notice.recipient);
  if (!e164) return refuse('zalo:local-phone', `"${notice.recipient}" không phải số di động Việt Nam`);

  const params = notice.payload.params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    return refuse('zalo:local-params', 'Tin Zalo thiếu các tham số của mẫu (payload.params)');
  }
  const values = params as Record<string, unknown>;
  const templateData: Record<string, string> = {};
  for (const [name, templateName] of Object.entries(config.templateParams) as Array<[ZaloParamName, string | null]>) {
    if (templateName === null) continue; // the registered template has no such parameter
    const raw = values[name];
    if (typeof raw !== 'string' || raw.trim() === '') return refuse('zalo:local-params', `Tin Zalo thiếu tham số "${name}"`);
    const value = raw.normalize('NFC');
    const max = ZALO_LIMITS[name];
    if (zaloLength(value) > max) {
      return refuse('zalo:local-length', `Tham số "${name}" dài ${zaloLength(value)} ký tự, Zalo chỉ nhận tối đa ${max}: «${value}»`);
    }
    templateData[templateName] = value;
  }
  return {
    phone: e164,
    message: {
      phone: zaloPhone(e164),
      templateId: config.templateId,
      templateData,
      trackingId: String(notice.id),
      development: config.mode === 'development',
    },
  };
}

function grantDown(err: ZaloGrantError): SendResult {
  return { outcome: 'technical-failure', errorClass: 'zalo:grant', providerAnswer: err.reason, channelDown: err.reason };
}

export function createZaloChannel(deps: ZaloChannelDeps): ZaloChannel {
  const { config, clock, logger } = deps;

  if (config.simulated) {
    const byPhone = new Map(ZALO_SIMULATOR_NUMBERS.map((n) => [n.phone, n]));
    return {
      name: 'zalo',
      simulated: true,
      tokens: null,
      async send(notice) {
        const prepared = prepare(notice, config);
        if ('refused' in prepared) return prepared.refused;
        const scripted = byPhone.get(prepared.phone);
        if (!scripted) return { outcome: 'delivered', providerMessageId: `sim-${notice.id}`, providerAnswer: SIMULATOR_ANSWER };
        const { body, httpStatus, networkErrorCode } = scripted.simulated;
        const result = classifyZaloAnswer(body, httpStatus, networkErrorCode, clock.now());
        return { ...result, providerAnswer: `${SIMULATOR_ANSWER}: ${result.providerAnswer}` };
      },
      async close() {},
    };
  }

  const client = new ZaloClient(config);
  const tokens = new ZaloTokenStore({ db: deps.db, client, initialRefreshToken: config.initialRefreshToken, logger });

  async function attempt(token: string, message: ZaloTemplateMessage): Promise<SendResult> {
    const a = await client.sendTemplate(token, message);
    return classifyZaloAnswer(a.body, a.httpStatus, a.networkErrorCode, clock.now());
  }

  return {
    name: 'zalo',
    simulated: false,
    tokens,
    async send(notice) {
      const prepared = prepare(notice, config);
      if ('refused' in prepared) return prepared.refused;
      let token: string;
      try {
        token = await tokens.accessToken(clock.now());
      } catch (err) {
        if (err instanceof ZaloGrantError) return grantDown(err);
        throw err;
      }
      const first = await attempt(token, prepared.message);
      if (first.errorClass !== ZALO_TOKEN_INVALID) return first;

      // Zalo may void a token before its stated expiry: one refresh, one retry, never a loop.
      logger?.warn({ noticeId: notice.id }, 'zalo: access token refused (-124); refreshed, sending once more');
      try {
        token = await tokens.forceRefresh(token, clock.now());
      } catch (err) {
        if (err instanceof ZaloGrantError) return grantDown(err);
        throw err;
      }
      const second = await attempt(token, prepared.message);
      if (second.errorClass !== ZALO_TOKEN_INVALID) return second;
      const reason = 'Zalo từ chối cả access token vừa làm mới (-124): kiểm tra ZALO_APP_ID và quyền của ứng dụng với OA';
      await alertOnce(deps.db, reason, clock.now().getTime());
      return { ...second, providerAnswer: reason, channelDown: reason };
    },
    async close() {
      client.close();
    },
  };
}
