/**
 * The wire format of hash-signing services shaped like VNPT SmartCA (sp769 gateway), in this one
 * module; the rest of the code sees a RemoteSigner ("request a signature on this digest, learn
 * the outcome later").
 *
 * - POST {base}/v1/credentials/get_certificate {sp_id, sp_password, user_id, serial_number?,
 *   transaction_id} → data.user_certificates[] {serial_number, cert_data (base64 DER),
 *   chain_data {ca_cert, root_cert}, cert_valid_from/to, cert_status}.
 * - POST {base}/v1/signatures/sign {…, transaction_id, transaction_desc, serial_number,
 *   time_stamp "YYYYMMDDhhmmssZ", sign_files [{doc_id, file_type "pdf", sign_type "hash",
 *   data_to_be_signed: hex SHA-256}]} → {status_code 200, message "sig_wait_for_user_confirm",
 *   data {transaction_id, tran_code}}. The digest sent is SHA-256 of the DER signed attributes;
 *   signature_value is the raw signature over it (base64), as SmartCA integrations embed it.
 * - POST {base}/v1/signatures/sign/{tran_code}/status → message "SUCCESS" with
 *   data.signatures[] {doc_id, signature_value}; otherwise still waiting, refused or expired.
 *   The published guide documents only the SUCCESS and waiting answers: refusals and expiries are
 *   recognised by their message (reject/refuse/deny/cancel; expire/timeout), as integrators do.
 * - Callback (registered URL): {sp_id, status_code, message, transaction_id, signed_files[]
 *   {doc_id, signature_value}}. The guide shows no authentication on it; we require, when a
 *   callback secret is configured, the header X-SmartCA-Signature = hex HMAC-SHA256 of the raw
 *   body. Without a secret a callback is only a wake-up: read the outcome with checkRequest.
 *   Either way, a signature value is embedded only after it verifies with the certificate
 *   (completeSignature), so a forged callback can never put a false signature in a letter.
 * HTTP failures, timeouts and 5xx are "unavailable" (retry later); 401/403 are refusals of our
 * credentials or of the user's certificate.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { parseCertificate } from '../certificates';
import { SigningError } from '../errors';
import type { RemoteOutcome, RemoteRequest, RemoteSigner } from '../signer';

export interface SmartCaSettings {
  /** e.g. https://gwsca.vnpt.vn/sca/sp769 (UAT: https://rmgateway.vnptit.vn/sca/sp769). */
  baseUrl: string;
  spId: string;
  spPassword: string;
  /** Shared secret of the callback signature (X-SmartCA-Signature); unset: callbacks are wake-ups only. */
  callbackSecret?: string;
  /** Per-request timeout (default 10,000 ms). */
  timeoutMs?: number;
}

export interface SmartCaDeps {
  now: () => Date;
  newTransactionId?: () => string;
}

export interface SmartCaCertificate {
  serialNumber: string;
  /** DER, the user's certificate first, then the CA and root when the service sends them. */
  chain: Buffer[];
  status: string | null;
}

export interface CallbackResult {
  transactionId: string;
  documentId: string | null;
  /** Never 'pending'. */
  outcome: RemoteOutcome;
  /** True when the body carried a valid X-SmartCA-Signature. */
  authenticated: boolean;
}

/** What both the real client and the simulator offer. */
export interface RemoteSigningService {
  readonly simulated: boolean;
  /** A signer for one person (their citizen ID number), optionally one certificate of theirs. */
  signer(userId: string, serialNumber?: string): RemoteSigner;
  /** Reads a callback; throws SigningError 'callback-unauthenticated' (401) when its signature is wrong. */
  parseCallback(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): CallbackResult;
}

export const CALLBACK_SIGNATURE_HEADER = 'x-smartca-signature';

interface Answer {
  httpStatus: number;
  body: { status_code?: number; message?: string; data?: Record<string, unknown> } & Record<string, unknown>;
}

function timeStamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

