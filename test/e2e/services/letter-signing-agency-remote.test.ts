import assert from 'node:assert/strict';
import { SYSTEM_ACTOR, type Actor } from '../../../src/domain/actor';
import type { DemoCa } from '../../../src/signing';
import type { SmartCaFake } from '../../fakes/smartca-fake';
import { AGENCY, PROCEDURE, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';
import { isoToDay } from '../../../src/domain/time';
import { assertIssuedOnce, assertTwoValidSignatures, CALLBACK_SECRET, signingSteps, withRemoteSigning } from './signing-support';

const CODE = 'H13.01-260202-0001';
const OTHER = 'H13.01-260202-0002';
const LEADER = 'Trần Văn Bình';
/** The agency's own account at the remote-signing service (its organisational certificate). */
const AGENCY_ID = '0100000001';

describe('signed letters: the agency layer signed remotely (SmartCA fake) — number reserved, issued on confirmation', function () {
  this.timeout(120_000);
  // The agency's organisational certificate at the service: CN and O are the agency's name.
  const rig = withRemoteSigning({ userId: AGENCY_ID, name: AGENCY.name }, LEADER, [CODE, OTHER]);
  let ctx: TestContext;
  let ca: DemoCa;
  let fake: SmartCaFake;
  let leader: Actor;

  beforeEach(async () => {
    ({ ctx, ca, fake, leader } = rig);
    const agency = await ctx.services.registry.agency(AGENCY.code);
    const settings = ctx.services.signingSettings;
    // No certificate file for the agency: its own layer goes to the remote service.
    await settings.connectAgencyRemote(agency.id, { baseUrl: fake.baseUrl, spId: fake.spId, spPassword: fake.spPassword, callbackSecret: CALLBACK_SECRET, userId: AGENCY_ID }, 'test');
    // The leader signs with a certificate file, at once: the wait is the agency's.
    const own = await ca.issueLeader({ name: LEADER, agencyName: AGENCY.name }, { password: 'p-lanh-dao' });
    await settings.installCertificate({ kind: 'user', id: rig.leaderId }, { commonName: LEADER }, own.p12, 'p-lanh-dao', 'test');
  });

  const draft = async (code: string) => {
    ctx.clock.set(new Date('2026-03-03T09:00:00+07:00'));
    const { id } = (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(code)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201)).body as { id: number };
    return id;
  };
  const approve = async (id: number) => {
    ctx.clock.set(new Date('2026-03-03T10:00:00+07:00'));
    return ctx.services.apologyWorkflow.approve(id, leader);
  };
  /** The agency's one pending request at the service (earlier, settled ones are ignored). */
  const pending = () => {
    const all = [...fake.requests.values()].filter((r) => r.userId === AGENCY_ID && r.state === 'pending');
    assert.equal(all.length, 1, `expected one pending sign request of the agency at the service, found ${all.length}`);
    return all[0];
  };
  /** `code`'s letter drafted and approved, the agency's request refused or confirmed at the service, then polled (callbacks off). */
  const answered = async (code: string, answer: 'refuse' | 'confirm') => {
    const id = await draft(code);
    await approve(id);
    await fake[answer](pending().tranCode);
    await ctx.services.apologyWorkflow.continueSigning(id);
    return id;
  };
  const outcomes = (id: number) => signingSteps(ctx, id);
  const issuedNumbers = async () => (await ctx.db('apologies').whereNotNull('letter_number').orderBy('letter_seq').pluck('letter_number')) as string[];

  it('waits for the agency with the number reserved and nothing sent; the confirmation issues it once, whatever the duplicate callbacks', async () => {
    const id = await draft(CODE);
    const view = await approve(id);
    assert.equal(view.apology.status, 'draft', 'not issued before the agency signs');
    const waiting = await ctx.services.signing.state(id);
    assert.equal(waiting?.state, 'agency-waiting', `the letter waits for the agency's signature (state ${waiting?.state}, ${waiting?.message})`);
    assert.equal(waiting?.reservation?.number, '01/PXL-SXD', 'the number is reserved before the agency is asked to sign');
    assert.equal((await ctx.services.notices.forApology(id)).length, 0, 'nothing queued before the agency signs');
    const api = await ctx.api('get', `/api/v1/apologies/${id}`).expect(200);
    assert.equal(api.body.signing.waitingFor, 'agency');
    await fake.confirm(pending().tranCode); // two authenticated callbacks
    await assertIssuedOnce(ctx, leader, id, ['leader:confirmed', 'agency:requested', 'agency:confirmed']);
    assert.deepEqual(fake.callbacksSent.slice(-2).map((c) => c.status), [200, 200]);
  });

  it('two processes polling the same agency request issue it once', async () => {
    rig.acceptCallbacks = false;
    const id = await draft(CODE);
    await approve(id);
    await fake.confirm(pending().tranCode);
    await Promise.all([ctx.services.apologyWorkflow.continueSigning(id), ctx.services.apologyWorkflow.continueSigning(id)]);
    await assertIssuedOnce(ctx, leader, id, ['leader:confirmed', 'agency:requested', 'agency:confirmed']);
  });

  it('a refusal hands the draft back with the reason and nothing sent; the letter keeps its number, so the register has no gap', async () => {
    rig.acceptCallbacks = false;
    const first = await answered(CODE, 'refuse');
    const returned = await ctx.services.signing.state(first);
    assert.equal(returned?.state, 'returned');
    assert.match(returned?.message ?? '', /từ chối/);
    assert.equal(returned?.reservation?.number, '01/PXL-SXD', 'the refused letter keeps the number it reserved');
    assert.equal((await ctx.services.notices.forApology(first)).length, 0, 'nothing sent after a refusal');
    assert.deepEqual(await outcomes(first), ['leader:confirmed', 'agency:requested', 'agency:refused']);

    // Another letter meanwhile takes the next number, not the refused letter's.
    const second = await answered(OTHER, 'confirm');
    assert.equal((await ctx.services.apologies.get(second, leader)).apology.letterNumber, '02/PXL-SXD');

    // The leader approves the refused letter again: it is issued with the number it kept.
    await approve(first);
    await fake.confirm(pending().tranCode);
    await ctx.services.apologyWorkflow.continueSigning(first);
    const a = await ctx.services.apologies.get(first, leader);
    assert.equal(a.apology.status, 'issued');
    assert.equal(a.apology.letterNumber, '01/PXL-SXD');
    assertTwoValidSignatures((await ctx.services.apologies.letterPdf(first, leader)).pdf);
    assert.deepEqual(await issuedNumbers(), ['01/PXL-SXD', '02/PXL-SXD'], 'numbers issued without a gap');
  });

  it('an expired agency request is recorded and handed back; approving again reuses the reserved number', async () => {
    rig.acceptCallbacks = false;
    const id = await draft(CODE);
    await approve(id);
    ctx.clock.advance(6 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    const state = await ctx.services.signing.state(id);
    assert.equal(state?.state, 'returned');
    assert.match(state?.message ?? '', /hết hạn/);
    assert.equal((await ctx.services.notices.forApology(id)).length, 0);
    await approve(id);
    assert.equal((await ctx.services.signing.state(id))?.reservation?.number, '01/PXL-SXD');
    await fake.confirm(pending().tranCode);
    await ctx.services.apologyWorkflow.continueSigning(id);
    assert.equal((await ctx.services.apologies.get(id, leader)).apology.letterNumber, '01/PXL-SXD');
    assert.deepEqual(await issuedNumbers(), ['01/PXL-SXD']);
  });

  it('a provider that is down keeps the letter waiting with the reason, nothing sent; the next check asks again with the same number', async () => {
    fake.mode = 'down';
    const id = await draft(CODE);
    await approve(id);
    const waiting = await ctx.services.signing.state(id);
    assert.equal(waiting?.state, 'leader-signed');
    assert.match(waiting?.message ?? '', /thử lại/);
    assert.equal((await ctx.services.notices.forApology(id)).length, 0);
    const api = await ctx.api('get', `/api/v1/apologies/${id}`).expect(200);
    assert.equal(api.body.signing.waitingFor, 'agency');
    assert.match(api.body.signing.reason, /thử lại/);
    fake.mode = 'up';
    ctx.clock.advance(60 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    assert.equal((await ctx.services.signing.state(id))?.state, 'agency-waiting');
    await fake.confirm(pending().tranCode);
    const a = await ctx.services.apologies.get(id, leader);
    assert.equal(a.apology.status, 'issued');
    assert.equal(a.apology.letterNumber, '01/PXL-SXD');
    assertTwoValidSignatures((await ctx.services.apologies.letterPdf(id, leader)).pdf);
    assert.deepEqual(await outcomes(id), ['leader:confirmed', 'agency:unavailable', 'agency:requested', 'agency:confirmed']);
  });

  it('cancelling a handed-back draft releases its number only if no later number was issued; otherwise the cancel is refused (409) and nothing changes', async () => {
    rig.acceptCallbacks = false;
    const first = await answered(CODE, 'refuse');
    await answered(OTHER, 'confirm');
    await assert.rejects(ctx.services.apologyWorkflow.cancel(first, 'Không cần nữa', leader), (err: Error & { status?: number }) => {
      assert.equal(err.status, 409);
      assert.match(err.message, /01\/PXL-SXD/);
      return true;
    });
    assert.equal((await ctx.services.apologies.get(first, leader)).apology.status, 'draft', 'the refused cancel changed nothing');
  });

  it('cancelling the draft that holds the last reserved number gives the number back', async () => {
    rig.acceptCallbacks = false;
    const first = await answered(CODE, 'refuse');
    await ctx.services.apologyWorkflow.cancel(first, 'Không cần nữa', leader);
    await answered(OTHER, 'confirm');
    assert.deepEqual(await issuedNumbers(), ['01/PXL-SXD'], 'the released number is the next one issued');
  });

  /**
   * The register audit (as the watcher bench does it): every number taken from the agency's
   * register this year, 1…last, is held by exactly one letter — issued, a draft still holding
   * it, or a cancelled letter recording it as void. A number held by none is a gap.
   */
  const registerAudit = async () => {
    const last = Number((await ctx.db('letter_sequences').max({ n: 'last_seq' }).first())?.n ?? 0);
    const recorded = (await ctx.db('apologies').whereNotNull('letter_seq').pluck('letter_seq')).map(Number);
    const held = (await ctx.db('letter_signing as ls').join('apologies as a', 'a.id', 'ls.apology_id').where('a.status', 'draft').whereNotNull('ls.reserved_seq').pluck('ls.reserved_seq')).map(Number);
    const taken = [...recorded, ...held].sort((x, y) => x - y);
    return { expected: Array.from({ length: last }, (_, i) => i + 1), taken };
  };
  const resolve = (code: string) => ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(code)}/events`).send({ kind: 'resolved', occurredAt: '2026-03-04T09:00:00+07:00' }).expect(201);

  it('a dossier completed while its handed-back letter holds a number a later letter followed: the number stays in the register as void, no gap, nothing sent', async () => {
    rig.acceptCallbacks = false;
    const first = await answered(CODE, 'refuse');
    await answered(OTHER, 'confirm');

    ctx.clock.set(new Date('2026-03-04T10:00:00+07:00'));
    await resolve(CODE);
    const cancelled = await ctx.services.apologies.get(first, leader);
    assert.equal(cancelled.apology.status, 'cancelled', 'a completed dossier sends the citizen no apology');
    assert.equal(cancelled.notices.length, 0, 'nothing sent for the completed dossier');
    assert.equal(cancelled.apology.letterNumber, '01/PXL-SXD', 'the cancelled letter records the number it held, so the register accounts for it');
    const audit = await registerAudit();
    assert.deepEqual(audit.taken, audit.expected, `every number taken from the register is accounted for (taken ${audit.taken.join(', ')} of 1…${audit.expected.length})`);
    assert.deepEqual(await issuedNumbers(), ['01/PXL-SXD', '02/PXL-SXD']);
    const { items } = (await ctx.api('get', `/api/v1/dossiers/${encodeURIComponent(CODE)}/events`).expect(200)).body as { items: { kind: string; data: Record<string, unknown> }[] };
    const resolved = items.find((e) => e.kind === 'resolved');
    assert.deepEqual(resolved?.data.lettersVoided, ['01/PXL-SXD'], 'the dossier history says which letter number was recorded as void');
    const page = await (await signIn(ctx, 'officer')).agent.get(`/ho-so/${encodeURIComponent(CODE)}`).expect(200);
    assert.match(page.text, /số đã giữ được ghi huỷ trong sổ văn bản đi: 01\/PXL-SXD/, 'the dossier page shows the void number in its history');
  });

  it('a dossier completed while its letter waits for the agency with the last number: the number goes back, the poller stops, a late confirmation issues nothing', async () => {
    const first = await draft(CODE);
    await approve(first);
    const tranCode = pending().tranCode;
    ctx.clock.set(new Date('2026-03-04T10:00:00+07:00'));
    await resolve(CODE);
    assert.equal((await ctx.services.apologies.get(first, leader)).apology.status, 'cancelled');
    const ended = await ctx.services.signing.state(first);
    assert.equal(ended?.nextCheckAt ?? null, null, `a cancelled letter is not checked again (state ${ended?.state})`);
    assert.deepEqual(await ctx.services.signing.due(100), [], 'nothing left for the poller');

    await fake.confirm(tranCode); // the agency's holder confirms on the phone anyway; the callback arrives
    ctx.clock.advance(60 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    const after = await ctx.services.apologies.get(first, leader);
    assert.equal(after.apology.status, 'cancelled', 'a late confirmation does not issue a letter for a completed dossier');
    assert.equal(after.notices.length, 0);

    const second = await draft(OTHER);
    await approve(second);
    await fake.confirm(pending().tranCode);
    assert.equal((await ctx.services.apologies.get(second, leader)).apology.letterNumber, '01/PXL-SXD', 'the number given back is the next one issued');
    const audit = await registerAudit();
    assert.deepEqual(audit.taken, audit.expected, `every number taken from the register is accounted for (taken ${audit.taken.join(', ')} of 1…${audit.expected.length})`);
  });

  it('a process killed after the number was reserved but before the agency was asked: the poller asks with the same number and issues once', async () => {
    rig.acceptCallbacks = false;
    const id = await draft(CODE);
    const signing = ctx.services.signing as unknown as { requestAgency: (...args: unknown[]) => Promise<void> };
    const requestAgency = signing.requestAgency;
    signing.requestAgency = () => Promise.reject(new Error('process killed'));
    try {
      await assert.rejects(approve(id), /process killed/);
    } finally {
      signing.requestAgency = requestAgency;
    }
    const stopped = await ctx.services.signing.state(id);
    assert.equal(stopped?.state, 'leader-signed');
    assert.equal(stopped?.reservation?.number, '01/PXL-SXD', 'the number was reserved before the process stopped');
    assert.notEqual(stopped?.nextCheckAt ?? null, null, 'the letter has a next-check time, or no poller ever asks the agency to sign it');

    ctx.clock.advance(10 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    assert.equal((await ctx.services.signing.state(id))?.state, 'agency-waiting', 'the poller asked the agency to sign');
    await fake.confirm(pending().tranCode);
    ctx.clock.advance(60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    const a = await ctx.services.apologies.get(id, leader);
    assert.equal(a.apology.status, 'issued');
    assert.equal(a.apology.letterNumber, '01/PXL-SXD', 'issued with the number it reserved before the stop');
    assert.equal(a.notices.length, 1);
    assertTwoValidSignatures((await ctx.services.apologies.letterPdf(id, leader)).pdf);
  });

  /** Every pending request at the service, whoever it is for. */
  const allPending = () => [...fake.requests.values()].filter((r) => r.state === 'pending');
  const waitMessage = (monday: string) => new RegExp(`Chờ giờ làm việc \\(07:30 Thứ Hai, ${monday.replace(/\//g, '\\/')}\\) để gửi yêu cầu ký số`);

  it('auto mode, approved by the watcher at 17:30 on a Friday: no request reaches a phone before Monday 07:30; then it goes out and, confirmed, the letters are issued', async () => {
    rig.acceptCallbacks = false;
    ctx.clock.set(new Date('2026-03-13T17:30:00+07:00'));
    const tick = await ctx.services.watcher.tick();
    const ids = (await ctx.db('apologies').orderBy('id').pluck('id')) as number[];
    assert.equal(ids.length, 2, `the watcher should draft and approve a letter for each of the two slipped dossiers (${JSON.stringify(tick)})`);
    assert.equal(fake.requests.size, 0, `a signing request reached the signer's phone at 17:30 on a Friday, after the office closed: nobody answers it before it expires (${fake.requests.size} sent)`);
    for (const id of ids) {
      const l = await ctx.services.signing.state(id);
      assert.equal(l?.state, 'leader-waiting', `letter ${id} waits for its first signature (state ${l?.state}, ${l?.message})`);
      assert.match(l?.message ?? '', waitMessage('16/03/2026'), 'the letter says why it waits and until when');
    }
    const api = await ctx.api('get', `/api/v1/apologies/${ids[0]}`).expect(200);
    assert.match(api.body.signing.reason ?? '', waitMessage('16/03/2026'), 'the API says why the letter waits');
    const page = await (await signIn(ctx, 'officer')).agent.get(`/thu-xin-loi/${ids[0]}`).expect(200);
    assert.match(page.text, waitMessage('16/03/2026'), "the letter's page says why it waits");

    for (const at of ['2026-03-13T18:30:00', '2026-03-14T09:00:00', '2026-03-15T20:00:00', '2026-03-16T07:29:00']) {
      ctx.clock.set(new Date(`${at}+07:00`));
      await ctx.services.apologyWorkflow.checkSignatures();
      assert.equal(fake.requests.size, 0, `the poller sent a signing request at ${at}, while the office is closed`);
    }

    ctx.clock.set(new Date('2026-03-16T07:30:00+07:00'));
    await ctx.services.apologyWorkflow.checkSignatures();
    const first = allPending();
    assert.equal(first.length, 2, `at Monday's opening each letter's request goes out (${first.length} pending at the service)`);
    for (const r of first) await fake.confirm(r.tranCode);
    for (const id of ids) await ctx.services.apologyWorkflow.continueSigning(id);
    const second = allPending();
    assert.equal(second.length, 2, `once signed for the leader, each letter asks for the agency's signature in office hours (${second.length} pending)`);
    for (const r of second) await fake.confirm(r.tranCode);
    for (const id of ids) await ctx.services.apologyWorkflow.continueSigning(id);
    for (const id of ids) {
      const a = await ctx.services.apologies.get(id, leader);
      assert.equal(a.apology.status, 'issued', `letter ${id} should be issued once both signatures are confirmed on Monday (it is ${a.apology.status})`);
      assertTwoValidSignatures((await ctx.services.apologies.letterPdf(id, leader)).pdf);
    }
  });

  it('auto mode, a letter whose new date (Monday) has come by the time its held request goes out: handed back naming the date, re-dated by the agency’s rule, issued once with a real new date', async () => {
    rig.acceptCallbacks = false;
    // One working day of extension: drafted on Friday 13/03, the letter proposes Monday 16/03.
    await ctx.services.registry.updateProcedure(PROCEDURE.code, (p) => ({ ...p, defaultExtensionDays: 1 }), SYSTEM_ACTOR);
    ctx.clock.set(new Date('2026-03-13T17:30:00+07:00'));
    await ctx.services.watcher.tick();
    const ids = (await ctx.db('apologies').orderBy('id').pluck('id')) as number[];
    assert.equal(ids.length, 2, 'the watcher drafts one letter for each slipped dossier');
    for (const id of ids) assert.equal(new Date((await ctx.services.apologies.get(id, leader)).apology.newDueAt).toISOString(), '2026-03-16T10:00:00.000Z', 'drafted on Friday for Monday 16/03 (17:00)');

    // Monday's office day, a minute at a time: the poller, the watcher, the signers confirming every request.
    for (let minute = 0; minute < 30; minute++) {
      ctx.clock.set(new Date(new Date('2026-03-16T07:30:00+07:00').getTime() + minute * 60_000));
      await ctx.services.apologyWorkflow.checkSignatures();
      await ctx.services.watcher.tick();
      for (const r of allPending()) await fake.confirm(r.tranCode);
      for (const id of ids) await ctx.services.apologyWorkflow.continueSigning(id);
    }

    const churn = await ctx.db('signing_events').where('message', 'like', '%phải sau ngày hôm nay%');
    assert.equal(churn.length, 0, `an issuance refused because the new date had passed was retried as if the fault were passing (${churn.length} times): ${JSON.stringify(churn.map((e) => `${e.layer}:${e.outcome}: ${e.message}`))}`);
    for (const id of ids) {
      const a = (await ctx.services.apologies.get(id, leader)).apology;
      const l = await ctx.services.signing.state(id);
      assert.equal(a.status, 'issued', `letter ${id} should be issued on Monday with a new date chosen again; it is ${a.status} (signing: ${l?.state}, ${l?.message})`);
      assert.ok(new Date(a.newDueAt) > new Date('2026-03-16T17:00:00+07:00'), `letter ${id} promises ${new Date(a.newDueAt).toISOString()}: a date already come when the letter is issued`);
      const steps = await signingSteps(ctx, id);
      assert.ok(steps.includes('leader:date-passed') || steps.includes('agency:date-passed'), `letter ${id} should be handed back once, naming the passed date (${steps.join(', ')})`);
      const handedBack = (await ctx.services.signing.events(id)).find((e) => e.outcome === 'date-passed');
      assert.match(handedBack?.message ?? '', /Ngày hẹn mới 16\/03\/2026 đã đến/, 'the reason names the date that has come');
    }
    assert.equal(Number((await ctx.db('apologies').count({ n: '*' }).first())?.n), 2, 'one apology per slip: the letter is re-dated, not drafted again');
    assert.deepEqual(await issuedNumbers(), ['01/PXL-SXD', '02/PXL-SXD'], 'numbers issued without a gap');
    const redated = await ctx.db('dossier_events').where({ kind: 'apology_revised' });
    assert.equal(redated.length, 2, 'each re-dating is in the dossier history');
  });

  it('a leader approving after hours (Monday 17:30) a letter promising Tuesday: at Tuesday’s opening it goes back to the leader naming the date, nobody is asked to sign; re-dated and approved again, it is issued', async () => {
    rig.acceptCallbacks = false;
    await ctx.api('patch', `/api/v1/agencies/${AGENCY.code}`).send({ settings: { apologyMode: 'review' } }).expect(200);
    ctx.clock.set(new Date('2026-03-03T09:00:00+07:00'));
    const { id } = (await ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(CODE)}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-10' }).expect(201)).body as { id: number };
    ctx.clock.set(new Date('2026-03-09T17:30:00+07:00'));
    await ctx.services.apologyWorkflow.approve(id, leader);
    assert.equal((await ctx.services.signing.state(id))?.state, 'leader-signed', 'the leader’s file signs at once; the agency’s request waits for the next opening');

    ctx.clock.set(new Date('2026-03-10T07:30:00+07:00'));
    await ctx.services.apologyWorkflow.checkSignatures();
    const back = await ctx.services.signing.state(id);
    assert.equal(back?.state, 'returned', `on Tuesday the letter promising Tuesday cannot be issued: it should go back to the leader (state ${back?.state}, ${back?.message})`);
    assert.equal(back?.message, 'Ngày hẹn mới 10/03/2026 đã đến trước khi thư được ký số và ban hành: cần chọn ngày hẹn mới rồi phê duyệt lại');
    assert.equal(fake.requests.size, 0, 'nobody is asked on the phone to sign a letter that cannot be issued');
    ctx.clock.advance(2 * 60 * 60_000);
    await ctx.services.apologyWorkflow.checkSignatures();
    assert.deepEqual(await outcomes(id), ['leader:confirmed', 'agency:date-passed'], 'handed back once, and not retried');
    assert.equal((await ctx.db('apologies').where({ id }).first()).status, 'draft', 'nothing issued, nothing sent');
    assert.equal((await ctx.services.notices.forApology(id)).length, 0);

    await ctx.services.apologyReview.revise(id, { newDueDay: isoToDay('2026-03-12') }, leader);
    await ctx.services.apologyWorkflow.approve(id, leader);
    await fake.confirm(pending().tranCode);
    await ctx.services.apologyWorkflow.continueSigning(id);
    const a = (await ctx.services.apologies.get(id, leader)).apology;
    assert.equal(a.status, 'issued');
    assert.equal(new Date(a.newDueAt).toISOString(), '2026-03-12T10:00:00.000Z', 'issued with the date the leader chose again');
    assert.deepEqual(await issuedNumbers(), ['01/PXL-SXD']);
  });

  it("a leader approving at 17:30 on a Friday (certificate file: signed at once): the agency's request waits for Monday 07:30, its number taken then", async () => {
    rig.acceptCallbacks = false;
    const id = await draft(CODE);
    ctx.clock.set(new Date('2026-03-06T17:30:00+07:00'));
    await ctx.services.apologyWorkflow.approve(id, leader);
    const waiting = await ctx.services.signing.state(id);
    assert.equal(waiting?.state, 'leader-signed', `the leader's file signs at once (state ${waiting?.state}, ${waiting?.message})`);
    assert.equal(fake.requests.size, 0, "the agency's signing request reached its certificate holder's phone at 17:30 on a Friday, after the office closed");
    assert.match(waiting?.message ?? '', waitMessage('09/03/2026'));
    assert.equal(waiting?.reservation ?? null, null, 'no number is taken before the request goes out: the letter is dated the day it is issued');

    ctx.clock.set(new Date('2026-03-09T07:30:00+07:00'));
    await ctx.services.apologyWorkflow.checkSignatures();
    assert.equal((await ctx.services.signing.state(id))?.state, 'agency-waiting', "at Monday's opening the agency is asked to sign");
    await fake.confirm(pending().tranCode);
    await ctx.services.apologyWorkflow.continueSigning(id);
    await assertIssuedOnce(ctx, leader, id, ['leader:confirmed', 'agency:requested', 'agency:confirmed']);
  });
});
