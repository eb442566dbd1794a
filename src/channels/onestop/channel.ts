/**
 * The one-stop channel: tells the system a dossier came from (VNPT iGate, OpenCPS…) the new
 * appointment an apology letter promised, by a signed HTTP POST to the URL configured for that
 * source. The body was fixed when the notice was queued, so every retry carries the same body
 * and idempotency key; only the timestamp and the signature are new each time.
 */
import axios, { type AxiosInstance } from 'axios';
import type { Channel, OutgoingNotice, SendResult } from '../types';
import type { Logger } from '../../logger';
import { realTimeOf, type Clock } from '../../clock';
import { HEADERS, signBody } from './signature';

/** Where and with which secret a source is called; null when the source is gone, disabled or has no URL. */
export type OnestopTarget = { url: string; secret: string } | null;

export interface OnestopChannelDeps {
  /** The source's outbound URL and its shared secret (opened), read at each send: an administrator may change them. */
  target: (sourceCode: string) => Promise<OnestopTarget>;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
}

/** What a one-stop notice's payload holds (see queueing in services/interop-outbound.ts). */
export interface OnestopPayload {
  body: Record<string, unknown> & { MaThongBao: string };
}

export function createOnestopChannel(deps: OnestopChannelDeps): Channel {
  const client: AxiosInstance = axios.create({
    timeout: deps.timeoutMs,
    // An HTTP_PROXY in the environment must not reroute calls inside the province's network.
    proxy: false,
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
  });
  return {
    name: 'onestop',
    simulated: false,
    async send(notice: OutgoingNotice): Promise<SendResult> {
      const { body } = notice.payload as unknown as OnestopPayload;
      const target = await deps.target(notice.recipient);
      if (!target) {
        return { outcome: 'permanent-failure', errorClass: 'onestop:no-target', providerAnswer: `Nguồn ${notice.recipient} không còn hoạt động hoặc chưa có địa chỉ nhận` };
      }
      const text = JSON.stringify(body);
      // Checked by the receiver against its own clock: the machine's time, even on a replay's virtual clock.
      const timestamp = Math.floor(realTimeOf(deps.clock).now().getTime() / 1000);
      try {
        const res = await client.post(target.url, text, {
          headers: {
            'content-type': 'application/json; charset=utf-8',
            [HEADERS.timestamp]: String(timestamp),
            [HEADERS.signature]: signBody(target.secret, timestamp, text),
            [HEADERS.idempotencyKey]: body.MaThongBao,
          },
        });
        return classifyAnswer(res.status, String(res.data ?? ''), res.headers['retry-after'] as string | undefined, deps.clock.now().getTime());
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'unknown';
        const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
        deps.logger.warn({ notice: notice.id, source: notice.recipient, code }, 'onestop: no answer');
        return {
          outcome: 'technical-failure',
          errorClass: timedOut ? 'timeout' : 'connection',
          providerAnswer: timedOut ? 'Hệ thống một cửa không trả lời kịp' : `Không kết nối được với hệ thống một cửa (${code})`,
        };
      }
    },
    async close() {},
  };
}

/**
 * A receiver's answer in the channel's vocabulary. 2xx with `error_code` 0 (or without one) is
 * applied; 409 means the receiver applied this idempotency key already (our earlier try got
 * through, its answer was lost); 408, 429 and 5xx are worth retrying; any other 4xx, or a 2xx
 * whose `error_code` is not 0, is a refusal that retrying will not change.
 */
export function classifyAnswer(status: number, text: string, retryAfter: string | undefined, now: number): SendResult {
  const answer = parseAnswer(text);
  const said = `HTTP ${status}${answer.message ? `: ${answer.message}` : ''}`.slice(0, 500);
  if (status >= 200 && status < 300) {
    if (answer.errorCode === null || answer.errorCode === 0) return { outcome: 'delivered', providerAnswer: said };
    return { outcome: 'permanent-failure', errorClass: `onestop:${answer.errorCode}`, providerAnswer: said };
  }
  if (status === 409) return { outcome: 'delivered', providerAnswer: `${said} (đã nhận ở lần gửi trước)` };
  if (status === 408 || status === 429) {
    const seconds = Number(retryAfter);
    const result: SendResult = { outcome: 'temporary-failure', errorClass: `http:${status}`, providerAnswer: said };
    if (Number.isFinite(seconds) && seconds > 0) result.deferUntil = now + seconds * 1000;
    return result;
  }
  if (status >= 500) return { outcome: 'technical-failure', errorClass: `http:${status}`, providerAnswer: said };
  return { outcome: 'permanent-failure', errorClass: `http:${status}`, providerAnswer: said };
}

function parseAnswer(text: string): { errorCode: number | null; message: string } {
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    const code = body.error_code === undefined || body.error_code === null ? null : Number(body.error_code);
    return { errorCode: Number.isNaN(code) ? null : code, message: typeof body.message === 'string' ? body.message : '' };
  } catch {
    return { errorCode: null, message: text.slice(0, 200) };
  }
}
