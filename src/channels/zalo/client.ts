/**
 * A thin client for Zalo's ZNS and OA OAuth endpoints (zalo.md), and the one function that
 * turns any answer into the channel vocabulary (`classifyZaloAnswer`).
 *
 * The client never throws for what Zalo or the network answer: HTTP errors, timeouts and
 * refused connections all come back as a `ZaloAnswer`, because Zalo reports its own errors as
 * HTTP 200 and every kind of answer has to go through the same classification anyway.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { SendResult } from '../types';
import { instantAt, localDayOf, minuteOfDay, MINUTE_MS } from '../../domain/time';
import { parseAnswerBody } from '../answer-body';

export interface ZaloAnswer {
  /** null when no HTTP answer came back (timeout, refused or reset connection). */
  httpStatus: number | null;
  /** The parsed JSON body; null for an empty body; the text itself when it is not JSON. */
  body: unknown;
  /** Node's or axios's error code when no HTTP answer came back ('ECONNREFUSED', 'ECONNABORTED'…). */
  networkErrorCode: string | null;
}

export interface ZaloTemplateMessage {
  /** 84 followed by nine digits (see zaloPhone). */
  phone: string;
  templateId: string;
  templateData: Record<string, string>;
  /** Ours, at most 48 characters: the notice id. */
  trackingId: string;
  /** Zalo's test mode: only the app's and OA's administrators receive the message. */
  development?: boolean;
}

export interface ZaloClientOptions {
  apiBase: string;
  oauthBase: string;
  appId: string;
  appSecret: string;
  timeoutMs: number;
}

export class ZaloClient {
  private readonly http: AxiosInstance;
  // Keep-alive: a batch of notices would otherwise pay a TLS handshake per message. An idle
  // connection is closed after IDLE_SOCKET_MS (or a second before the server's own Keep-Alive
  // timeout, when it announces a shorter one), so that we seldom write to one the server is
  // closing; `retryOnNewConnection` covers the race that is left.
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32, timeout: IDLE_SOCKET_MS });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32, timeout: IDLE_SOCKET_MS });
  // For the one retry after a reset of a kept-alive connection: a connection of its own.
  private readonly freshHttpAgent = new http.Agent({ keepAlive: false });
  private readonly freshHttpsAgent = new https.Agent({ keepAlive: false });

  constructor(private readonly options: ZaloClientOptions) {
    this.http = axios.create({
      timeout: options.timeoutMs,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // An HTTP_PROXY in the environment must not reroute calls to Zalo (or to the local fake).
      proxy: false,
      // Every status is an answer to classify, not an exception.
      validateStatus: () => true,
      // The raw text: an empty body is itself a meaningful answer of the OAuth server.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
    });
  }

  sendTemplate(accessToken: string, message: ZaloTemplateMessage): Promise<ZaloAnswer> {
    const body: Record<string, unknown> = {
      phone: message.phone,
      template_id: message.templateId,
      template_data: message.templateData,
      tracking_id: message.trackingId,
    };
    if (message.development) body.mode = 'development';
    return this.call((fresh) =>
      this.http.post(`${this.options.apiBase}/message/template`, body, {
        headers: { 'Content-Type': 'application/json', access_token: accessToken },
        ...fresh,
      }),
    );
  }

  messageStatus(accessToken: string, msgId: string): Promise<ZaloAnswer> {
    return this.call((fresh) =>
      this.http.get(`${this.options.apiBase}/message/status`, { params: { message_id: msgId }, headers: { access_token: accessToken }, ...fresh }),
    );
  }

  quota(accessToken: string): Promise<ZaloAnswer> {
    return this.call((fresh) => this.http.get(`${this.options.apiBase}/message/quota`, { headers: { access_token: accessToken }, ...fresh }));
  }

  /**
   * One refresh-token exchange. The caller holds the grant lock; this never retries, not even
   * after a reset kept-alive connection: the refresh token is single-use, and a second try with
   * it after all would break the grant (see tokens.ts).
   */
  refreshAccessToken(refreshToken: string): Promise<ZaloAnswer> {
    const form = new URLSearchParams({ refresh_token: refreshToken, app_id: this.options.appId, grant_type: 'refresh_token' });
    return this.call(
      () =>
        this.http.post(`${this.options.oauthBase}/v4/oa/access_token`, form.toString(), {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', secret_key: this.options.appSecret },
        }),
      false,
    );
  }

  close(): void {
    for (const agent of [this.httpAgent, this.httpsAgent, this.freshHttpAgent, this.freshHttpsAgent]) agent.destroy();
  }

  /**
   * Sends `request`; if it was written on a kept-alive connection that the server reset before
   * answering anything, sends it once more, at once, on a connection of its own
   * (`retryOnNewConnection`). Otherwise that send would wait for the dispatcher's 30 s backoff.
   */
  private async call(request: (fresh?: FreshConnection) => Promise<AxiosResponse<unknown>>, retryOnNewConnection = true): Promise<ZaloAnswer> {
    try {
      return answerOf(await request());
    } catch (err) {
      if (!retryOnNewConnection || !resetBeforeAnswerOnReusedConnection(err)) return networkFailure(err);
    }
    try {
      return answerOf(await request({ httpAgent: this.freshHttpAgent, httpsAgent: this.freshHttpsAgent }));
    } catch (err) {
      return networkFailure(err);
    }
  }
}

