/**
 * eSMS (ViHAT) brandname customer-care messages, API v4: the wire format and the meaning of each
 * answer, from eSMS's developer documentation ("Gửi tin chăm sóc khách hàng", "Bảng mã lỗi",
 * "Callback Url"):
 *
 *   POST {apiBase}/SendMultipleMessage_V4_post_json/
 *   {ApiKey, SecretKey, Phone, Content, Brandname, SmsType: "2", IsUnicode: "0"|"1",
 *    Sandbox: "0"|"1", RequestId, CallbackUrl}  →  {CodeResult: "100", SMSID, …}
 *
 * and the delivery report as a GET to CallbackUrl with SMSID, SendStatus, SendSuccess,
 * SendFailed, RequestId, phonenumber… in the query string.
 */
import type { SendResult } from '../types';
import type { SmsAnswer, SmsCredentials, SmsGateway, SmsMessage, SmsReport } from './gateway';

/** CodeResult → what it means for the notice. */
const CODES: Record<string, { text: string; effect: 'sent' | 'down' | 'recipient' }> = {
  '100': { text: 'eSMS đã nhận yêu cầu gửi tin', effect: 'sent' },
  // The gateway drops a RequestId it has seen within a day: an earlier attempt of this very
  // notice (one whose answer we lost to a timeout) was accepted and is not billed again.
  '124': { text: 'eSMS đã nhận tin này ở lần gửi trước (trùng RequestId), không gửi và không tính tiền lần nữa', effect: 'sent' },
  '101': { text: 'Sai ApiKey hoặc SecretKey của tài khoản eSMS', effect: 'down' },
  '102': { text: 'Tài khoản eSMS chưa có bảng giá', effect: 'down' },
  '103': { text: 'Tài khoản eSMS không đủ số dư để gửi tin', effect: 'down' },
  '104': { text: 'Brandname chưa đăng ký với eSMS', effect: 'down' },
  '140': { text: 'Địa chỉ IP của máy chủ chưa được eSMS cho phép (whitelist)', effect: 'down' },
  '146': { text: 'Nội dung không khớp mẫu tin chăm sóc khách hàng đã đăng ký với eSMS', effect: 'down' },
  '99': { text: 'Số điện thoại bị chặn nhận tin', effect: 'recipient' },
  '108': { text: 'Số điện thoại không đúng định dạng', effect: 'recipient' },
  '177': { text: 'Brandname chưa đăng ký với nhà mạng của số này', effect: 'recipient' },
};

const TIMEOUTS = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

function classify(a: SmsAnswer): SendResult {
  if (a.httpStatus === null) {
    if (a.networkErrorCode && TIMEOUTS.has(a.networkErrorCode)) {
      // The gateway may have taken it: the retry carries the same RequestId, so it is not sent twice.
      return { outcome: 'temporary-failure', errorClass: 'timeout', providerAnswer: 'eSMS không trả lời kịp (tin có thể đã được nhận; gửi lại cùng RequestId)' };
    }
    return { outcome: 'technical-failure', errorClass: 'connection', providerAnswer: `Không kết nối được eSMS (${a.networkErrorCode ?? 'lỗi mạng'})` };
  }
  const body = a.body !== null && typeof a.body === 'object' ? (a.body as { CodeResult?: unknown; SMSID?: unknown; ErrorMessage?: unknown }) : null;
  const code = body && (typeof body.CodeResult === 'string' || typeof body.CodeResult === 'number') ? String(body.CodeResult) : null;
  if (code === null) {
    return { outcome: 'technical-failure', errorClass: `esms:http-${a.httpStatus}`, providerAnswer: `eSMS trả lời HTTP ${a.httpStatus} không có CodeResult` };
  }
  const known = CODES[code];
  const errorClass = `esms:${code}`;
  const providerAnswer = `eSMS ${code}: ${known?.text ?? (typeof body?.ErrorMessage === 'string' ? body.ErrorMessage.slice(0, 200) : 'mã lỗi chưa biết')}`;
  if (known?.effect === 'sent') {
    const smsId = typeof body?.SMSID === 'string' && body.SMSID !== '' ? body.SMSID : undefined;
    return { outcome: 'sent', providerMessageId: smsId, providerAnswer, errorClass: code === '100' ? undefined : errorClass };
  }
  if (known?.effect === 'down') return { outcome: 'technical-failure', errorClass, providerAnswer, channelDown: providerAnswer };
  if (known?.effect === 'recipient') return { outcome: 'permanent-failure', errorClass, providerAnswer, fallback: true };
  return { outcome: 'technical-failure', errorClass, providerAnswer };
}

const first = (v: unknown): string | null => (Array.isArray(v) ? first(v[0]) : typeof v === 'string' ? v : null);
const count = (v: unknown): number => Number(first(v) ?? 0) || 0;

function report(query: Record<string, unknown>): SmsReport | null {
  const smsId = first(query.SMSID);
  const status = first(query.SendStatus);
  if (!smsId || smsId.length > 128 || !status) return null;
  const requestId = first(query.RequestId);
  const noticeId = requestId && /^\d{1,15}$/.test(requestId) ? Number(requestId) : null;
  // 5: done — SendSuccess / SendFailed say how it went; 4: refused; 1, 2, 7: not final yet.
  let delivered: boolean | null = null;
  let detail = `eSMS SendStatus ${status}: chưa có kết quả cuối`;
  if (status === '4') {
    delivered = false;
    detail = 'eSMS SendStatus 4: tin bị từ chối';
  } else if (status === '5' && count(query.SendSuccess) > 0) {
    delivered = true;
    detail = 'eSMS SendStatus 5: tin đã đến máy người nhận';
  } else if (status === '5' && count(query.SendFailed) > 0) {
    delivered = false;
    detail = 'eSMS SendStatus 5: nhà mạng không chuyển được tin đến máy người nhận';
  }
  return { providerMessageId: smsId, noticeId, delivered, detail };
}

export const esmsGateway: SmsGateway = {
  name: 'esms',
  request(c: SmsCredentials, m: SmsMessage) {
    return {
      url: `${c.apiBase}/SendMultipleMessage_V4_post_json/`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ApiKey: c.apiKey,
        SecretKey: c.secretKey,
        // eSMS takes the national form, 09…
        Phone: m.phone.replace(/^\+84/, '0'),
        Content: m.text,
        Brandname: c.brandname,
        SmsType: '2',
        IsUnicode: m.unicode ? '1' : '0',
        Sandbox: c.sandbox ? '1' : '0',
        RequestId: m.requestId,
        CallbackUrl: m.callbackUrl,
      }),
    };
  },
  classify,
  report,
};
