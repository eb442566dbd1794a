/**
 * A local stand-in for a VNPT SmartCA-style remote signing gateway, written from the wire format
 * in signing.md (and VNPT's sp769 integration guide), not from src/signing/remote: a fake that
 * shared the client's code would agree with its mistakes.
 *
 * - POST /v1/credentials/get_certificate, /v1/signatures/sign, /v1/signatures/sign/{tran_code}/status.
 * - Users have certificates issued by a test CA (RSA 2048); a confirmed request is signed with
 *   the user's key over the digest sent (PKCS#1 v1.5, SHA-256), once: every poll then returns
 *   the same signature_value.
 * - The test decides what the user does: confirm, refuse, let it expire; or the service is down
 *   (connections dropped), failing (HTTP 503) or slow. Or `phone` answers for the user when the
 *   request arrives, at an instant of the fake's clock (the replay's staff model): the answer
 *   takes effect once that instant is reached, and only if it comes before the request expires,
 *   whichever the poll or the end of the run comes first. Each settled request posts a callback to
 *   `callbackUrl` (X-SmartCA-Signature: hex HMAC-SHA256 of the body with `callbackSecret`),
 *   `callbackCopies` times (duplicates happen in real life).
 */
import { createHmac, constants, privateEncrypt, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDemoCa, type DemoCa } from '../../signing/demo-ca';
import { FaultState, listenerSwitch, type FakeDelivery, type FaultControls, type FaultSetting } from './fault';

export interface SmartCaFakeUser {
  userId: string;
  name: string;
  agencyName: string;
  /** Default: valid around `now`. */
  notBefore?: Date;
  notAfter?: Date;
}

export interface SmartCaFakeOptions {
  spId?: string;
  spPassword?: string;
  users: SmartCaFakeUser[];
  now: () => Date;
  /** A request not confirmed within this time expires (default 5 minutes). */
  expireAfterMs?: number;
  latencyMs?: number;
  callbackUrl?: string;
  callbackSecret?: string;
  callbackCopies?: number;
  /** The replay's fault state (seeded); by default one of its own. */
  faults?: FaultState;
  /** What the user will do on the phone, decided when the request arrives; null: never answers (it expires). */
  phone?: (request: { userId: string; createdAt: number; description: string }) => PhoneAnswer | null;
}

/** The user's answer on the phone and when (epoch ms of the fake's clock). */
export interface PhoneAnswer {
  answer: 'confirm' | 'refuse';
  at: number;
}

/** How the requests stand at the fake's now: its own word on who confirmed, refused or let a request expire. */
export type RequestTally = Record<RequestState, number>;

type RequestState = 'pending' | 'confirmed' | 'refused' | 'expired';

interface SignRequest {
  tranCode: string;
  transactionId: string;
  userId: string;
  createdAt: number;
  files: Array<{ doc_id: string; digest: Buffer }>;
  state: RequestState;
  signatures: Array<{ doc_id: string; signature_value: string }>;
  /** The phone's answer, not yet reached on the fake's clock. */
  answer: PhoneAnswer | null;
}

interface UserKeys {
  serial: string;
  certificate: Buffer;
  chain: Buffer[];
  key: KeyObject;
}

