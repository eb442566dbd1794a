/**
 * A local stand-in for a one-stop system that cannot push: it serves the dossiers changed since
 * a cursor, a page at a time, as docs/interop-outbound.md describes the pull endpoint —
 *
 *   GET <pull_url>?cursor=<opaque, empty at first>&limit=<n>
 *   x-henlai-timestamp: <Unix seconds>, x-henlai-signature: sha256=<HMAC of "<timestamp>.<path and query>">
 *   → 200 {"error_code": 0, "message": "…", "data": [<DongBoHoSoMC dossier>…], "next_cursor": "…", "has_more": true|false}
 *
 * Written from the document, not from the puller. Every change of a dossier gets the next
 * sequence number; a cursor is the last sequence number a page carried, encoded so that the
 * caller treats it as opaque. It can fail on demand (5xx, hang, a non-JSON answer).
 *
 * Standalone for the demo:  node --import tsx test/fakes/onestop/pull.ts
 *   ONESTOP_PULL_PORT (default 8795), ONESTOP_PULL_SECRET (default 'demo-secret').
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type PullScript = { httpStatus: number; body?: string } | 'hang';

export interface PullRequestSeen {
  cursor: string;
  limit: number;
  status: number;
}

export class OnestopPullServer {
  /** Failures to play, one per request, before the normal answer. */
  readonly script: PullScript[] = [];
  readonly requests: PullRequestSeen[] = [];
  private readonly changes: { seq: number; dossier: Record<string, unknown> }[] = [];
  private server: http.Server | null = null;

  constructor(private readonly options: { secret: string; clock?: () => number; windowSeconds?: number }) {}

  /** Records a change of a dossier (a new one, or a new version of one already served). */
  change(dossier: Record<string, unknown>): void {
    this.changes.push({ seq: this.changes.length + 1, dossier });
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the pull server is not listening');
    return `http://127.0.0.1:${address.port}/dvc/ho-so-thay-doi`;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const cursor = url.searchParams.get('cursor') ?? '';
    const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
    const answer = (status: number, body: unknown) => {
      this.requests.push({ cursor, limit, status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const scripted = this.script.shift();
    if (scripted === 'hang') return;
    if (scripted) return answer(scripted.httpStatus, scripted.body ?? { error_code: scripted.httpStatus, message: 'Lỗi máy chủ (giả lập)' });
    const ts = String(req.headers['x-henlai-timestamp'] ?? '');
    const now = (this.options.clock ?? Date.now)() / 1000;
    if (!/^\d{1,12}$/.test(ts) || Math.abs(now - Number(ts)) > (this.options.windowSeconds ?? 300)) return answer(401, { error_code: 401, message: 'Dấu thời gian ngoài khoảng cho phép' });
    const expected = Buffer.from(`sha256=${createHmac('sha256', this.options.secret).update(`${ts}.${url.pathname}${url.search}`, 'utf8').digest('hex')}`);
    const given = Buffer.from(String(req.headers['x-henlai-signature'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return answer(401, { error_code: 401, message: 'Chữ ký không hợp lệ' });
    let after = 0;
    if (cursor) {
      const m = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!m) return answer(400, { error_code: 400, message: 'Con trỏ không hợp lệ' });
      after = Number(m[1]);
    }
    const page = this.changes.filter((c) => c.seq > after).slice(0, limit);
    const last = page[page.length - 1]?.seq ?? after;
    answer(200, {
      error_code: 0,
      message: 'Thành công',
      data: page.map((c) => c.dossier),
      next_cursor: Buffer.from(`seq:${last}`).toString('base64url'),
      has_more: this.changes.some((c) => c.seq > last),
    });
  }
}

if (require.main === module) {
  const server = new OnestopPullServer({ secret: process.env.ONESTOP_PULL_SECRET ?? 'demo-secret' });
  void server.start(Number(process.env.ONESTOP_PULL_PORT ?? 8795)).then((s) => console.log(`one-stop pull endpoint on ${s.url}`));
}
