import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SecretBox } from '../../src/services/signing/secrets';
import { InteropSourceRepository } from '../../src/db/interop-sources';
import { InteropInboundRepository } from '../../src/db/interop-inbound';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { AGENCY, PROCEDURE, createTestContext, dossierBody, type TestContext } from '../support/context';
import { OnestopReceiver } from '../fakes/onestop/receiver';

const SECRET = 'khoá-chung-igate-cần-thơ';

/**
 * Issue 16, item 4, through the whole path: an apology issued on a dossier that a one-stop
 * system sent → an update queued in the outbox with the citizen's notice → the dispatcher posts
 * it, signed, to the fake receiver, which checks the signature and the timestamp itself.
 */
describe('telling the one-stop system the new appointment', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let receiver: OnestopReceiver;
  let sourceId: number;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-05T08:00:00+07:00');
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, settings: { ...AGENCY.settings, maxExtensions: 2 } }).expect(201);
    await ctx.api('post', '/api/v1/procedures').send(PROCEDURE).expect(201);
    receiver = await new OnestopReceiver({ secret: SECRET, clock: () => ctx.clock.now().getTime() }).start();
    const sources = new InteropSourceRepository(ctx.db);
    const now = ctx.clock.now().getTime();
    const source = await sources.insert(
      { code: 'IGATE-CT', name: 'Hệ thống một cửa điện tử Cần Thơ', mode: 'push', agencyId: null, outboundUrl: receiver.url, pullUrl: null, dueGoverns: 'ours', enabled: true },
      'test',
      now,
    );
    sourceId = source.id;
    const inbound = new InteropInboundRepository(ctx.db);
    await inbound.setMapping(source.id, 'procedure', 'TTHC-1.009972', Number((await ctx.db('procedures').first('id')).id), 'test', now);
    await inbound.setMapping(source.id, 'agency', '000.00.12.H13', Number((await ctx.db('agencies').where({ code: 'SXD' }).first('id')).id), 'test', now);
    await sources.setCredentials(source.id, { secretSealed: new SecretBox(ctx.config.signing.secretKey).seal({ sharedSecret: SECRET }) }, 'test', now);
  });
  afterEach(async () => {
    await receiver.stop();
    await ctx.close();
  });

  /** A dossier the source pushed, through the inbound ingestion (DongBoHoSoMC). */
  async function fromSource(code: string): Promise<void> {
    const source = await ctx.services.interopSources.get('IGATE-CT', SYSTEM_ACTOR);
    const [result] = await ctx.services.interopInbound.receive(
      source,
      'DongBoHoSoMC',
      [{ MaHoSo: code, MaTTHC: 'TTHC-1.009972', DonViXuLy: '000.00.12.H13', ChuHoSo: 'Nguyễn Văn An', SoDienThoai: '0912345678', NgayTiepNhan: '20260202080000', TrangThaiHoSo: 2 }],
      { name: 'nguồn IGATE-CT', agencyId: null, role: 'integration' },
    );
    assert.equal(result?.error_code, 0, `the source's dossier should be taken: ${result?.message}`);
  }
  async function issue(code: string, body: Record<string, unknown> = {}): Promise<{ id: number; letterNumber: string; citizenLink: string }> {
    const d = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send(body).expect(201);
    const a = await ctx.api('post', `/api/v1/apologies/${d.body.id}/approve`).expect(200);
    return a.body;
  }
  const onestopMessages = async () =>
    (await ctx.api('get', '/api/v1/messages?channel=onestop&status=created,sending,sent,delivered,temporary-failure,technical-failure,permanent-failure,cancelled').expect(200)).body
      .items as { id: number; status: string; recipient: string; apologyId: number }[];

  it('posts the dossier code, both dates, the reason, the letter number and its link, signed; once', async () => {
    await fromSource('H13.01-260202-0001');
    const a = await issue('H13.01-260202-0001', { reason: 'Cần lấy ý kiến của cơ quan, đơn vị có liên quan' });
    await ctx.services.dispatcher.runOnce();
    assert.equal(receiver.applied.length, 1, 'the one-stop system should receive the update exactly once');
    const call = receiver.applied[0] as (typeof receiver.applied)[number];
    assert.deepEqual(
      { ...call.body, DuongDanVanBan: undefined },
      {
        MaThongBao: `apology:${a.id}:onestop:IGATE-CT`,
        LoaiThongBao: 'HenLaiNgayTra',
        MaHoSo: 'H13.01-260202-0001',
        NgayHenTraTruoc: '20260309170000',
        NgayHenTraMoi: '20260316170000',
        LyDo: 'Cần lấy ý kiến của cơ quan, đơn vị có liên quan',
        SoVanBan: '01/PXL-SXD',
        NgayBanHanh: '20260305080000',
        LanHenLai: 1,
        DuongDanVanBan: undefined,
      },
    );
    assert.match(String(call.body.DuongDanVanBan), /^http:\/\/[^/]+\/c\/[\w-]+\/letter\.pdf$/, 'a link to the signed letter');
    // An independent check of the signature, beside the fake's own.
    const ts = String(call.headers['x-henlai-timestamp']);
    assert.equal(call.headers['x-henlai-signature'], `sha256=${createHmac('sha256', SECRET).update(`${ts}.${JSON.stringify(call.body)}`).digest('hex')}`);
    await ctx.services.dispatcher.runOnce();
    assert.equal(receiver.arrivals.length, 1, 'a delivered update is never posted again');
    const shown = await onestopMessages();
    assert.deepEqual(shown.map((m) => [m.status, m.recipient, m.apologyId]), [['delivered', 'IGATE-CT', a.id]], 'the update is on the messages list');
  });

  it('retries while the receiver is down, and delivers once it is back', async () => {
    await fromSource('H13.01-260202-0002');
    const port = Number(new URL(receiver.url).port);
    await receiver.stop();
    await issue('H13.01-260202-0002');
    await ctx.services.dispatcher.runOnce();
    assert.deepEqual((await onestopMessages()).map((m) => m.status), ['technical-failure']);
    await receiver.start(port);
    await ctx.services.dispatcher.runOnce();
    assert.equal(receiver.arrivals.length, 0, 'not before its backoff has passed');
    ctx.clock.advance(10 * 60_000);
    await ctx.services.dispatcher.runOnce();
    ctx.clock.advance(60 * 60_000);
    await ctx.services.dispatcher.runOnce();
    assert.equal(receiver.applied.length, 1);
    assert.deepEqual((await onestopMessages()).map((m) => m.status), ['delivered']);
  });

  it('fails for good, shown on the messages list, when the receiver refuses the signature', async () => {
    await fromSource('H13.01-260202-0003');
    await new InteropSourceRepository(ctx.db).setCredentials(sourceId, { secretSealed: new SecretBox(ctx.config.signing.secretKey).seal({ sharedSecret: 'khoá-cũ-đã-đổi' }) }, 'test', ctx.clock.now().getTime());
    await issue('H13.01-260202-0003');
    await ctx.services.dispatcher.runOnce();
    assert.equal(receiver.applied.length, 0, 'a call with a wrong signature changes nothing on the receiver');
    const [shown] = await onestopMessages();
    assert.equal(shown?.status, 'permanent-failure');
    const detail = await ctx.api('get', `/api/v1/messages/${shown?.id}`).expect(200);
    assert.match(JSON.stringify(detail.body), /401.*Chữ ký không hợp lệ/);
  });

  it('a later letter supersedes the earlier one: its unsent update is cancelled, the new one names it', async () => {
    await fromSource('H13.01-260202-0004');
    // No outbox run between the two letters: the first update is still waiting when the second comes.
    const first = await issue('H13.01-260202-0004');
    ctx.clock.set(new Date('2026-03-13T08:00:00+07:00'));
    const second = await issue('H13.01-260202-0004', { newDueDate: '2026-03-20' });
    await ctx.services.dispatcher.runOnce();
    assert.deepEqual(
      receiver.applied.map((c) => [c.body.SoVanBan, c.body.NgayHenTraTruoc, c.body.NgayHenTraMoi, c.body.ThayTheVanBan, c.body.LanHenLai]),
      [['02/PXL-SXD', '20260316170000', '20260320170000', '01/PXL-SXD', 2]],
      'only the promise in force reaches the source, naming the letter it replaces',
    );
    const shown = await onestopMessages();
    assert.deepEqual(shown.map((m) => [m.apologyId, m.status]).sort(), [[first.id, 'cancelled'], [second.id, 'delivered']].sort());
  });

  it('tells the source each letter in turn when the first went out before the second', async () => {
    await fromSource('H13.01-260202-0005');
    await issue('H13.01-260202-0005');
    await ctx.services.dispatcher.runOnce();
    ctx.clock.set(new Date('2026-03-13T08:00:00+07:00'));
    await issue('H13.01-260202-0005', { newDueDate: '2026-03-20' });
    await ctx.services.dispatcher.runOnce();
    assert.deepEqual(receiver.applied.map((c) => [c.body.SoVanBan, c.body.ThayTheVanBan ?? null]), [['01/PXL-SXD', null], ['02/PXL-SXD', '01/PXL-SXD']]);
  });

  it('sends nothing for a cancelled draft, nor for a dossier no source sent', async () => {
    await fromSource('H13.01-260202-0006');
    const draft = await ctx.api('post', '/api/v1/dossiers/H13.01-260202-0006/apologies').send({}).expect(201);
    await ctx.api('post', `/api/v1/apologies/${draft.body.id}/cancel`).send({ reason: 'Soạn nhầm ngày hẹn' }).expect(200);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'QUAY-0001', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    await issue('QUAY-0001');
    await ctx.services.dispatcher.runOnce();
    assert.deepEqual(await onestopMessages(), []);
    assert.equal(receiver.arrivals.length, 0);
  });
});
