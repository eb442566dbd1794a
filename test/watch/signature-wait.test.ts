import assert from 'node:assert/strict';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * A letter approved by its leader but not yet signed (remote or external signer) waits in
 * "chờ ký số". The watcher must not draft a second apology for it, must name it in the at-risk
 * digest with how long it has waited, and must warn the leader again once the wait is urgent.
 */
describe('deadline watcher: letters waiting for the leader’s signature', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let apologyId: number;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { apologyMode: 'review' } }).expect(200);
    // Accepted 02/02 → due Mon 09/03 17:00.
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const res = await ctx.api('post', '/api/v1/dossiers/LATE-1/apologies').send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201);
    apologyId = (res.body as { id: number }).id;
    // Approved on Thu 05/03 09:00 with a remote signer: the signing round opens exactly as the
    // approval opens it, and the leader has not confirmed on the phone.
    ctx.clock.set(new Date('2026-03-05T09:00:00+07:00'));
    await ctx.db.transaction(async () => ctx.services.signing.open(apologyId, { userId: null, name: 'Trần Văn Bình' }, null));
  });
  afterEach(async () => ctx.close());

  const reminders = async () => ctx.db('notices').where({ kind: 'signature_reminder' }).orderBy('id');

  it('reminds the agency once when half the time left at approval has gone by waiting', async () => {
    // 4 days 8 hours were left at approval: urgent after 2 days 4 hours, on Sat 07/03 13:00.
    ctx.clock.set(new Date('2026-03-06T08:00:00+07:00'));
    assert.equal((await ctx.services.watcher.tick()).signatureReminders, 0, 'a day’s wait is not yet urgent');
    ctx.clock.set(new Date('2026-03-07T14:00:00+07:00'));
    assert.equal((await ctx.services.watcher.tick()).signatureReminders, 1);
    ctx.clock.advance(60_000);
    assert.equal((await ctx.services.watcher.tick()).signatureReminders, 0, 'one reminder per approval, however often it ticks');
    const [reminder, ...more] = await reminders();
    assert.equal(more.length, 0);
    assert.equal(reminder.recipient, 'sxd@cantho.example.vn');
    assert.equal(reminder.audience, 'staff');
    assert.equal(reminder.apology_id, apologyId);
    const payload = JSON.parse(reminder.payload) as { subject: string; text: string };
    assert.match(payload.subject, /Nhắc ký số: thư xin lỗi hồ sơ LATE-1 đã chờ 2 ngày 5 giờ/);
    assert.match(payload.text, /chưa có chữ ký số của lãnh đạo/);
  });

  it('drafts no second apology once the deadline passes, and the digest names the letter as waiting for a signature', async () => {
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    const r = await ctx.services.watcher.tick();
    assert.equal(r.drafted, 0, 'the waiting letter is the apology: no second draft');
    assert.equal(Number((await ctx.db('apologies').count({ n: '*' }).first())?.n), 1);
    const digest = await ctx.db('notices').where({ kind: 'at_risk_digest' }).orderBy('id', 'desc').first();
    assert.match(JSON.parse(digest.payload).text, /LATE-1 — .* — QUÁ HẠN, thư xin lỗi chờ lãnh đạo ký số \(đã chờ 4 ngày 23 giờ\)/, 'the digest says the leader’s signature is awaited');
    const atRisk = await ctx.api('get', '/api/v1/at-risk').expect(200);
    const late1 = atRisk.body.items.find((i: { dossierCode: string }) => i.dossierCode === 'LATE-1');
    assert.equal(late1.urgent, true);
    assert.equal(late1.apology.status, 'draft');
    assert.equal(late1.apology.signatureWaitingSince, '2026-03-05T09:00:00+07:00');
    assert.equal(late1.apology.signatureWaitingFor, 'leader', 'the API says whose signature the letter waits for');
  });

  it('reminds the approving leader at their own e-mail address when their account has one', async () => {
    const leader = await ctx.services.users.create({ username: 'lanhdao', fullName: 'Trần Văn Bình', role: 'leader', agencyCode: 'SXD', agencyId: null, active: true, email: 'binh.tran@cantho.gov.vn' }, 'mat-khau-dai-1234', SYSTEM_ACTOR);
    await ctx.db('letter_signing').where({ apology_id: apologyId }).update({ approver_user_id: leader.id });
    ctx.clock.set(new Date('2026-03-07T14:00:00+07:00'));
    assert.equal((await ctx.services.watcher.tick()).signatureReminders, 1);
    const [reminder] = await reminders();
    assert.equal(reminder.recipient, 'binh.tran@cantho.gov.vn', 'the leader who must sign is reminded, not only the agency’s contact');
  });

  it('stops reminding and listing the wait once the signature has been refused (the draft is back with the leader)', async () => {
    await ctx.db('letter_signing').where({ apology_id: apologyId }).update({ state: 'returned' });
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    assert.equal((await ctx.services.watcher.tick()).signatureReminders, 0);
    const digest = await ctx.db('notices').where({ kind: 'at_risk_digest' }).orderBy('id', 'desc').first();
    assert.match(JSON.parse(digest.payload).text, /LATE-1 — .* — QUÁ HẠN, thư xin lỗi chờ duyệt/);
  });

  describe('a letter approved Friday 17:30 whose remote signing request waits for the signer’s office to open (Monday 07:30)', () => {
    const FRIDAY_1730 = new Date('2026-03-06T17:30:00+07:00');
    const MONDAY_0730 = new Date('2026-03-09T07:30:00+07:00');

    /** What the signing service leaves when the office opens: the request is out, the signer asked. */
    async function requestGoesOut(layer: 'leader' | 'agency'): Promise<void> {
      ctx.clock.set(MONDAY_0730);
      await ctx.db('letter_signing').where({ apology_id: apologyId }).update({ state: layer === 'leader' ? 'leader-waiting' : 'agency-waiting', message: null, next_check_at: MONDAY_0730.getTime() + 5000 });
      await ctx.db('signing_events').insert({ apology_id: apologyId, layer, outcome: 'requested', message: 'Đã gửi yêu cầu ký số', transaction_id: `t-${layer}`, at: MONDAY_0730.getTime() });
    }

    for (const layer of ['leader', 'agency'] as const) {
      it(`reminds nobody over the weekend about the ${layer === 'leader' ? 'leader’s' : 'agency’s'} signature not yet asked for, and counts the wait from the request once it is out`, async () => {
        ctx.clock.set(FRIDAY_1730);
        const agency = await ctx.services.registry.agency('SXD');
        if (layer === 'leader') {
          await ctx.db('letter_signing').where({ apology_id: apologyId }).update({ approved_at: FRIDAY_1730.getTime() });
        } else {
          await ctx.db('letter_signing').where({ apology_id: apologyId }).update({ state: 'leader-signed', leader_signed_at: FRIDAY_1730.getTime(), message: null });
        }
        assert.equal(await ctx.services.signing.waitsForOffice(apologyId, agency, layer === 'leader' ? 'leader-waiting' : 'leader-signed'), true, 'the office is closed on Friday 17:30: the request should wait');

        // Due Mon 09/03 17:00: a wait from Friday 17:30 would be urgent from Sunday 05:15.
        ctx.clock.set(new Date('2026-03-08T10:00:00+07:00'));
        const sunday = await ctx.services.watcher.tick();
        assert.equal(sunday.signatureReminders, 0, `no reminder while the request waits for the office to open: nobody has been asked to sign yet (${JSON.stringify((await reminders()).map((r) => JSON.parse(r.payload).subject))})`);

        await requestGoesOut(layer);
        ctx.clock.set(new Date('2026-03-09T08:00:00+07:00'));
        assert.equal((await ctx.services.watcher.tick()).signatureReminders, 0, 'half an hour after the request went out the signer is not yet late: the wait counts from the request, not from the approval on Friday');
        ctx.clock.set(new Date('2026-03-09T12:30:00+07:00'));
        assert.equal((await ctx.services.watcher.tick()).signatureReminders, 1, 'a request unanswered for 5 hours of the 9½ left is a real wait: it should be reminded');
        const [reminder] = await reminders();
        assert.match(JSON.parse(reminder.payload).subject, /đã chờ 5 giờ/, 'the reminder should say how long the request has waited');
      });
    }
  });

  describe('a letter the leader signed whose agency signature was asked for remotely and not yet confirmed', () => {
    beforeEach(async () => {
      // The leader signed at 10:00; the agency's certificate holder has a sign request on the phone.
      await ctx.db('letter_signing').where({ apology_id: apologyId }).update({
        state: 'agency-waiting',
        leader_signed_at: new Date('2026-03-05T10:00:00+07:00').getTime(),
        message: null,
      });
    });

    it('names the agency’s confirmation as what the letter waits for, with no certificate fault', async () => {
      ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
      await ctx.services.watcher.tick();
      const digest = await ctx.db('notices').where({ kind: 'at_risk_digest' }).orderBy('id', 'desc').first();
      const text = JSON.parse(digest.payload).text as string;
      assert.match(
        text,
        /LATE-1 — .* — QUÁ HẠN, thư xin lỗi lãnh đạo đã ký, chờ chữ ký số của cơ quan \(người giữ chứng thư số của cơ quan chưa xác nhận\) \(đã chờ 4 ngày 22 giờ\)/,
        'the digest says the agency’s signature is awaited and whose confirmation',
      );
      assert.doesNotMatch(text, /cần kiểm tra chứng thư số/, 'nothing is wrong with the certificate: the digest must not send staff looking for a fault');
    });

    it('reminds the agency to confirm, without calling it a fault', async () => {
      ctx.clock.set(new Date('2026-03-07T14:00:00+07:00'));
      assert.equal((await ctx.services.watcher.tick()).signatureReminders, 1);
      const [reminder] = await reminders();
      const payload = JSON.parse(reminder.payload) as { subject: string; text: string };
      assert.doesNotMatch(payload.subject, /cơ quan lỗi/, `the subject should not speak of a fault: ${payload.subject}`);
      assert.match(payload.text, /người giữ chứng thư số của cơ quan xác nhận/);
    });
  });

  describe('a letter the leader signed whose agency signature keeps failing at issuance', () => {
    beforeEach(async () => {
      // The leader signed at 10:00; issuing failed on the agency's certificate and the poller retries.
      await ctx.db('letter_signing').where({ apology_id: apologyId }).update({
        state: 'leader-signed',
        leader_signed_at: new Date('2026-03-05T10:00:00+07:00').getTime(),
        message: 'Chứng thư số của cơ quan đã hết hạn — sẽ thử lại',
        attempts: 3,
      });
    });

    it('reminds the agency once the wait is urgent, saying its certificate needs attention', async () => {
      // 4 days 7 hours were left when the leader signed: urgent after 2 days 3.5 hours, Sat 07/03 13:30.
      ctx.clock.set(new Date('2026-03-06T08:00:00+07:00'));
      assert.equal((await ctx.services.watcher.tick()).signatureReminders, 0);
      ctx.clock.set(new Date('2026-03-07T14:00:00+07:00'));
      assert.equal((await ctx.services.watcher.tick()).signatureReminders, 1);
      ctx.clock.advance(60_000);
      assert.equal((await ctx.services.watcher.tick()).signatureReminders, 0, 'once');
      const [reminder, ...more] = await reminders();
      assert.equal(more.length, 0);
      assert.equal(reminder.recipient, 'sxd@cantho.example.vn');
      assert.equal(reminder.apology_id, apologyId);
      const payload = JSON.parse(reminder.payload) as { subject: string; text: string };
      assert.match(payload.subject, /thư xin lỗi hồ sơ LATE-1 chưa ban hành được: chữ ký số của cơ quan lỗi/);
      assert.match(payload.text, /Chứng thư số của cơ quan đã hết hạn/);
      assert.match(payload.text, /kiểm tra chứng thư số của cơ quan/);
    });

    it('names the letter in the digest as waiting for the agency’s signature, and drafts no second apology', async () => {
      ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
      const r = await ctx.services.watcher.tick();
      assert.equal(r.drafted, 0);
      const digest = await ctx.db('notices').where({ kind: 'at_risk_digest' }).orderBy('id', 'desc').first();
      assert.match(
        JSON.parse(digest.payload).text,
        /LATE-1 — .* — QUÁ HẠN, thư xin lỗi lãnh đạo đã ký nhưng chưa ký được chữ ký số của cơ quan \(Chứng thư số của cơ quan đã hết hạn\), cần kiểm tra chứng thư số của cơ quan \(đã chờ 4 ngày 22 giờ\)/,
        'the digest names the agency’s signature and why it could not be made',
      );
      const atRisk = await ctx.api('get', '/api/v1/at-risk').expect(200);
      const late1 = atRisk.body.items.find((i: { dossierCode: string }) => i.dossierCode === 'LATE-1');
      assert.equal(late1.urgent, true);
      assert.equal(late1.apology.signatureWaitingSince, '2026-03-05T10:00:00+07:00');
      assert.equal(late1.apology.signatureWaitingFor, 'agency', 'the API says the agency’s signature is awaited');
    });
  });
});