/** An idle kept-alive connection is closed after this long: shorter than common servers' own idle timeouts (nginx 75 s, Node 5 s announced). */
const IDLE_SOCKET_MS = 4_000;

type FreshConnection = { httpAgent: http.Agent; httpsAgent: https.Agent };

function answerOf(res: AxiosResponse<unknown>): ZaloAnswer {
  return { httpStatus: res.status, body: parseAnswerBody(res.data), networkErrorCode: null };
}

function networkFailure(err: unknown): ZaloAnswer {
  const code = (err as { code?: unknown }).code;
  return { httpStatus: null, body: null, networkErrorCode: typeof code === 'string' ? code : 'UNKNOWN' };
}

/**
 * The one network failure that is safe to retry at once, even for a message Zalo does not
 * de-duplicate: the request went out on a connection that had already carried an earlier
 * request (`reusedSocket`), and the connection was reset (or closed) before a single byte of
 * answer came back. That is a server closing a connection it considered idle at the moment we
 * reused it — it closed without reading our request. A reset of a new connection, a timeout, or
 * a reset after the answer began is not this case: the server may have taken the message, so
 * those go back to the dispatcher as technical failures (retried later, recorded).
 */
function resetBeforeAnswerOnReusedConnection(err: unknown): boolean {
  const e = err as { code?: unknown; response?: unknown; request?: { reusedSocket?: unknown; res?: unknown } };
  if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') return false;
  return e.response === undefined && e.request?.reusedSocket === true && !e.request.res;
}


/** Zalo's error codes in Vietnamese, for the attempt record that staff read. */
export const ZALO_ERROR_TEXT: Readonly<Record<number, string>> = {
  [-100]: 'Lỗi không xác định phía Zalo',
  [-108]: 'Số điện thoại không hợp lệ',
  [-109]: 'Mã mẫu ZNS không hợp lệ',
  [-131]: 'Mẫu ZNS chưa được Zalo duyệt',
  [-1121]: 'Một tham số dài quá mức tối đa của mẫu',
  [-1122]: 'Thiếu tham số của mẫu',
  [-114]: 'Người nhận không hoạt động, đã từ chối tin hoặc dùng Zalo phiên bản cũ',
  [-115]: 'Tài khoản ZNS của cơ quan đã hết số dư',
  [-118]: 'Số điện thoại chưa có tài khoản Zalo',
  [-119]: 'Tài khoản Zalo của người nhận không thể nhận tin',
  [-139]: 'Người nhận đã từ chối nhận tin',
  [-140]: 'Người nhận không thể nhận tin từ Official Account này',
  [-141]: 'Người nhận không thể nhận tin',
  [-124]: 'Access token không hợp lệ hoặc đã hết hạn',
  [-133]: 'Zalo không gửi tin ban đêm (22:00–06:00 giờ Việt Nam)',
  [-144]: 'Official Account đã dùng hết hạn mức tin trong ngày',
  [-147]: 'Mẫu ZNS đã hết hạn mức gửi trong ngày',
};

/** The errorClass of -124: the channel refreshes the token once and retries once. */
export const ZALO_TOKEN_INVALID = 'zalo:-124';

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const RECIPIENT_REFUSED = new Set([-108, -114, -118, -119, -139, -140, -141]);
const DAY_START = 6 * 60;

/** The next 06:00 in Vietnam after `now`. */
function nextMorning(now: Date): number {
  const minute = minuteOfDay(now);
  // Zalo's clock a few minutes behind ours around 06:00 would otherwise cost a whole day.
  if (minute >= DAY_START && minute < DAY_START + 30) return now.getTime() + 10 * MINUTE_MS;
  const day = localDayOf(now);
  return instantAt(minute < DAY_START ? day : day + 1, DAY_START).getTime();
}