const DIGEST_INFO_SHA256 = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export class SmartCaFake implements FaultControls {
  readonly spId: string;
  readonly spPassword: string;
  ca!: DemoCa;
  latencyMs: number;
  /** 'down': connections are dropped; 'failing': HTTP 503. */
  mode: 'up' | 'down' | 'failing' = 'up';
  readonly requests = new Map<string, SignRequest>();
  readonly callbacksSent: Array<{ status: number | string; body: string }> = [];
  private readonly users = new Map<string, UserKeys>();
  private server: http.Server | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly faults: FaultState;

  constructor(private readonly options: SmartCaFakeOptions) {
    this.spId = options.spId ?? 'sp-henlai-test';
    this.spPassword = options.spPassword ?? 'sp-secret';
    this.latencyMs = options.latencyMs ?? 0;
    this.faults = options.faults ?? new FaultState('signing');
  }

  setFault(setting: Partial<FaultSetting>): Promise<void> {
    return this.faults.set(setting);
  }

  fault(): FaultSetting {
    return { ...this.faults.setting };
  }

  /** One entry per signature request (key: our transaction_id); status polls are not deliveries. */
  deliveries(): FakeDelivery[] {
    return this.faults.deliveries();
  }

  get baseUrl(): string {
    const port = (this.server!.address() as AddressInfo).port;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.ca = await createDemoCa({ now: this.options.now() });
    for (const u of this.options.users) {
      const issued = await this.ca.issueLeader({ name: u.name, agencyName: u.agencyName }, { password: 'x', notBefore: u.notBefore, notAfter: u.notAfter });
      const serial = new X509Certificate(issued.certificate).serialNumber;
      this.users.set(u.userId, { serial, certificate: issued.certificate, chain: issued.chain, key: issued.privateKey });
    }
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.faults.attach(listenerSwitch(this.server, '127.0.0.1', (this.server.address() as AddressInfo).port));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  certificateOf(userId: string): Buffer {
    return this.users.get(userId)!.certificate;
  }

  /** The only request of a user (tests start one at a time). */
  requestOf(userId: string): SignRequest {
    const all = [...this.requests.values()].filter((r) => r.userId === userId);
    if (all.length !== 1) throw new Error(`expected one request for ${userId}, found ${all.length}`);
    return all[0];
  }

  async confirm(tranCode: string): Promise<void> {
    const r = this.requests.get(tranCode)!;
    if (r.state !== 'pending') return;
    this.sign(r);
    await this.sendCallbacks(r);
  }

  /** Every request by where it stands now (a phone answer or an expiry due by now is applied first). */
  tally(): RequestTally {
    const counts: RequestTally = { pending: 0, confirmed: 0, refused: 0, expired: 0 };
    for (const r of this.requests.values()) counts[this.stateOf(r)]++;
    return counts;
  }

  private sign(r: SignRequest): void {
    const key = this.users.get(r.userId)!.key;
    r.signatures = r.files.map((f) => ({
      doc_id: f.doc_id,
      signature_value: privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO_SHA256, f.digest])).toString('base64'),
    }));
    r.state = 'confirmed';
  }

  async refuse(tranCode: string): Promise<void> {
    const r = this.requests.get(tranCode)!;
    if (r.state !== 'pending') return;
    r.state = 'refused';
    await this.sendCallbacks(r);
  }

  /** Sends a callback as the service would, or a forged one (wrong secret / no signature / altered body). */
  async postCallback(body: Record<string, unknown>, signWith: string | null = this.options.callbackSecret ?? null): Promise<number> {
    const raw = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signWith) headers['x-smartca-signature'] = createHmac('sha256', signWith).update(raw).digest('hex');
    const res = await fetch(this.options.callbackUrl!, { method: 'POST', headers, body: raw });
    this.callbacksSent.push({ status: res.status, body: raw });
    return res.status;
  }

  callbackBody(r: SignRequest): Record<string, unknown> {
    const message = r.state === 'confirmed' ? 'SUCCESS' : r.state === 'refused' ? 'sig_user_rejected' : 'sig_expired';
    return { sp_id: this.spId, status_code: 200, message, transaction_id: r.transactionId, signed_files: r.state === 'confirmed' ? r.signatures.map((s) => ({ ...s, timestamp_signature: null })) : r.files.map((f) => ({ doc_id: f.doc_id })) };
  }

  private async sendCallbacks(r: SignRequest): Promise<void> {
    if (!this.options.callbackUrl) return;
    for (let i = 0; i < (this.options.callbackCopies ?? 1); i++) await this.postCallback(this.callbackBody(r));
  }

  private stateOf(r: SignRequest): RequestState {
    if (r.state !== 'pending') return r.state;
    const now = this.options.now().getTime();
    const expiresAt = r.createdAt + (this.options.expireAfterMs ?? 5 * 60_000);
    const answer = r.answer;
    if (answer && answer.at <= now && answer.at <= expiresAt) {
      r.answer = null;
      if (answer.answer === 'confirm') this.sign(r);
      else r.state = 'refused';
    } else if (now > expiresAt) r.state = 'expired';
    return r.state;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.mode === 'down') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const latency = this.latencyMs + this.faults.setting.latencyMs;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    let body: Record<string, unknown> = {};
    let parsed = true;
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      parsed = false;
    }
    const url = req.url ?? '';
    const isSign = req.method === 'POST' && url === '/v1/signatures/sign';
    const delivery = { key: typeof body.transaction_id === 'string' ? body.transaction_id : null, recipient: String(body.user_id ?? '') };
    const send = (status: number, answer: { status_code: number; message: string; data?: unknown }) => {
      if (isSign) {
        const gone = res.destroyed;
        const taken = status === 200;
        if (gone && !taken) this.faults.record({ ...delivery, outcome: this.faults.isDown ? 'refused' : 'timeout' });
        else this.faults.record({ ...delivery, outcome: taken ? 'accepted' : 'error', ...(gone ? { answerLost: true } : {}) });
      }
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    };
    if (this.mode === 'failing' || this.faults.failsNow()) return send(503, { status_code: 500, message: 'SERVER_INTERNAL_ERROR' });
    if (!parsed) return send(400, { status_code: 400, message: 'BAD_REQUEST' });
    const status = /^\/v1\/signatures\/sign\/([^/]+)\/status$/.exec(url);
    if (req.method === 'POST' && status) {
      const r = this.requests.get(decodeURIComponent(status[1]));
      if (!r) return send(404, { status_code: 404, message: 'TRANSACTION_NOT_FOUND' });
      const state = this.stateOf(r);
      if (state === 'confirmed') return send(200, { status_code: 200, message: 'SUCCESS', data: { transaction_id: r.transactionId, signatures: r.signatures.map((s) => ({ ...s, timestamp_signature: null })) } });
      const message = state === 'pending' ? 'sig_wait_for_user_confirm' : state === 'refused' ? 'sig_user_rejected' : 'sig_expired';
      return send(200, { status_code: 200, message, data: { transaction_id: r.transactionId, tran_code: r.tranCode } });
    }
    if (body.sp_id !== this.spId || body.sp_password !== this.spPassword) return send(401, { status_code: 401, message: 'SP_CREDENTIAL_INVALID' });
    const user = this.users.get(String(body.user_id));
    if (req.method === 'POST' && url === '/v1/credentials/get_certificate') {
      if (typeof body.transaction_id !== 'string' || !body.transaction_id) return send(400, { status_code: 400, message: 'BAD_REQUEST' });
      const certs = user && (!body.serial_number || body.serial_number === user.serial) ? [user] : [];
      return send(200, {
        status_code: 200,
        message: 'Success',
        data: {
          user_certificates: certs.map((u) => ({
            service_type: 'SMARTCA',
            cert_status: 'Đang hoạt động',
            serial_number: u.serial,
            cert_data: u.certificate.toString('base64'),
            chain_data: { ca_cert: null, root_cert: u.chain[1].toString('base64') },
            transaction_id: body.transaction_id,
          })),
        },
      });
    }
    if (req.method === 'POST' && url === '/v1/signatures/sign') {
      const files = body.sign_files as Array<Record<string, unknown>> | undefined;
      const valid =
        typeof body.transaction_id === 'string' &&
        /^\d{14}Z$/.test(String(body.time_stamp ?? '')) &&
        Array.isArray(files) &&
        files.length > 0 &&
        files.every((f) => f.sign_type === 'hash' && f.file_type === 'pdf' && typeof f.doc_id === 'string' && /^[0-9a-f]{64}$/i.test(String(f.data_to_be_signed ?? '')));
      if (!valid) return send(400, { status_code: 400, message: 'BAD_REQUEST' });
      if (!user || body.serial_number !== user.serial) return send(403, { status_code: 403, message: 'CREDENTIAL_STATUS_INVALID' });
      const tranCode = randomUUID();
      const createdAt = this.options.now().getTime();
      const userId = String(body.user_id);
      this.requests.set(tranCode, {
        tranCode,
        transactionId: String(body.transaction_id),
        userId,
        createdAt,
        files: files!.map((f) => ({ doc_id: String(f.doc_id), digest: Buffer.from(String(f.data_to_be_signed), 'hex') })),
        state: 'pending',
        signatures: [],
        answer: this.options.phone?.({ userId, createdAt, description: typeof body.transaction_desc === 'string' ? body.transaction_desc : '' }) ?? null,
      });
      return send(200, { status_code: 200, message: 'sig_wait_for_user_confirm', data: { transaction_id: body.transaction_id, tran_code: tranCode } });
    }
    send(404, { status_code: 404, message: 'NOT_FOUND' });
  }
}
