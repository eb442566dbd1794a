/**
 * The SMS channel: the notice's registered-template text, through a brandname gateway (eSMS by
 * default, see gateway.ts for adding another). The notice id is the RequestId, which the gateway
 * de-duplicates within a day: a retry after a timeout is not sent nor billed twice. Without
 * SMS_API_KEY the channel is a simulator with magic numbers, so the demo and the staff can see
 * every outcome without a gateway account.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { normalizeVnMobile } from '../../domain/contact';
import type { SmsText } from '../../documents/types';
import type { Channel, OutgoingNotice, SendResult } from '../types';
import { esmsGateway } from './esms';
import type { SmsAnswer, SmsGateway, SmsMessage } from './gateway';
import type { SmsGatewayName, SmsSettings } from './settings';
import { parseAnswerBody } from '../answer-body';

const GATEWAYS: Record<SmsGatewayName, SmsGateway> = { esms: esmsGateway };

export function gatewayOf(settings: Pick<SmsSettings, 'gateway'>): SmsGateway {
  return GATEWAYS[settings.gateway];
}

export interface SmsSimulatorNumber {
  /** As stored on a dossier (E.164). */
  phone: string;
  /** As staff type it. */
  display: string;
  /** What happens to the notice, in Vietnamese, for the staff pages and docs. */
  explanation: string;
  /** What the gateway would have answered, fed to its own classification. */
  simulated: SmsAnswer;
}

const code = (CodeResult: string): SmsAnswer => ({ httpStatus: 200, body: { CodeResult }, networkErrorCode: null });

function magic(suffix: string, explanation: string, simulated: SmsAnswer): SmsSimulatorNumber {
  return { phone: `+84900001${suffix}`, display: `0900 001 ${suffix}`, explanation, simulated };
}

/** Numbers that make the simulator answer like the gateway's failures; any other mobile number is delivered at once. Not Zalo's magic numbers: a citizen Zalo cannot reach must be able to get the SMS. */
export const SMS_SIMULATOR_NUMBERS: readonly SmsSimulatorNumber[] = [
  magic('108', 'Số điện thoại không đúng định dạng (eSMS 108): chuyển sang kênh tiếp theo.', code('108')),
  magic('099', 'Số điện thoại bị chặn nhận tin (eSMS 99): chuyển sang kênh tiếp theo.', code('99')),
  magic('177', 'Brandname chưa đăng ký với nhà mạng của số này (eSMS 177): chuyển sang kênh tiếp theo.', code('177')),
  magic('101', 'Sai ApiKey/SecretKey (eSMS 101): kênh SMS tạm dừng, quản trị viên nhận cảnh báo, các tin vẫn chờ gửi.', code('101')),
  magic('103', 'Tài khoản hết tiền (eSMS 103): kênh SMS tạm dừng, quản trị viên nhận cảnh báo, các tin vẫn chờ gửi.', code('103')),
  magic('500', 'Cổng SMS gặp sự cố (HTTP 500): hệ thống tự gửi lại sau một lúc.', { httpStatus: 500, body: null, networkErrorCode: null }),
  magic('408', 'Cổng SMS không trả lời kịp: hệ thống gửi lại cùng RequestId (không gửi, không tính tiền hai lần).', { httpStatus: null, body: null, networkErrorCode: 'ECONNABORTED' }),
];

const SIMULATOR_ANSWER = 'Mô phỏng SMS (không gửi thật)';

function isSmsText(v: unknown): v is SmsText {
  const t = v as SmsText;
  return v !== null && typeof v === 'object' && typeof t.text === 'string' && t.text !== '' && (t.encoding === 'GSM-7' || t.encoding === 'UCS-2');
}

/** Our side cannot build the message: no point retrying, but the citizen must still hear. */
function refuse(errorClass: string, providerAnswer: string): { refused: SendResult } {
  return { refused: { outcome: 'permanent-failure', errorClass, providerAnswer, fallback: true } };
}

function prepare(notice: OutgoingNotice, callbackUrl: string): { message: SmsMessage } | { refused: SendResult } {
  const phone = normalizeVnMobile(notice.recipient);
  if (!phone) return refuse('sms:local-phone', `"${notice.recipient}" không phải số di động Việt Nam`);
  if (!isSmsText(notice.payload)) return refuse('sms:local-text', 'Tin SMS thiếu nội dung (payload.sms)');
  const sms = notice.payload;
  return { message: { requestId: String(notice.id), phone, text: sms.text, unicode: sms.encoding === 'UCS-2', callbackUrl } };
}

export function createSmsChannel(config: SmsSettings): Channel {
  const gateway = gatewayOf(config);
  if (config.off) {
    return {
      name: 'sms',
      simulated: false,
      async send() {
        return { outcome: 'permanent-failure', errorClass: 'sms:not-configured', providerAnswer: 'Chưa cấu hình cổng SMS (SMS_API_KEY): chuyển sang kênh tiếp theo', fallback: true };
      },
      async close() {},
    };
  }
  if (config.simulated) {
    const byPhone = new Map(SMS_SIMULATOR_NUMBERS.map((n) => [n.phone, n]));
    return {
      name: 'sms',
      simulated: true,
      async send(notice) {
        const prepared = prepare(notice, config.callbackUrl);
        if ('refused' in prepared) return prepared.refused;
        const scripted = byPhone.get(prepared.message.phone);
        if (!scripted) return { outcome: 'delivered', providerMessageId: `sim-sms-${notice.id}`, providerAnswer: SIMULATOR_ANSWER };
        const result = gateway.classify(scripted.simulated);
        return { ...result, providerAnswer: `${SIMULATOR_ANSWER}: ${result.providerAnswer}` };
      },
      async close() {},
    };
  }

  // Keep-alive: a batch would otherwise pay a TLS handshake per message.
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 });
  const client: AxiosInstance = axios.create({
    timeout: config.timeoutMs,
    httpAgent,
    httpsAgent,
    proxy: false,
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
  });

  async function post(message: SmsMessage): Promise<SmsAnswer> {
    const req = gateway.request(config, message);
    try {
      const res = await client.post(req.url, req.body, { headers: req.headers });
      return { httpStatus: res.status, body: parseAnswerBody(res.data), networkErrorCode: null };
    } catch (err) {
      const c = (err as { code?: unknown }).code;
      return { httpStatus: null, body: null, networkErrorCode: typeof c === 'string' ? c : 'UNKNOWN' };
    }
  }

  return {
    name: 'sms',
    simulated: false,
    async send(notice) {
      const prepared = prepare(notice, config.callbackUrl);
      if ('refused' in prepared) return prepared.refused;
      return gateway.classify(await post(prepared.message));
    },
    async close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

