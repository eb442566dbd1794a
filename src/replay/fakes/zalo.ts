/**
 * A local stand-in for Zalo with the same wire format (zalo.md): the ZNS API and the OA OAuth
 * server on two loopback ports, as they are two hosts in reality (a client that mixes up its
 * base URLs fails here too), plus a webhook sender that signs like Zalo.
 *
 * Deliberately written from zalo.md and not from src/channels/zalo: a fake that shares the
 * client's code would agree with the client's mistakes.
 *
 * Standalone for the demo: test/fakes/zalo-fake.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultState, listenerSwitch, type FaultControls } from './fault';

export type ZaloFakeScript = { error: number; message: string } | { httpStatus: number } | 'hang';

export interface ZaloFakeTemplate {
  approved: boolean;
  /** Parameter name → maximum length in characters after NFC; every one is required. */
  params: Record<string, number>;
}

export interface ZaloFakeOptions {
  appId?: string;
  appSecret?: string;
  oaSecretKey?: string;
  oaId?: string;
  templates?: Record<string, ZaloFakeTemplate>;
  /** The refresh token that is valid at start (what an administrator's consent produced). */
  refreshToken?: string;
  accessTokenTtlSeconds?: number;
  /** Access tokens valid at that moment stop working after this many more accepted messages. */
  expireAccessTokensAfterSends?: number;
  dailyQuota?: number;
  /** Refuse with -133 between 22:00 and 06:00 Vietnam time, by `clock`. */
  nightWindow?: boolean;
  /** Epoch ms: token expiry and the night window; tests pass their fixed clock. */
  clock?: () => number;
  /** Delay before every answer (benchmarks: 50). */
  latencyMs?: number;
  /** Delay before OAuth answers (default: latencyMs); widens the window for concurrency tests. */
  refreshLatencyMs?: number;
  /** What a reused (voided) refresh token gets: an empty 200 body (default) or error -14014. */
  reusedRefreshAnswer?: 'empty' | 'error';
  /**
   * Demo only: a refresh token this fake never issued is honoured (a restarted fake meets the
   * token its previous run rotated into the demo database). Reused ones are still refused.
   */
  acceptUnknownRefreshTokens?: boolean;
  /** Phone (84…) → scripted answer; merged over DEFAULT_SCRIPTED. */
  scripted?: Record<string, ZaloFakeScript>;
  /**
   * The next this-many API requests that arrive on a kept-alive connection (one that already
   * carried a request) are dropped unread: the socket is destroyed, as a server does when it
   * closes an idle connection at the moment the client reuses it. Nothing is processed.
   */
  dropReusedRequests?: number;
  /** Post a signed delivery receipt here after each accepted message. */
  webhookUrl?: string;
  /** Epoch ms of a receipt's delivery time and timestamp (the replay: its virtual clock); default `clock`. */
  receiptClock?: () => number;
  deliverAfterMs?: number;
  host?: string;
  apiPort?: number;
  oauthPort?: number;
  /** The replay's fault state (seeded); by default one of its own. */
  faults?: FaultState;
  /**
   * false: keep neither `state.requests` nor `state.accepted` (a province-year would not fit in
   * memory); a message is remembered only until its delivery receipt is posted. Default true.
   */
  retain?: boolean;
}

export interface ZaloFakeMessage {
  msgId: string;
  phone: string;
  templateId: string;
  templateData: Record<string, unknown>;
  trackingId: string | undefined;
  mode: string | undefined;
  accessToken: string;
  sentAt: number;
  deliveredAt: number | null;
}