const WAITING = /wait|pending|processing|progress/i;
const REFUSED = /reject|refus|deny|denied|cancel/i;
const EXPIRED = /expire|timeout|time_out|timed out/i;

/** The outcome an answer (status poll or callback) describes for `documentId`. */
function classify(message: string, files: unknown, documentId: string | null): RemoteOutcome {
  if (/^success$/i.test(message.trim())) {
    const list = Array.isArray(files) ? (files as Array<{ doc_id?: string; signature_value?: string }>) : [];
    const file = list.find((f) => documentId === null || f.doc_id === documentId) ?? (list.length === 1 ? list[0] : undefined);
    if (file?.signature_value) return { status: 'signed', signature: Buffer.from(file.signature_value, 'base64') };
    throw new SigningError('remote-protocol', 'Dịch vụ ký số báo thành công nhưng không trả giá trị chữ ký cho văn bản này');
  }
  if (REFUSED.test(message)) return { status: 'refused', message: 'Người ký đã từ chối yêu cầu ký trên ứng dụng' };
  if (EXPIRED.test(message)) return { status: 'expired', message: 'Yêu cầu ký đã hết hạn mà người ký chưa xác nhận' };
  if (WAITING.test(message)) return { status: 'pending' };
  throw new SigningError('remote-protocol', `Dịch vụ ký số trả lời không rõ: "${message}"`);
}

