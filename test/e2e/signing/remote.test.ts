/**
 * Remote signing against a local SmartCA-shaped fake: the leader confirms, refuses or lets the
 * request expire; the service is down, failing or slow; callbacks come twice, or forged; two
 * processes poll the same request. And the simulator used when no provider is configured.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoSignaturePng } from '../../../src/signing/demo-images';
import { leaderSignature } from '../../../src/signing/layers';
import { completeSignature, parsePrepared, prepareSignature, serializePrepared } from '../../../src/signing/pades';
import { createSmartCaClient, type RemoteSigningService, type SmartCaSettings } from '../../../src/signing/remote/smartca';
import { createSigningSimulator } from '../../../src/signing/remote/simulator';
import type { RemoteOutcome, RemoteRequest, RemoteSigner } from '../../../src/signing/signer';
import { verifyPdfSignatures } from '../../../src/signing/verify';
import { SmartCaFake } from '../../fakes/smartca-fake';
import { AGENCY_NAME, demoPki, LEADER_NAME, letterPdf, pdfsig, requirePoppler, SIGNING_TIME } from './support';

const USER = '079190001234';
const SECRET = 'callback-secret-of-the-test';

type Coded = Error & { code?: string; status?: number };
const withCode = (code: string, message?: RegExp) => (e: Coded) => {
  assert.equal(e.code, code, `expected error code ${code}, got ${e.code}: ${e.message}`);
  if (message) assert.match(e.message, message);
  return true;
};

/** Our side of the callback: records what arrives, answers as the lead's route would (401 for a forged one). */
class CallbackReceiver {
  readonly received: Array<{ body: Buffer; headers: http.IncomingHttpHeaders }> = [];
  service: RemoteSigningService | null = null;
  private server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.received.push({ body, headers: req.headers });
    try {
      this.service!.parseCallback(body, req.headers);
      res.writeHead(200).end();
    } catch (e) {
      res.writeHead((e as Coded).status ?? 500).end();
    }
  });
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/smartca`;
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('signing: remote signing (SmartCA-shaped fake)', function () {
  this.timeout(120_000);
  let now: Date;
  let fake: SmartCaFake;
  let receiver: CallbackReceiver;
  let pdf: Buffer;
  let settings: SmartCaSettings;
  const clock = () => now;

  before(async function () {
    requirePoppler(this);
    now = SIGNING_TIME;
    receiver = new CallbackReceiver();
    const callbackUrl = await receiver.start();
    fake = new SmartCaFake({ users: [{ userId: USER, name: LEADER_NAME, agencyName: AGENCY_NAME }], now: clock, callbackUrl, callbackSecret: SECRET, callbackCopies: 2 });
    await fake.start();
    pdf = await letterPdf();
    settings = { baseUrl: fake.baseUrl, spId: fake.spId, spPassword: fake.spPassword, callbackSecret: SECRET, timeoutMs: 2000 };
    receiver.service = createSmartCaClient(settings, { now: clock });
  });
  after(async () => {
    await fake?.stop();
    await receiver?.stop();
  });
  beforeEach(() => {
    now = SIGNING_TIME;
    fake.mode = 'up';
    fake.latencyMs = 0;
    fake.requests.clear();
    receiver.received.length = 0;
  });

  /** Prepares the leader's signature and sends the digest; returns what the lead would store. */
  async function start(signer: RemoteSigner): Promise<{ stored: string; request: RemoteRequest }> {
    const chain = await signer.certificateChain();
    const field = leaderSignature({ page: 0, rect: [360, 104, 488, 171], name: LEADER_NAME, signatureImage: demoSignaturePng(), signingTime: now });
    const prepared = await prepareSignature(pdf, { ...field, signingTime: now, certificateChain: chain });
    const request = await signer.requestSignature({ digest: prepared.digest, signedAttributes: prepared.signedAttributes, documentId: 'PXL-05-2026', description: 'Văn bản xin lỗi 05/PXL-TTPVHCC' });
    return { stored: serializePrepared(prepared), request };
  }

  it('the leader confirms: the digest sent is the prepared one, the returned value completes a letter pdfsig accepts', async () => {
    const signer = createSmartCaClient(settings, { now: clock }).signer(USER);
    const { stored, request } = await start(signer);
    const sent = fake.requests.get(request.requestId)!;
    assert.equal(sent.files[0].digest.toString('hex'), parsePrepared(stored).digest.toString('hex'), 'data_to_be_signed is the hex SHA-256 of the signed attributes');
    assert.equal(sent.files[0].doc_id, 'PXL-05-2026');
    assert.deepEqual(await signer.checkRequest(request), { status: 'pending' }, 'before the leader confirms');

    await fake.confirm(request.requestId);
    const outcome = await signer.checkRequest(request);
    assert.equal(outcome.status, 'signed');
    const signed = completeSignature(parsePrepared(stored), (outcome as Extract<RemoteOutcome, { status: 'signed' }>).signature);
    const report = pdfsig(signed);
    assert.ok(report.signatures.length === 1 && report.signatures[0].valid && report.signatures[0].commonName === LEADER_NAME, report.output);
    assert.ok((await verifyPdfSignatures(signed, { trustedRoots: [fake.ca.certificate] })).valid, 'our verifier, trusting the provider’s root');
  });

  it('the leader refuses', async () => {
    const signer = createSmartCaClient(settings, { now: clock }).signer(USER);
    const { request } = await start(signer);
    await fake.refuse(request.requestId);
    assert.deepEqual(await signer.checkRequest(request), { status: 'refused', message: 'Người ký đã từ chối yêu cầu ký trên ứng dụng' });
  });

  it('the leader does not answer in time: the request expires', async () => {
    const signer = createSmartCaClient(settings, { now: clock }).signer(USER);
    const { request } = await start(signer);
    now = new Date(SIGNING_TIME.getTime() + 6 * 60_000);
    assert.deepEqual(await signer.checkRequest(request), { status: 'expired', message: 'Yêu cầu ký đã hết hạn mà người ký chưa xác nhận' });
  });

  it('the service is down or failing: "unavailable" (503), to retry later', async () => {
    fake.mode = 'down';
    await assert.rejects(createSmartCaClient(settings, { now: clock }).signer(USER).certificateChain(), withCode('remote-unavailable', /không kết nối được/));
    fake.mode = 'failing';
    await assert.rejects(createSmartCaClient(settings, { now: clock }).signer(USER).certificateChain(), (e: Coded) => withCode('remote-unavailable', /HTTP 503/)(e) && e.status === 503);
  });

  it('a slow service: within the timeout it works, beyond it the call is abandoned as unavailable', async () => {
    fake.latencyMs = 300;
    const patient = createSmartCaClient({ ...settings, timeoutMs: 3000 }, { now: clock }).signer(USER);
    assert.equal((await patient.certificateChain()).length, 2, 'the certificate and the root come back');
    const hasty = createSmartCaClient({ ...settings, timeoutMs: 100 }, { now: clock }).signer(USER);
    await assert.rejects(hasty.certificateChain(), withCode('remote-unavailable', /không trả lời trong 0.1 giây/));
  });

  it('wrong service credentials are a refusal, not an outage', async () => {
    await assert.rejects(createSmartCaClient({ ...settings, spPassword: 'sai' }, { now: clock }).signer(USER).certificateChain(), withCode('remote-refused-request', /sp_id\/sp_password/));
  });

  it('callbacks: duplicates carry the same outcome and complete to the same bytes; forged ones are refused', async () => {
    const client = createSmartCaClient(settings, { now: clock });
    const { stored, request } = await start(client.signer(USER));
    await fake.confirm(request.requestId);
    assert.equal(receiver.received.length, 2, 'the fake sent the callback twice');
    const results = receiver.received.map((c) => client.parseCallback(c.body, c.headers));
    assert.ok(results.every((r) => r.authenticated && r.transactionId === request.transactionId && r.outcome.status === 'signed'));
    const files = results.map((r) => completeSignature(parsePrepared(stored), (r.outcome as Extract<RemoteOutcome, { status: 'signed' }>).signature));
    assert.ok(files[0].equals(files[1]), 'a duplicate callback yields the very same signed file (idempotent)');

    const genuine = JSON.parse(receiver.received[0].body.toString('utf8')) as Record<string, unknown>;
    assert.equal(await fake.postCallback(genuine, 'not-the-secret'), 401, 'signed with another secret');
    assert.equal(await fake.postCallback(genuine, null), 401, 'not signed at all');
    assert.equal(await fake.postCallback({ ...genuine, message: 'sig_user_rejected', signed_files: [] }, null), 401, 'an unsigned "refused" cannot cancel a signature');

    // Even with the secret leaked, a forged signature value never reaches a letter.
    const forged = { ...genuine, signed_files: [{ doc_id: 'PXL-05-2026', signature_value: Buffer.alloc(256, 7).toString('base64') }] };
    assert.equal(await fake.postCallback(forged), 200, 'a correctly signed callback is accepted as a message…');
    const parsed = client.parseCallback(Buffer.from(JSON.stringify(forged)), { 'x-smartca-signature': receiver.received[receiver.received.length - 1].headers['x-smartca-signature'] });
    assert.throws(() => completeSignature(parsePrepared(stored), (parsed.outcome as Extract<RemoteOutcome, { status: 'signed' }>).signature), withCode('signature-mismatch'), '…but its value does not verify, so it is not embedded');
  });

  it('two processes polling the same request get the same single result', async () => {
    const first = createSmartCaClient(settings, { now: clock });
    const { stored, request } = await start(first.signer(USER));
    const second = createSmartCaClient(settings, { now: clock }); // another process: its own client, only the stored request
    const pollers = [first.signer(USER), second.signer(USER)];
    assert.deepEqual(await Promise.all(pollers.map((p) => p.checkRequest(request))), [{ status: 'pending' }, { status: 'pending' }]);
    await fake.confirm(request.requestId);
    const outcomes = await Promise.all([...pollers, ...pollers].map((p) => p.checkRequest(request)));
    const signatures = outcomes.map((o) => (o.status === 'signed' ? o.signature.toString('hex') : o.status));
    assert.equal(new Set(signatures).size, 1, `every poll returns the same signature: ${signatures.map((s) => s.slice(0, 12)).join(', ')}`);
    const files = outcomes.map((o) => completeSignature(parsePrepared(stored), (o as Extract<RemoteOutcome, { status: 'signed' }>).signature));
    assert.ok(files.every((f) => f.equals(files[0])), 'and the same signed letter');
  });

  describe('simulator (no provider configured)', () => {
    let sim: RemoteSigningService;
    before(async () => {
      const { leader } = await demoPki();
      sim = createSigningSimulator({ now: clock, confirmAfterMs: 3000, credentials: () => ({ privateKey: leader.privateKey, chain: leader.chain }) });
    });

    it('any citizen ID confirms after the simulated delay, with a signature that verifies', async () => {
      const signer = sim.signer('079190001234');
      const { stored, request } = await start(signer);
      assert.deepEqual(await signer.checkRequest(request), { status: 'pending' });
      now = new Date(SIGNING_TIME.getTime() + 3000);
      const outcome = await sim.signer('079190001234').checkRequest(request); // another process, same answer
      assert.equal(outcome.status, 'signed');
      const signed = completeSignature(parsePrepared(stored), (outcome as Extract<RemoteOutcome, { status: 'signed' }>).signature);
      assert.ok(pdfsig(signed).signatures[0].valid);
    });

    it('magic IDs: 000000000002 refuses, 000000000003 expires, 000000000004 is unavailable', async () => {
      for (const [id, status] of [
        ['000000000002', 'refused'],
        ['000000000003', 'expired'],
      ] as const) {
        now = SIGNING_TIME;
        const { request } = await start(sim.signer(id));
        now = new Date(SIGNING_TIME.getTime() + 5000);
        assert.equal((await sim.signer(id).checkRequest(request)).status, status, `${id} → ${status}`);
      }
      await assert.rejects(sim.signer('000000000004').certificateChain(), withCode('remote-unavailable', /mô phỏng/));
    });
  });
});