export interface ZaloFakeRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ZaloFakeState {
  /** Every POST /message/template, whatever the answer. */
  sends: number;
  /** Requests dropped unread on a reused connection (see dropReusedRequests). */
  dropped: number;
  /** Delivery receipts our webhook did not take (the server down or killed, or an answer other than 2xx). */
  webhookFailures: number;
  /** Delivery receipts our webhook took (2xx). */
  webhooksTaken: number;
  /** Delivery receipts posted and not yet answered. */
  webhooksInFlight: number;
  /** Every POST /v4/oa/access_token, whatever the answer. */
  refreshCalls: number;
  accepted: ZaloFakeMessage[];
  /** Every request, in order. */
  requests: ZaloFakeRequest[];
  /** The one refresh token that works now. */
  refreshToken: string;
  usedRefreshTokens: Set<string>;
  accessTokens: Map<string, { expiresAt: number }>;
  dailyQuota: number;
  remainingQuota: number;
  /** Accepted messages left before the access tokens valid now are voided (null: never). */
  expireAfterSends: number | null;
}

export interface ZaloFake extends FaultControls {
  apiBase: string;
  oauthBase: string;
  appId: string;
  appSecret: string;
  oaSecretKey: string;
  templateId: string;
  state: ZaloFakeState;
  /** As if an administrator consented again: a new valid refresh token (the old one is voided). */
  newGrant(): string;
  /** A valid access token issued directly (a worker that refreshed earlier). */
  issueAccessToken(): string;
  /** Voids every access token now (Zalo may do so before the stated expiry). */
  expireAccessTokens(): void;
  /** The receipt Zalo would post for an accepted message; marks it delivered for /message/status. */
  deliveryEvent(msgId: string): Record<string, unknown>;
  sendWebhook(url: string, event: Record<string, unknown>, options?: { macPrefix?: boolean; signature?: string }): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

export const FAKE_TEMPLATE_ID = '492946';

/** The same numbers as the channel's simulator, so the demo behaves alike with either. */
export const DEFAULT_SCRIPTED: Record<string, ZaloFakeScript> = {
  '84900000108': { error: -108, message: 'Phone number is invalid' },
  '84900000118': { error: -118, message: 'Zalo account not existed' },
  '84900000114': { error: -114, message: 'User is inactive or rejected the message' },
  '84900000119': { error: -119, message: 'Account cannot receive message' },
  '84900000139': { error: -139, message: 'User refused to receive this message' },
  '84900000140': { error: -140, message: 'OA is not permitted to send to this user' },
  '84900000141': { error: -141, message: 'User cannot receive this message' },
  '84900000100': { error: -100, message: 'Unknown error' },
  '84900000115': { error: -115, message: 'Out of balance' },
  '84900000133': { error: -133, message: 'Cannot send message at night' },
  '84900000144': { error: -144, message: 'OA has reached daily quota' },
  '84900000147': { error: -147, message: 'Template has reached daily quota' },
  '84900000500': { httpStatus: 500 },
  '84900000408': 'hang',
};

const DEFAULT_TEMPLATES: Record<string, ZaloFakeTemplate> = {
  [FAKE_TEMPLATE_ID]: {
    approved: true,
    params: { customer_name: 30, dossier_code: 30, old_date: 20, new_date: 20, agency_name: 30, link: 200 },
  },
  '500001': { approved: false, params: { customer_name: 30 } },
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** Answers JSON and returns the body answered (the delivery log reads its error code). */
function json(res: http.ServerResponse, status: number, body: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
  return body;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startZaloFake(options: ZaloFakeOptions = {}): Promise<ZaloFake> {
  const appId = options.appId ?? '2074138120372622546';
  const appSecret = options.appSecret ?? 'fake-app-secret';
  const oaSecretKey = options.oaSecretKey ?? 'fake-oa-secret-key';
  const oaId = options.oaId ?? '579745863508352884';
  const templates = options.templates ?? DEFAULT_TEMPLATES;
  const scripted = { ...DEFAULT_SCRIPTED, ...(options.scripted ?? {}) };
  const clock = options.clock ?? (() => Date.now());
  const receiptClock = options.receiptClock ?? clock;
  const latency = options.latencyMs ?? 0;
  const refreshLatency = options.refreshLatencyMs ?? latency;
  const ttlMs = (options.accessTokenTtlSeconds ?? 90_000) * 1000;
  const quota = options.dailyQuota ?? 500;
  const host = options.host ?? '127.0.0.1';
  const faults = options.faults ?? new FaultState('zalo');
  const retain = options.retain ?? true;
  const byId = new Map<string, ZaloFakeMessage>();
  let issued = 0;

  const state: ZaloFakeState = {
    sends: 0,
    dropped: 0,
    webhookFailures: 0,
    webhooksTaken: 0,
    webhooksInFlight: 0,
    refreshCalls: 0,
    accepted: [],
    requests: [],
    refreshToken: options.refreshToken ?? `fake-rt-0-${hex(6)}`,
    usedRefreshTokens: new Set(),
    accessTokens: new Map(),
    dailyQuota: quota,
    remainingQuota: quota,
    expireAfterSends: options.expireAccessTokensAfterSends ?? null,
  };
  const timers = new Set<NodeJS.Timeout>();

  function issueAccessToken(): string {
    issued += 1;
    const token = `fake-at-${issued}-${hex(8)}`;
    state.accessTokens.set(token, { expiresAt: clock() + ttlMs });
    return token;
  }

  function validToken(req: http.IncomingMessage): string | null {
    const token = req.headers['access_token'];
    if (typeof token !== 'string') return null;
    const entry = state.accessTokens.get(token);
    return entry && clock() < entry.expiresAt ? token : null;
  }

  function atNight(): boolean {
    const minute = Math.floor((((clock() + VN_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / 60_000);
    return minute >= 22 * 60 || minute < 6 * 60;
  }

  /** The answer sent (undefined: an HTML error page or no answer at all). */
  function sendTemplate(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Record<string, unknown> | undefined {
    state.sends += 1;
    // Zalo's own transient failure (zalo.md: -100, retry with backoff), before anything is sent.
    if (faults.failsNow()) return json(res, 200, { error: -100, message: 'Unknown error' });
    const token = validToken(req);
    if (!token) return json(res, 200, { error: -124, message: 'Access token is invalid' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return json(res, 200, { error: -100, message: 'Request body is not valid JSON' });
    }
    const phone = typeof body.phone === 'string' ? body.phone : '';
    if (!/^84[35789]\d{8}$/.test(phone)) return json(res, 200, { error: -108, message: 'Phone number is invalid' });
    const templateId = String(body.template_id ?? '');
    const template = templates[templateId];
    if (!template) return json(res, 200, { error: -109, message: 'Template id is invalid' });
    if (!template.approved) return json(res, 200, { error: -131, message: 'Template is not approved' });
    const data = (body.template_data ?? {}) as Record<string, unknown>;
    for (const [name, max] of Object.entries(template.params)) {
      const value = data[name];
      if (value === undefined || value === null || String(value) === '') {
        return json(res, 200, { error: -1122, message: `Missing template parameter: ${name}` });
      }
      if ([...String(value).normalize('NFC')].length > max) return json(res, 200, { error: -1121, message: `${name} data breaks max length` });
    }
    const script = scripted[phone];
    if (script === 'hang') return; // never answers; stop() closes the socket
    if (script && 'httpStatus' in script) {
      res.writeHead(script.httpStatus, { 'Content-Type': 'text/html' });
      res.end('<html><body>Internal Server Error</body></html>');
      return undefined;
    }
    if (script) return json(res, 200, script);
    if (options.nightWindow && atNight()) return json(res, 200, { error: -133, message: 'Cannot send message at night' });
    if (state.remainingQuota <= 0) return json(res, 200, { error: -144, message: 'OA has reached daily quota' });

    state.remainingQuota -= 1;
    const message: ZaloFakeMessage = {
      msgId: hex(10),
      phone,
      templateId,
      templateData: data,
      trackingId: typeof body.tracking_id === 'string' ? body.tracking_id : undefined,
      mode: typeof body.mode === 'string' ? body.mode : undefined,
      accessToken: token,
      sentAt: clock(),
      deliveredAt: null,
    };
    if (retain) state.accepted.push(message);
    // Only a receipt to post (or a test reading /message/status) needs the message again.
    if (retain || options.webhookUrl) byId.set(message.msgId, message);
    if (state.expireAfterSends !== null && --state.expireAfterSends <= 0) {
      state.accessTokens.clear();
      state.expireAfterSends = null;
    }
    if (options.webhookUrl) {
      const url = options.webhookUrl;
      const timer = setTimeout(() => {
        timers.delete(timer);
        state.webhooksInFlight += 1;
        fake
          .sendWebhook(url, fake.deliveryEvent(message.msgId))
          .then((answer) => {
            if (answer.status >= 200 && answer.status < 300) state.webhooksTaken += 1;
            else state.webhookFailures += 1;
          })
          .catch((err: unknown) => {
            state.webhookFailures += 1;
            // The replay kills servers on purpose: a lost receipt is counted, not printed.
            if (retain) console.error(`Zalo giả lập: không gửi được webhook: ${String(err)}`);
          })
          .finally(() => {
            state.webhooksInFlight -= 1;
            if (!retain) byId.delete(message.msgId);
          });
      }, options.deliverAfterMs ?? 1000);
      timers.add(timer);
    }
    return json(res, 200, {
      error: 0,
      message: 'Success',
      data: {
        msg_id: message.msgId,
        sent_time: String(message.sentAt),
        sending_mode: '1',
        quota: { dailyQuota: String(state.dailyQuota), remainingQuota: String(state.remainingQuota) },
      },
    });
  }

  function refresh(req: http.IncomingMessage, res: http.ServerResponse, raw: string): unknown {
    state.refreshCalls += 1;
    const form = new URLSearchParams(raw);
    if (req.headers['secret_key'] !== appSecret || form.get('app_id') !== appId) {
      return json(res, 200, { error: -14002, error_name: 'Invalid app id or secret key.' });
    }
    if (form.get('grant_type') !== 'refresh_token') return json(res, 200, { error: -14003, error_name: 'Invalid grant type.' });
    const presented = form.get('refresh_token') ?? '';
    const unknownButAccepted = options.acceptUnknownRefreshTokens === true && presented !== '' && !state.usedRefreshTokens.has(presented);
    if (presented !== state.refreshToken && !unknownButAccepted) {
      if (state.usedRefreshTokens.has(presented) && (options.reusedRefreshAnswer ?? 'empty') === 'empty') {
        res.writeHead(200, { 'Content-Length': 0 });
        res.end();
        return undefined;
      }
      // Zalo sends this error code as a string at times.
      return json(res, 200, { error: '-14014', error_name: 'Invalid refresh token.' });
    }
    state.usedRefreshTokens.add(presented);
    state.usedRefreshTokens.add(state.refreshToken);
    state.refreshToken = `fake-rt-${issued + 1}-${hex(8)}`;
    const accessToken = issueAccessToken();
    json(res, 200, { access_token: accessToken, refresh_token: state.refreshToken, expires_in: String(ttlMs / 1000) });
  }

  async function handle(kind: 'api' | 'oauth', req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (retain) state.requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body: raw });
    const isRefresh = kind === 'oauth' && req.method === 'POST' && url.pathname === '/v4/oa/access_token';
    const delay = (isRefresh ? refreshLatency : latency) + faults.setting.latencyMs;
    if (delay > 0) await sleep(delay);

    if (isRefresh) {
      refresh(req, res, raw);
      return;
    }
    if (kind === 'api' && req.method === 'POST' && url.pathname === '/message/template') {
      const { key, recipient } = keyOf(raw);
      // The client gave up while we were slow, or an outage cut the connection: nothing was sent.
      if (req.socket.destroyed) return faults.record({ key, recipient, outcome: faults.isDown ? 'refused' : 'timeout' });
      const answer = sendTemplate(req, res, raw);
      if (answer !== undefined || res.headersSent) faults.record({ key, recipient, outcome: answer?.error === 0 ? 'accepted' : 'error' });
      return;
    }
    if (kind === 'api' && req.method === 'GET' && url.pathname === '/message/status') {
      if (!validToken(req)) return json(res, 200, { error: -124, message: 'Access token is invalid' });
      const m = byId.get(url.searchParams.get('message_id') ?? '');
      const data = m ? { status: m.deliveredAt ? 1 : 0, delivery_time: m.deliveredAt ? String(m.deliveredAt) : '' } : { status: -1 };
      return json(res, 200, { error: 0, message: 'Success', data });
    }
    if (kind === 'api' && req.method === 'GET' && url.pathname === '/message/quota') {
      if (!validToken(req)) return json(res, 200, { error: -124, message: 'Access token is invalid' });
      return json(res, 200, { error: 0, message: 'Success', data: { dailyQuota: String(state.dailyQuota), remainingQuota: String(state.remainingQuota) } });
    }
    json(res, 404, { error: 404, message: 'Not found' });
  }

  function keyOf(raw: string): { key: string | null; recipient: string } {
    try {
      const body = JSON.parse(raw) as { tracking_id?: unknown; phone?: unknown };
      return { key: typeof body.tracking_id === 'string' ? body.tracking_id : null, recipient: typeof body.phone === 'string' ? body.phone : '' };
    } catch {
      return { key: null, recipient: '' };
    }
  }

  const served = new WeakMap<object, number>();
  let dropReused = options.dropReusedRequests ?? 0;

  function server(kind: 'api' | 'oauth'): http.Server {
    return http.createServer((req, res) => {
      const before = served.get(req.socket) ?? 0;
      served.set(req.socket, before + 1);
      if (kind === 'api' && before > 0 && dropReused > 0) {
        dropReused -= 1;
        state.dropped += 1;
        req.socket.destroy();
        return;
      }
      handle(kind, req, res).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { error: -1, message: String(err) });
      });
    });
  }

  const api = server('api');
  const oauth = server('oauth');
  const apiPort = await listen(api, host, options.apiPort ?? 0);
  const oauthPort = await listen(oauth, host, options.oauthPort ?? 0);
  faults.attach(listenerSwitch(api, host, apiPort), listenerSwitch(oauth, host, oauthPort));

  const fake: ZaloFake = {
    apiBase: `http://${host}:${apiPort}`,
    oauthBase: `http://${host}:${oauthPort}`,
    appId,
    appSecret,
    oaSecretKey,
    templateId: FAKE_TEMPLATE_ID,
    state,
    ...faults.controls(),
    newGrant() {
      state.usedRefreshTokens.add(state.refreshToken);
      state.refreshToken = `fake-rt-consent-${hex(8)}`;
      return state.refreshToken;
    },
    issueAccessToken,
    expireAccessTokens() {
      state.accessTokens.clear();
    },
    deliveryEvent(msgId) {
      const m = byId.get(msgId);
      if (!m) throw new Error(`Zalo giả lập: không có tin ${msgId}`);
      m.deliveredAt ??= receiptClock();
      return {
        sender: { id: oaId },
        recipient: { id: m.phone },
        event_name: 'user_received_message',
        message: { delivery_time: String(m.deliveredAt), msg_id: m.msgId, tracking_id: m.trackingId ?? '' },
        app_id: appId,
        timestamp: String(receiptClock()),
      };
    },
    async sendWebhook(url, event, opts = {}) {
      const raw = JSON.stringify(event);
      const mac = createHash('sha256').update(`${appId}${raw}${String(event.timestamp ?? '')}${oaSecretKey}`, 'utf8').digest('hex');
      const signature = opts.signature ?? (opts.macPrefix === false ? mac : `mac=${mac}`);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-ZEvent-Signature': signature, 'X-ZEvent-Server': 'ZNS' },
        body: raw,
      });
      return { status: res.status, body: await res.text() };
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of [api, oauth]) {
        s.closeAllConnections();
        if (s.listening) await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
  return fake;
}