/** Midnight starting the next Vietnam-local day: when Zalo's daily quotas reset. */
function nextMidnight(now: Date): number {
  return instantAt(localDayOf(now) + 1, 0).getTime();
}

function errorCodeOf(body: unknown): number | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const raw = (body as { error?: unknown }).error;
  // Zalo sends numbers as strings in places; "-124" and -124 mean the same.
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isInteger(n) ? n : null;
}

function stringField(obj: unknown, key: string): string | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/**
 * Any answer of POST /message/template → SendResult (zalo.md's table). Pure: `now` only places
 * deferUntil. A -124 comes back as a technical failure with errorClass ZALO_TOKEN_INVALID for the
 * channel to handle (refresh once, retry once); it never reaches the dispatcher as such unless
 * the retry fails too.
 */
export function classifyZaloAnswer(body: unknown, httpStatus: number | null, networkErrorCode: string | null, now: Date): SendResult {
  if (networkErrorCode !== null || httpStatus === null) {
    const code = networkErrorCode ?? 'UNKNOWN';
    if (TIMEOUT_CODES.has(code)) {
      return {
        outcome: 'technical-failure',
        errorClass: 'timeout',
        // The request may have reached Zalo, which does not de-duplicate: say so in the record.
        providerAnswer: 'Zalo không trả lời kịp (hết thời gian chờ); tin có thể đã được gửi',
      };
    }
    return { outcome: 'technical-failure', errorClass: 'connection', providerAnswer: `Không kết nối được Zalo (${code})` };
  }
  if (httpStatus >= 500) {
    return { outcome: 'technical-failure', errorClass: `http:${httpStatus}`, providerAnswer: `Zalo trả lời lỗi máy chủ HTTP ${httpStatus}` };
  }
  const code = errorCodeOf(body);
  if (code === null) {
    if (httpStatus === 401 || httpStatus === 403 || httpStatus === 404 || httpStatus === 405) {
      // Every message would meet the same answer: a wrong ZALO_API_BASE or a blocked app.
      const reason = `Zalo trả lời HTTP ${httpStatus} cho mọi tin: kiểm tra ZALO_API_BASE và ứng dụng Zalo`;
      return { outcome: 'technical-failure', errorClass: `http:${httpStatus}`, providerAnswer: reason, channelDown: reason };
    }
    if (httpStatus < 200 || httpStatus >= 300) {
      return { outcome: 'technical-failure', errorClass: `http:${httpStatus}`, providerAnswer: `Zalo trả lời HTTP ${httpStatus}` };
    }
    return { outcome: 'technical-failure', errorClass: 'zalo:unreadable', providerAnswer: `Zalo trả lời không đọc được (HTTP ${httpStatus})` };
  }

  const zaloMessage = stringField(body, 'message');
  const text = ZALO_ERROR_TEXT[code] ?? 'Mã lỗi Zalo chưa biết';
  const providerAnswer = `Zalo ${code}: ${text}${zaloMessage ? ` («${zaloMessage}»)` : ''}`;
  const errorClass = `zalo:${code}`;

  if (code === 0) {
    const data = (body as { data?: unknown }).data;
    const msgId = stringField(data, 'msg_id');
    return {
      outcome: 'sent',
      providerMessageId: msgId,
      providerAnswer: msgId ? `Zalo đã nhận tin (msg_id ${msgId})` : 'Zalo đã nhận tin (không kèm msg_id)',
    };
  }
  if (RECIPIENT_REFUSED.has(code)) return { outcome: 'permanent-failure', errorClass, providerAnswer, fallback: true };
  if (code === -1121 || code === -1122) {
    // Our bug (the renderer fits every value): still reach the citizen another way.
    return { outcome: 'permanent-failure', errorClass, providerAnswer, fallback: true };
  }
  if (code === -109 || code === -131) {
    return { outcome: 'technical-failure', errorClass, providerAnswer, channelDown: `${providerAnswer}: kiểm tra ZALO_TEMPLATE_NEW_APPOINTMENT` };
  }
  if (code === -115) {
    return { outcome: 'technical-failure', errorClass, providerAnswer, channelDown: `${providerAnswer}: cần nạp thêm tiền cho ZNS` };
  }
  if (code === -133) return { outcome: 'temporary-failure', errorClass, providerAnswer, deferUntil: nextMorning(now) };
  if (code === -144 || code === -147) return { outcome: 'temporary-failure', errorClass, providerAnswer, deferUntil: nextMidnight(now) };
  // -124 (handled by the channel), -100 and codes Zalo may add later: retry with backoff.
  return { outcome: 'technical-failure', errorClass, providerAnswer };
}
