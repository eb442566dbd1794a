import assert from 'node:assert/strict';
import type { Actor } from '../../../src/domain/actor';
import { AGENCY, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';
import { requirePoppler } from '../signing/support';
import { assertIssuedOnce, assertTwoValidSignatures, signingCase, signingSteps } from './signing-support';

const CODE = 'H13.01-260202-0001';
const LEADER = 'Trần Văn Bình';

describe('signed letters: remote signing simulated from the admin page (no provider, no contract)', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let leader: Actor;
  let agent: Awaited<ReturnType<typeof signIn>>;

  before(function () {
    requirePoppler(this);
  });
  beforeEach(async () => {
    ({ ctx, leader } = await signingCase([CODE], LEADER));
    agent = await signIn(ctx, 'admin', null);
  });
  afterEach(async () => ctx?.close());

  /** The admin chooses the simulator and gives the leader an ID number, all through the page. */
  const simulateWith = async (cccd: string) => {
    await agent.agent.post(`/quan-tri/ky-so/${AGENCY.code}/mo-phong`).type('form').send({ _csrf: agent.csrf }).expect(303);
    await agent.agent.post(`/quan-tri/ky-so/${AGENCY.code}/lanh-dao/${leader.userId}/tu-xa`).type('form').send({ _csrf: agent.csrf, userId: cccd, serialNumber: '' }).expect(303);
  };
  const draftAndApprove = async () => {
    const { id } = (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(CODE)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201)).body as { id: number };
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    await ctx.services.apologyWorkflow.approve(id, leader);
    return id;
  };
  const outcomes = (id: number) => signingSteps(ctx, id);

  it('is named as a simulation on the page, lists the magic ID numbers, and a confirmation issues a letter signed in two layers', async () => {
    await simulateWith('092080001234');
    const page = await agent.agent.get(`/quan-tri/ky-so/${AGENCY.code}`).expect(200);
    assert.match(page.text, /MÔ PHỎNG/);
    for (const magic of ['000000000002', '000000000003', '000000000004']) assert.match(page.text, new RegExp(magic));
    assert.match((await agent.agent.get('/quan-tri/ky-so').expect(200)).text, /MÔ PHỎNG/);

    const id = await draftAndApprove();
    assert.equal((await ctx.services.signing.state(id))?.state, 'leader-waiting');
    const waiting = (await ctx.api('get', `/api/v1/apologies/${id}`).expect(200)).body;
    assert.deepEqual(waiting.signing, { state: 'waiting', stateLabel: 'Chờ ký số', waitingFor: 'leader', reason: null, verificationCode: null }, 'the API says the letter waits for the leader');
    assert.equal((await ctx.services.notices.forApology(id)).length, 0);
    ctx.clock.advance(1_000);
    await ctx.services.apologyWorkflow.continueSigning(id);
    assert.equal((await ctx.services.signing.state(id))?.state, 'leader-waiting', 'the simulated leader takes a few seconds');
    ctx.clock.advance(5_000);
    await ctx.services.apologyWorkflow.continueSigning(id);
    await assertIssuedOnce(ctx, leader, id, ['leader:requested', 'leader:confirmed', 'agency:signed']);
    const signed = (await ctx.api('get', `/api/v1/apologies/${id}`).expect(200)).body;
    assert.equal(signed.signing.state, 'signed');
    assert.match(signed.signing.verificationCode, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
  });

  it('an approval through the API (no leader account: the agency signs both layers) answers "signed"', async () => {
    await simulateWith('092080001234');
    const { id } = (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(CODE)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201)).body as { id: number };
    const approved = (await ctx.api('post', `/api/v1/apologies/${id}/approve`).expect(200)).body;
    assert.equal(approved.status, 'issued');
    assert.equal(approved.signing.state, 'signed');
    assertTwoValidSignatures((await ctx.services.apologies.letterPdf(id, leader)).pdf);
  });

  for (const [cccd, outcome, reason] of [['000000000002', 'refused', /từ chối/], ['000000000003', 'expired', /hết hạn/]] as const) {
    it(`the magic ID ${cccd} gives "${outcome}": the draft is returned to the leader with the reason, nothing sent`, async () => {
      await simulateWith(cccd);
      const id = await draftAndApprove();
      ctx.clock.advance(10_000);
      await ctx.services.apologyWorkflow.checkSignatures();
      const state = await ctx.services.signing.state(id);
      assert.equal(state?.state, 'returned');
      assert.match(state?.message ?? '', reason);
      assert.match(state?.message ?? '', /mô phỏng/);
      const a = await ctx.services.apologies.get(id, leader);
      assert.equal(a.apology.status, 'draft');
      assert.equal(a.notices.length, 0);
      assert.deepEqual(await outcomes(id), ['leader:requested', `leader:${outcome}`]);
      const answer = (await ctx.api('get', `/api/v1/apologies/${id}`).expect(200)).body;
      assert.equal(answer.signing.state, 'returned');
      assert.match(answer.signing.reason, reason, 'the API gives the reason the draft came back');
    });
  }

  it('the magic ID 000000000004 (service down) keeps the letter waiting, to be retried', async () => {
    await simulateWith('000000000004');
    const id = await draftAndApprove();
    const state = await ctx.services.signing.state(id);
    assert.equal(state?.state, 'leader-waiting');
    assert.match(state?.message ?? '', /không kết nối được \(mô phỏng\).*thử lại/);
  });
});
