/**
 * A local stand-in for a one-stop system (iGate, OpenCPS…) receiving Hẹn Lại's appointment
 * updates, written from docs/interop-outbound.md and not from src/channels/onestop: a fake that
 * shared the sender's code would agree with its mistakes.
 *
 * It checks what a careful receiver checks: the timestamp within its window, the HMAC-SHA256 of
 * "<timestamp>.<body>" under the shared secret (compared in constant time), the idempotency key
 * of the header equal to the body's MaThongBao; and it applies a key once: a call repeating a
 * key already applied is refused with 409 and changes nothing. It answers in the one-stop
 * world's shape, `{error_code, message}` (0 = success).
 *
 * Standalone for the demo:  node --import tsx test/fakes/onestop/receiver.ts
 *   ONESTOP_RECEIVER_PORT (default 8794), ONESTOP_RECEIVER_SECRET (default 'demo-secret').
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake does with the next call, before any check: a scripted failure. */
export type ReceiverScript = { httpStatus: number; body?: string } | 'hang' | 'reset';

export interface ReceiverOptions {
  secret: string;
  /** Accepted distance between the call's timestamp and the receiver's clock (default 300 s). */
  windowSeconds?: number;
  /** Epoch ms; tests pass their fixed clock. */
  clock?: () => number;
}

export interface ReceivedCall {
  key: string;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

/** Every call that reached the fake, and how it answered. */
export interface Arrival {
  status: number;
  answer: { error_code: number; message: string };
  rawBody: string;
  headers: http.IncomingHttpHeaders;
}

export class OnestopReceiver {
  readonly applied: ReceivedCall[] = [];
  readonly arrivals: Arrival[] = [];
  /** Failures to play, one per call, before the normal checks. */
  readonly script: ReceiverScript[] = [];
  private server: http.Server | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly windowSeconds: number;
  private readonly clock: () => number;

  constructor(private readonly options: ReceiverOptions) {
    this.windowSeconds = options.windowSeconds ?? 300;
    this.clock = options.clock ?? Date.now;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the receiver is not listening');
    return `http://127.0.0.1:${address.port}/hen-lai/cap-nhat-ngay-hen`;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return this;
  }

  /** Stops listening: calls then meet a refused connection (the receiver is down). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const scripted = this.script.shift();
    if (scripted === 'hang') return; // never answers: the sender's timeout must fire
    if (scripted === 'reset') {
      req.socket.destroy();
      return;
    }
    if (scripted) {
      res.writeHead(scripted.httpStatus, { 'content-type': 'application/json' });
      res.end(scripted.body ?? JSON.stringify({ error_code: scripted.httpStatus, message: 'Lỗi máy chủ (giả lập)' }));
      return;
    }
    const [status, answer] = this.check(req, rawBody);
    this.arrivals.push({ status, answer, rawBody, headers: req.headers });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(answer));
  }

  private check(req: http.IncomingMessage, rawBody: string): [number, { error_code: number; message: string }] {
    if (req.method !== 'POST') return [405, { error_code: 405, message: 'Chỉ nhận POST' }];
    const ts = String(req.headers['x-henlai-timestamp'] ?? '');
    const signature = String(req.headers['x-henlai-signature'] ?? '');
    const key = String(req.headers['x-henlai-idempotency-key'] ?? '');
    if (!/^\d{1,12}$/.test(ts)) return [401, { error_code: 401, message: 'Thiếu dấu thời gian' }];
    if (Math.abs(this.clock() / 1000 - Number(ts)) > this.windowSeconds) return [401, { error_code: 401, message: 'Dấu thời gian ngoài khoảng cho phép' }];
    const expected = Buffer.from(`sha256=${createHmac('sha256', this.options.secret).update(`${ts}.${rawBody}`, 'utf8').digest('hex')}`);
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return [401, { error_code: 401, message: 'Chữ ký không hợp lệ' }];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      return [400, { error_code: 400, message: 'Nội dung không phải JSON' }];
    }
    if (!key || body.MaThongBao !== key) return [400, { error_code: 400, message: 'Khoá chống trùng không khớp MaThongBao' }];
    if (this.applied.some((c) => c.key === key)) return [409, { error_code: 409, message: `Đã nhận thông báo ${key} trước đó` }];
    if (typeof body.MaHoSo !== 'string' || !/^\d{14}$/.test(String(body.NgayHenTraMoi))) return [400, { error_code: 400, message: 'Thiếu MaHoSo hoặc NgayHenTraMoi sai định dạng' }];
    this.applied.push({ key, body, headers: req.headers });
    return [200, { error_code: 0, message: 'Thành công' }];
  }
}

if (require.main === module) {
  const receiver = new OnestopReceiver({ secret: process.env.ONESTOP_RECEIVER_SECRET ?? 'demo-secret' });
  void receiver.start(Number(process.env.ONESTOP_RECEIVER_PORT ?? 8794)).then((r) => console.log(`one-stop receiver on ${r.url}`));
}
