/**
 * A local stand-in for eSMS's brandname customer-care API, from eSMS's developer documentation
 * (interop.md, "SMS brandname gateways"; eSMS's "Gửi tin chăm sóc khách hàng", "Bảng mã lỗi",
 * "Callback Url") and deliberately not from src/channels/sms: a fake that shares the client's
 * code would agree with its mistakes.
 *
 *   POST <base>/SendMultipleMessage_V4_post_json/  {ApiKey, SecretKey, Phone, Content, Brandname,
 *        SmsType: "2", IsUnicode, Sandbox, RequestId, CallbackUrl}
 *     → 200 {CodeResult: "100", CountRegenerate: 0, SMSID}  or  {CodeResult: "<error>", ErrorMessage}
 *   then GET <CallbackUrl>?SMSID=…&SendStatus=5&SendSuccess=1&SendFailed=0&…&RequestId=…&phonenumber=…
 *
 * What it checks like the real one: credentials (101), price list (102), balance (103, charged per
 * segment), brandname (104), phone format (108), a RequestId seen within 24 hours (124: not sent,
 * not charged). Scripted numbers give the other answers, a hang, or a message the network cannot
 * deliver (accepted, then a failed report).
 *
 * Standalone for the demo: test/fakes/esms-fake.ts.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultState, listenerSwitch, type FakeDelivery, type FaultControls } from './fault';

export const ESMS_BASE_PATH = '/MainService.svc/json';

export type EsmsFakeScript =
  /** Answer this CodeResult (an error code: nothing sent, nothing charged). */
  | { code: string }
  | { httpStatus: number }
  /** Never answer (the client's timeout decides). */
  | 'hang'
  /** Take the message (sent, charged, report sent) but never answer this one request: a lost answer. */
  | 'accept-then-hang-once'
  /** Take it; the network then fails to deliver it (report: SendStatus 5, SendFailed 1). */
  | 'undeliverable';

export interface EsmsFakeOptions {
  apiKey?: string;
  secretKey?: string;
  brandnames?: string[];
  /** In VND; each segment costs `pricePerSegment`. */
  balance?: number;
  pricePerSegment?: number;
  /** An account without a price list answers 102 to everything. */
  hasPriceList?: boolean;
  /** Delay before every answer (benchmarks: 50). */
  latencyMs?: number;
  /** Delay before the delivery report (after the answer); null: no reports at all. */
  reportAfterMs?: number | null;
  /** Each report is sent this many times (the real gateway repeats a callback that timed out). */
  reportTimes?: number;
  /** Phone as the request carries it (0… or 84…) → script. */
  scripted?: Record<string, EsmsFakeScript>;
  /** Epoch ms, for the 24-hour RequestId window; tests pass their fixed clock. */
  clock?: () => number;
  port?: number;
  /** The replay's fault state (seeded); by default one of its own. */
  faults?: FaultState;
  /** false: keep no `messages`, `requests` or `reports` (a province-year would not fit in memory); the delivery log stays. Default true. */
  retain?: boolean;
}

export interface EsmsFakeMessage {
  smsId: string;
  requestId: string;
  phone: string;
  content: string;
  unicode: boolean;
  brandname: string;
  segments: number;
  callbackUrl: string;
  acceptedAt: number;
}

export interface EsmsFakeReport {
  url: string;
  status: number | null;
}

export interface EsmsFake extends FaultControls {
  /** e.g. http://127.0.0.1:8792/MainService.svc/json — what SMS_API_BASE is set to. */
  apiBase: string;
  /** Every message taken (sent and charged), in order. */
  messages: EsmsFakeMessage[];
  /** Every send request received, taken or not. */
  requests: Array<{ requestId: string; phone: string; code: string | null }>;
  /** Every delivery report sent, with our endpoint's HTTP status. */
  reports: EsmsFakeReport[];
  /** Reports our endpoint answered 2xx, and the others (refused, or not reached): counted even when nothing is retained. */
  reportTally(): { taken: number; failed: number };
  balance(): number;
  setScript(phone: string, script: EsmsFakeScript | null): void;
  /** Resolves once every report due so far has been answered. */
  reportsSettled(): Promise<void>;
  close(): Promise<void>;
}

