import assert from 'node:assert/strict';
import type { Actor } from '../../../src/domain/actor';
import type { DemoCa } from '../../../src/signing';
import type { SmartCaFake } from '../../fakes/smartca-fake';
import { AGENCY, type TestContext } from '../../support/context';
import { assertIssuedOnce, CALLBACK_SECRET, signingSteps, withRemoteSigning } from './signing-support';

const CODE = 'H13.01-260202-0001';
const LEADER = 'Trần Văn Bình';
const CCCD = '092080001234';

describe('signed letters: the leader confirms a remote signature (SmartCA fake)', function () {
  this.timeout(120_000);
  const rig = withRemoteSigning({ userId: CCCD, name: LEADER }, LEADER, [CODE]);
  let ctx: TestContext;
  let ca: DemoCa;
  let fake: SmartCaFake;
  let leader: Actor;

  beforeEach(async () => {
    ({ ctx, ca, fake, leader } = rig);
    const agency = await ctx.services.registry.agency(AGENCY.code);
    const settings = ctx.services.signingSettings;
    await settings.connectAgencyRemote(agency.id, { baseUrl: fake.baseUrl, spId: fake.spId, spPassword: fake.spPassword, callbackSecret: CALLBACK_SECRET, userId: '' }, 'test');
    const org = await ca.issueAgency(AGENCY.name, { password: 'p-co-quan' });
    await settings.installCertificate({ kind: 'agency', id: agency.id }, { organization: AGENCY.name }, org.p12, 'p-co-quan', 'test');
    await settings.connectLeaderRemote(rig.leaderId, CCCD, '', 'test');
  });

  const draftAndApprove = async () => {
    const { id } = (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(CODE)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201)).body as { id: number };
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    const view = await ctx.services.apologyWorkflow.approve(id, leader);
    return { id, view };
  };
  const outcomes = (id: number) => signingSteps(ctx, id);

  it('waits ("chờ ký số") with nothing sent, and issues once the leader confirms — duplicate callbacks change nothing', async () => {
    const { id, view } = await draftAndApprove();
    assert.equal(view.apology.status, 'draft');
    assert.equal((await ctx.services.signing.state(id))?.state, 'leader-waiting');
    assert.equal((await ctx.services.notices.forApology(id)).length, 0, 'nothing queued before the signature');
    await fake.confirm(fake.requestOf(CCCD).tranCode); // two authenticated callbacks
    await assertIssuedOnce(ctx, leader, id, ['leader:requested', 'leader:confirmed', 'agency:signed']);
    assert.deepEqual(fake.callbacksSent.slice(-2).map((c) => c.status), [200, 200]);
  });

  it('two processes polling the same request issue it once', async () => {
    rig.acceptCallbacks = false;
    const { id } = await draftAndApprove();
    await fake.confirm(fake.requestOf(CCCD).tranCode);
    await Promise.all([ctx.services.apologyWorkflow.continueSigning(id), ctx.services.apologyWorkflow.continueSigning(id)]);
    await assertIssuedOnce(ctx, leader, id, ['leader:requested', 'leader:confirmed', 'agency:signed']);
  });

  it('a refusal returns the draft to the leader with the reason; nothing is sent', async () => {
    const { id } = await draftAndApprove();
    await fake.refuse(fake.requestOf(CCCD).tranCode);
    const a = await ctx.services.apologies.get(id, leader);
    assert.equal(a.apology.status, 'draft');
    const state = await ctx.services.signing.state(id);
    assert.equal(state?.state, 'returned');
    assert.match(state?.message ?? '', /từ chối/);
    assert.equal(a.notices.length, 0);
    assert.deepEqual(await outcomes(id), ['leader:requested', 'leader:refused']);
  });

  it('an expired request is recorded and returned; the leader may approve again', async () => {
    rig.acceptCallbacks = false;
    const { id } = await draftAndApprove();
    ctx.clock.advance(6 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    const state = await ctx.services.signing.state(id);
    assert.equal(state?.state, 'returned');
    assert.match(state?.message ?? '', /hết hạn/);
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'draft');
    fake.requests.clear();
    await ctx.services.apologyWorkflow.approve(id, leader);
    assert.equal((await ctx.services.signing.state(id))?.state, 'leader-waiting', 'a new request after approving again');
  });

  it("another process's signature poll while the approval is still preparing the letter does not hand it back: the approval's request goes out", async () => {
    // A server's poller runs every few seconds; the approving process renders the letter to PDF
    // after opening the signing round. A poll in between must leave the round to its approval.
    const pdf = ctx.services.pdf;
    const render = pdf.renderLocated!.bind(pdf);
    let polled = -1;
    pdf.renderLocated = async (html, selectors) => {
      polled = await ctx.services.apologyWorkflow.checkSignatures();
      return render(html, selectors);
    };
    try {
      const { id } = await draftAndApprove();
      assert.equal(polled, 0, 'the poll found the letter being approved due for a check and took it over');
      const state = await ctx.services.signing.state(id);
      assert.equal(state?.state, 'leader-waiting', `the letter was handed back while its approval was preparing it: ${state?.message}`);
      assert.deepEqual(await outcomes(id), ['leader:requested'], 'the approval sent its request, once');
      await fake.confirm(fake.requestOf(CCCD).tranCode);
      assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'issued');
    } finally {
      pdf.renderLocated = render;
    }
  });

  it('a provider that is down keeps the letter waiting and retries; nothing is lost', async () => {
    fake.mode = 'down';
    const { id, view } = await draftAndApprove();
    assert.equal(view.apology.status, 'draft');
    const waiting = await ctx.services.signing.state(id);
    assert.equal(waiting?.state, 'leader-waiting');
    assert.match(waiting?.message ?? '', /thử lại/);
    fake.mode = 'up';
    ctx.clock.advance(60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    await fake.confirm(fake.requestOf(CCCD).tranCode);
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'issued');
    assert.deepEqual(await outcomes(id), ['leader:unavailable', 'leader:requested', 'leader:confirmed', 'agency:signed']);
  });

  it("a retry that falls after the office closed waits for the next morning's opening, then asks the leader's phone", async () => {
    rig.acceptCallbacks = false;
    fake.mode = 'down';
    const { id } = (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(CODE)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201)).body as { id: number };
    ctx.clock.set(new Date('2026-03-03T16:59:00+07:00'));
    await ctx.services.apologyWorkflow.approve(id, leader);
    fake.mode = 'up';
    ctx.clock.set(new Date('2026-03-03T17:10:00+07:00'));
    await ctx.services.apologyWorkflow.checkSignatures();
    const waiting = await ctx.services.signing.state(id);
    assert.equal(fake.requests.size, 0, "the retry at 17:10 sent the request to the leader's phone after the office closed");
    assert.equal(waiting?.state, 'leader-waiting');
    assert.match(waiting?.message ?? '', /Chờ giờ làm việc \(07:30 Thứ Tư, 04\/03\/2026\) để gửi yêu cầu ký số/);
    ctx.clock.set(new Date('2026-03-04T07:30:00+07:00'));
    await ctx.services.apologyWorkflow.checkSignatures();
    await fake.confirm(fake.requestOf(CCCD).tranCode);
    await ctx.services.apologyWorkflow.continueSigning(id);
    await assertIssuedOnce(ctx, leader, id, ['leader:unavailable', 'leader:requested', 'leader:confirmed', 'agency:signed']);
  });

  it('connecting the remote account keeps the agency’s certificate file for its own layer', async () => {
    const agency = await ctx.services.registry.agency(AGENCY.code);
    const settings = ctx.services.signingSettings;
    await settings.connectAgencyRemote(agency.id, { baseUrl: fake.baseUrl, spId: fake.spId, spPassword: '', callbackSecret: '', userId: '' }, 'test');
    assert.equal((await settings.view({ kind: 'agency', id: agency.id })).mode, 'certificate');
    const { id } = await draftAndApprove();
    await fake.confirm(fake.requestOf(CCCD).tranCode);
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'issued');
  });

  it('an agency whose own layer is set to a remote signer without its ID at the service: the approval is refused (422) naming what to do, before the leader is asked to sign; nothing changes', async () => {
    const agency = await ctx.services.registry.agency(AGENCY.code);
    await ctx.services.signingSettings.setMode({ kind: 'agency', id: agency.id }, 'remote', 'test');
    const { id } = (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(CODE)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201)).body as { id: number };
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    await assert.rejects(ctx.services.apologyWorkflow.approve(id, leader), (err: Error & { status?: number }) => {
      assert.equal(err.status, 422);
      assert.match(err.message, /chưa có mã định danh của cơ quan tại dịch vụ ký số/);
      assert.match(err.message, /cài tệp chứng thư số \(\.p12\) của cơ quan/);
      return true;
    });
    assert.equal(fake.requests.size, 0, 'the leader was not asked to confirm anything');
    assert.equal(await ctx.services.signing.state(id), null, 'no signing round opened');
    const a = await ctx.services.apologies.get(id, leader);
    assert.equal(a.apology.status, 'draft');
    assert.equal(a.notices.length, 0);
    const api = await ctx.api('post', `/api/v1/apologies/${id}/approve`).expect(422);
    assert.match(api.headers['content-type'], /problem\+json/);
    assert.match(api.body.title, /chưa có mã định danh của cơ quan/);
  });

  it('a callback with a forged origin is refused (401, problem+json) and changes nothing', async () => {
    rig.acceptCallbacks = true;
    const { id } = await draftAndApprove();
    const r = fake.requestOf(CCCD);
    const status = await fake.postCallback({ ...fake.callbackBody({ ...r, state: 'confirmed', signatures: [{ doc_id: `henlai-${id}`, signature_value: Buffer.alloc(256, 1).toString('base64') }] }) }, 'not-the-secret');
    assert.equal(status, 401);
    assert.equal((await ctx.services.signing.state(id))?.state, 'leader-waiting');
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.status, 'draft');
  });

  it('a leader whose account is deactivated while the letter waits: a confirmation that comes anyway is not used, the draft is handed back naming the cause, nothing sent; approving as that account is refused (422)', async () => {
    rig.acceptCallbacks = false;
    const { id } = await draftAndApprove();
    // The leader left the agency: their account is switched off before they confirm on the phone.
    await ctx.db('users').where({ id: leader.userId }).update({ active: false });
    await fake.confirm(fake.requestOf(CCCD).tranCode);
    ctx.clock.advance(60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    const state = await ctx.services.signing.state(id);
    assert.equal(state?.state, 'returned', `the letter is handed back, not signed by a former leader (state ${state?.state}: ${state?.message})`);
    assert.match(state?.message ?? '', /không còn là lãnh đạo/, 'the reason names the account that may no longer sign');
    const a = await ctx.services.apologies.get(id, leader);
    assert.equal(a.apology.status, 'draft');
    assert.equal(a.notices.length, 0, 'nothing sent');
    await assert.rejects(ctx.services.apologyWorkflow.approve(id, leader), (err: Error & { status?: number }) => {
      assert.equal(err.status, 422, 'a refusal naming the cause, not a server error');
      assert.match(err.message, /không còn là lãnh đạo/);
      return true;
    });
    assert.equal((await ctx.services.apologies.get(id, leader)).notices.length, 0);
  });
});
