/**
 * Reads the pull endpoint of a one-stop system that cannot push (docs/interop-outbound.md):
 * the dossiers changed since a cursor, a page at a time. The request is signed like the outbound
 * calls, over the path and query instead of a body, so the source can tell it is Hẹn Lại asking.
 */
import axios from 'axios';
import { realTimeOf, type Clock } from '../../clock';
import { HEADERS, signBody } from './signature';

export interface PullPage {
  items: unknown[];
  nextCursor: string | null;
  hasMore: boolean;
}

/** A poll that did not give a usable page: the endpoint down, slow, refusing, or answering nonsense. */
export class PullError extends Error {}

export type PullClient = (request: { url: string; secret: string; cursor: string | null; limit: number }) => Promise<PullPage>;

export function createPullClient(deps: { clock: Clock; timeoutMs: number }): PullClient {
  const http = axios.create({ timeout: deps.timeoutMs, proxy: false, validateStatus: () => true, responseType: 'text', transformResponse: [(d: unknown) => d], maxRedirects: 0 });
  return async ({ url, secret, cursor, limit }) => {
    const target = new URL(url);
    target.searchParams.set('cursor', cursor ?? '');
    target.searchParams.set('limit', String(limit));
    // Checked by the source against its own clock: the machine's time, even on a replay's virtual clock.
    const timestamp = Math.floor(realTimeOf(deps.clock).now().getTime() / 1000);
    let res;
    try {
      res = await http.get(target.toString(), {
        headers: { [HEADERS.timestamp]: String(timestamp), [HEADERS.signature]: signBody(secret, timestamp, `${target.pathname}${target.search}`) },
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unknown';
      throw new PullError(code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'Hệ thống một cửa không trả lời kịp' : `Không kết nối được với hệ thống một cửa (${code})`);
    }
    return pageOf(res.status, String(res.data ?? ''));
  };
}

/** The answer checked against the documented shape; anything else is a PullError naming what is wrong. */
export function pageOf(status: number, text: string): PullPage {
  let body: { error_code?: unknown; message?: unknown; data?: unknown; next_cursor?: unknown; has_more?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new PullError(`HTTP ${status}: câu trả lời không phải JSON`);
  }
  const message = typeof body.message === 'string' ? `: ${body.message}` : '';
  if (status < 200 || status >= 300) throw new PullError(`HTTP ${status}${message}`);
  if (body.error_code !== undefined && Number(body.error_code) !== 0) throw new PullError(`error_code ${String(body.error_code)}${message}`);
  if (!Array.isArray(body.data)) throw new PullError('Câu trả lời thiếu "data" (danh sách hồ sơ)');
  if (body.next_cursor !== undefined && body.next_cursor !== null && typeof body.next_cursor !== 'string') throw new PullError('"next_cursor" phải là chuỗi');
  return { items: body.data, nextCursor: (body.next_cursor as string | null | undefined) ?? null, hasMore: body.has_more === true };
}