const GSM_EXTENDED = new Set([...'\f^{}\\[~]|€']);

/**
 * Segments as the network bills them: GSM-7 160 septets alone / 153 a part (an extension
 * character costs two); UCS-2 70 / 67. A character outside GSM-7 in a non-Unicode message is
 * replaced by the gateway, one septet.
 */
function segmentsOf(content: string, unicode: boolean): number {
  if (unicode) {
    const units = content.length;
    return units <= 70 ? 1 : Math.ceil(units / 67);
  }
  let septets = 0;
  for (const ch of content) septets += GSM_EXTENDED.has(ch) ? 2 : 1;
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
}

const DAY_MS = 86_400_000;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export async function startEsmsFake(options: EsmsFakeOptions = {}): Promise<EsmsFake> {
  const o = {
    apiKey: 'fake-api-key',
    secretKey: 'fake-secret-key',
    brandnames: ['HENLAI'],
    balance: 1_000_000_000,
    pricePerSegment: 700,
    hasPriceList: true,
    latencyMs: 0,
    reportAfterMs: 20 as number | null,
    reportTimes: 1,
    clock: () => Date.now(),
    port: 0,
    ...options,
  };
  let balance = o.balance;
  const faults = o.faults ?? new FaultState('sms');
  const retain = o.retain ?? true;
  const scripted = new Map<string, EsmsFakeScript>(Object.entries(o.scripted ?? {}));
  const messages: EsmsFakeMessage[] = [];
  const requests: EsmsFake['requests'] = [];
  const reports: EsmsFakeReport[] = [];
  const reportTally = { taken: 0, failed: 0 };
  const seen = new Map<string, number>(); // RequestId → when first taken
  const pending = new Set<Promise<void>>();
  const hanging = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  function sendReport(m: EsmsFakeMessage, delivered: boolean): void {
    if (o.reportAfterMs === null || !m.callbackUrl) return;
    const url = new URL(m.callbackUrl);
    const q = {
      SMSID: m.smsId,
      SendFailed: delivered ? '0' : '1',
      SendStatus: '5',
      SendSuccess: delivered ? '1' : '0',
      TotalPrice: String(m.segments * o.pricePerSegment),
      TotalReceiver: '1',
      TotalSent: '1',
      RequestId: m.requestId,
      TypeId: '2',
      telcoid: '1',
      phonenumber: m.phone,
    };
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
    for (let i = 0; i < o.reportTimes; i++) {
      later(o.reportAfterMs, () => {
        if (closed) return;
        // Each report counted once: by our endpoint's status, or as not reached (null).
        const done = fetch(url, { method: 'GET' })
          .then(
            async (r) => {
              await r.arrayBuffer().catch(() => undefined);
              return r.status;
            },
            () => null,
          )
          .then((status) => {
            if (status !== null && status >= 200 && status < 300) reportTally.taken++;
            else reportTally.failed++;
            if (retain) reports.push({ url: url.toString(), status });
          });
        pending.add(done);
        void done.finally(() => pending.delete(done));
      });
    }
  }

  type Logged = Omit<FakeDelivery, 'provider' | 'realAt' | 'answerLost'>;

  /** Answers after the latency; the delivery is logged then, knowing whether the client still listens. */
  function answer(res: http.ServerResponse, status: number, body: unknown, delivery?: Logged): void {
    later(o.latencyMs + faults.setting.latencyMs, () => {
      const gone = res.writableEnded || res.destroyed;
      if (delivery) faults.record(gone && delivery.outcome === 'accepted' ? { ...delivery, answerLost: true } : delivery);
      if (gone) return;
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(body === null ? '' : JSON.stringify(body));
    });
  }

  const error = (code: string, message: string) => ({ CodeResult: code, CountRegenerate: 0, ErrorMessage: message });

  function handleSend(body: Record<string, unknown>, res: http.ServerResponse): void {
    const requestId = str(body.RequestId);
    const phone = str(body.Phone);
    const log = (code: string | null) => {
      if (retain) requests.push({ requestId, phone, code });
    };
    const refused: Logged = { key: requestId || null, recipient: phone, outcome: 'error' };
    const reply = (code: string, message: string) => {
      log(code);
      answer(res, 200, error(code, message), refused);
    };
    // The gateway's own trouble: an HTTP 503 without a CodeResult, which eSMS's clients retry
    // (docs/sms.md). eSMS's error table has no "try again later" code: each of its codes names a
    // cause that is not transient (credentials, balance, brandname, the number).
    if (faults.failsNow()) {
      log(null);
      return answer(res, 503, null, refused);
    }
    if (!o.hasPriceList) return reply('102', 'Không có bảng giá');
    if (str(body.ApiKey) !== o.apiKey || str(body.SecretKey) !== o.secretKey) return reply('101', 'Sai thông tin ApiKey hoặc SecretKey');
    if (!o.brandnames.includes(str(body.Brandname))) return reply('104', 'Brandname không tồn tại');
    if (str(body.SmsType) !== '2') return reply('99', 'Loại tin không hợp lệ');
    if (!/^(0|84)[35789]\d{8}$/.test(phone)) return reply('108', 'Số điện thoại không đúng định dạng');
    const script = scripted.get(phone);
    if (script === 'hang') {
      log(null);
      hanging.add(res);
      return;
    }
    if (script && typeof script === 'object') {
      log('code' in script ? script.code : null);
      if ('code' in script) answer(res, 200, error(script.code, 'Lỗi theo kịch bản'), refused);
      else answer(res, script.httpStatus, null, refused);
      return;
    }
    const now = o.clock();
    const first = requestId ? seen.get(requestId) : undefined;
    if (first !== undefined && now - first < DAY_MS) return reply('124', 'Trùng RequestId khi gửi tin');
    const content = str(body.Content);
    const unicode = str(body.IsUnicode) === '1';
    const segments = segmentsOf(content, unicode);
    const price = segments * o.pricePerSegment;
    if (balance < price) return reply('103', 'Không đủ số dư để gửi tin');
    balance -= price;
    if (requestId) seen.set(requestId, now);
    const m: EsmsFakeMessage = {
      smsId: randomUUID(),
      requestId,
      phone,
      content,
      unicode,
      brandname: str(body.Brandname),
      segments,
      callbackUrl: str(body.CallbackUrl),
      acceptedAt: now,
    };
    if (retain) messages.push(m);
    log('100');
    sendReport(m, script !== 'undeliverable');
    const taken: Logged = { key: requestId || null, recipient: phone, outcome: 'accepted', segments };
    if (script === 'accept-then-hang-once') {
      scripted.delete(phone);
      hanging.add(res);
      faults.record({ ...taken, answerLost: true });
      return;
    }
    answer(res, 200, { CodeResult: '100', CountRegenerate: 0, SMSID: m.smsId }, taken);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== `${ESMS_BASE_PATH}/SendMultipleMessage_V4_post_json/`) {
        res.writeHead(404).end();
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      handleSend(body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {}, res);
    });
  });
  server.keepAliveTimeout = 5_000;
  const port = await new Promise<number>((resolve) => server.listen(o.port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

  faults.attach(listenerSwitch(server, '127.0.0.1', port));

  return {
    ...faults.controls(),
    apiBase: `http://127.0.0.1:${port}${ESMS_BASE_PATH}`,
    messages,
    requests,
    reports,
    balance: () => balance,
    reportTally: () => ({ ...reportTally }),
    setScript(phone, script) {
      if (script === null) scripted.delete(phone);
      else scripted.set(phone, script);
    },
    async reportsSettled() {
      while (pending.size || [...timers].length) {
        await Promise.all([...pending]);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