export function createSmartCaClient(settings: SmartCaSettings, deps: SmartCaDeps): RemoteSigningService {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const timeoutMs = settings.timeoutMs ?? 10_000;
  const newId = deps.newTransactionId ?? (() => `HL-${randomUUID()}`);

  const post = async (path: string, body: Record<string, unknown>): Promise<Answer> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `không trả lời trong ${timeoutMs / 1000} giây` : 'không kết nối được';
      throw new SigningError('remote-unavailable', `Dịch vụ ký số từ xa ${why}; thử lại sau`, 503);
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 500) throw new SigningError('remote-unavailable', `Dịch vụ ký số từ xa đang lỗi (HTTP ${res.status}); thử lại sau`, 503);
    let parsed: Answer['body'];
    try {
      parsed = JSON.parse(text) as Answer['body'];
    } catch {
      throw new SigningError('remote-protocol', `Dịch vụ ký số trả lời không phải JSON (HTTP ${res.status})`, 502);
    }
    const code = typeof parsed.status_code === 'number' ? parsed.status_code : res.status;
    if (res.status === 401 || code === 401) throw new SigningError('remote-refused-request', 'Dịch vụ ký số từ chối thông tin kết nối của đơn vị (sp_id/sp_password)', 502);
    if (res.status === 403 || code === 403) throw new SigningError('remote-refused-request', `Chứng thư số của người ký không hợp lệ tại dịch vụ ký số: ${parsed.message ?? ''}`.trim(), 422);
    if (res.status >= 400 && res.status !== 404) throw new SigningError('remote-protocol', `Dịch vụ ký số trả lỗi HTTP ${res.status}: ${parsed.message ?? ''}`.trim(), 502);
    return { httpStatus: res.status, body: parsed };
  };

  const credentials = () => ({ sp_id: settings.spId, sp_password: settings.spPassword });

  const getCertificates = async (userId: string, serialNumber?: string): Promise<SmartCaCertificate[]> => {
    const answer = await post('/v1/credentials/get_certificate', { ...credentials(), user_id: userId, serial_number: serialNumber ?? '', transaction_id: newId() });
    const list = (answer.body.data?.user_certificates ?? []) as Array<Record<string, unknown>>;
    return list
      .filter((c) => typeof c.cert_data === 'string')
      .map((c) => {
        const chainData = (c.chain_data ?? {}) as Record<string, unknown>;
        const extra = [chainData.ca_cert, chainData.root_cert].filter((x): x is string => typeof x === 'string' && x.length > 0);
        return {
          serialNumber: String(c.serial_number ?? ''),
          chain: [String(c.cert_data), ...extra].map((b64) => Buffer.from(b64.replace(/\s+/g, ''), 'base64')),
          status: typeof c.cert_status === 'string' ? c.cert_status : null,
        };
      });
  };

  return {
    simulated: false,
    signer(userId, serialNumber) {
      let chosen: Promise<SmartCaCertificate> | null = null;
      const certificate = () => {
        chosen ??= getCertificates(userId, serialNumber).then((certs) => {
          const now = deps.now().getTime();
          const usable = certs.filter((c) => (!serialNumber || c.serialNumber.toLowerCase() === serialNumber.toLowerCase()) && validNow(c.chain[0], now));
          if (usable.length === 0) throw new SigningError('remote-no-certificate', 'Người ký không có chứng thư số còn hiệu lực tại dịch vụ ký số từ xa');
          return usable[0];
        });
        chosen.catch(() => (chosen = null));
        return chosen;
      };
      return {
        kind: 'remote',
        async certificateChain() {
          return (await certificate()).chain;
        },
        async requestSignature(request) {
          const cert = await certificate();
          const transactionId = newId();
          const answer = await post('/v1/signatures/sign', {
            ...credentials(),
            user_id: userId,
            transaction_id: transactionId,
            transaction_desc: request.description,
            serial_number: cert.serialNumber,
            time_stamp: timeStamp(deps.now()),
            sign_files: [{ doc_id: request.documentId, file_type: 'pdf', sign_type: 'hash', data_to_be_signed: request.digest.toString('hex') }],
          });
          const tranCode = answer.body.data?.tran_code;
          if (typeof tranCode !== 'string' || !tranCode) throw new SigningError('remote-protocol', `Dịch vụ ký số không nhận yêu cầu: ${answer.body.message ?? 'không có mã giao dịch'}`, 502);
          return { transactionId, requestId: tranCode, documentId: request.documentId };
        },
        async checkRequest(request: RemoteRequest) {
          const answer = await post(`/v1/signatures/sign/${encodeURIComponent(request.requestId)}/status`, {});
          if (answer.httpStatus === 404) return { status: 'expired', message: 'Dịch vụ ký số không còn giữ yêu cầu ký này' };
          return classify(String(answer.body.message ?? ''), answer.body.data?.signatures, request.documentId);
        },
      };
    },
    parseCallback(rawBody, headers) {
      const sent = headers[CALLBACK_SIGNATURE_HEADER];
      const given = Array.isArray(sent) ? sent[0] : sent;
      let authenticated = false;
      if (settings.callbackSecret) {
        const expected = createHmac('sha256', settings.callbackSecret).update(rawBody).digest();
        const provided = Buffer.from(String(given ?? '').replace(/^sha256=/, ''), 'hex');
        if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
          throw new SigningError('callback-unauthenticated', 'Thông báo ký số không có chữ ký xác thực hợp lệ: đã bỏ qua', 401);
        }
        authenticated = true;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new SigningError('remote-protocol', 'Thông báo ký số không phải JSON', 400);
      }
      if (authenticated && body.sp_id !== settings.spId) throw new SigningError('callback-unauthenticated', 'Thông báo ký số gửi cho đơn vị khác', 401);
      const transactionId = typeof body.transaction_id === 'string' ? body.transaction_id : '';
      if (!transactionId) throw new SigningError('remote-protocol', 'Thông báo ký số thiếu transaction_id', 400);
      const files = body.signed_files;
      const first = Array.isArray(files) && files.length > 0 ? (files[0] as { doc_id?: unknown }) : null;
      const documentId = first && typeof first.doc_id === 'string' ? first.doc_id : null;
      const outcome = classify(String(body.message ?? ''), files, documentId);
      if (outcome.status === 'pending') throw new SigningError('remote-protocol', 'Thông báo ký số chưa có kết quả', 400);
      return { transactionId, documentId, outcome, authenticated };
    },
  };
}

function validNow(der: Buffer, now: number): boolean {
  try {
    const c = parseCertificate(der);
    return c.notBefore.getTime() <= now && now <= c.notAfter.getTime();
  } catch {
    return false;
  }
}
