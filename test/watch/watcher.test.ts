import assert from 'node:assert/strict';
import { buildServices } from '../../src/compose';
import { createLogger } from '../../src/logger';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';
import { FakePdfRenderer } from '../fakes/pdf';

describe('deadline watcher', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    // Accepted 02/02 → due Mon 09/03 17:00. A second one due today (Mon 02/03) to be "due soon".
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE-1', acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'SOON-1', acceptedAt: '2026-01-26T08:00:00+07:00' })).expect(201);
  });
  afterEach(async () => ctx.close());

  const count = async (table: string, where: Record<string, unknown> = {}) => Number((await ctx.db(table).where(where).count({ n: '*' }).first())?.n);

  it('sends each agency one digest a day listing what is due soon', async () => {
    const first = await ctx.services.watcher.tick();
    assert.equal(first.digests, 1);
    const digest = await ctx.db('notices').where({ kind: 'at_risk_digest' }).first();
    assert.equal(digest.recipient, 'sxd@cantho.example.vn', 'the digest goes to the agency’s contact address');
    assert.equal(digest.audience, 'staff');
    assert.match(JSON.parse(digest.payload).text, /SOON-1/);
    assert.doesNotMatch(JSON.parse(digest.payload).text, /LATE-1/, 'LATE-1 is due on 09/03, not yet at risk on 02/03');
    ctx.clock.set(new Date('2026-03-02T15:00:00+07:00'));
    assert.equal((await ctx.services.watcher.tick()).digests, 0, 'a second tick the same day sends no second digest');
    ctx.clock.set(new Date('2026-03-06T08:00:00+07:00'));
    await ctx.services.watcher.tick();
    assert.equal(await count('notices', { kind: 'at_risk_digest' }), 2, 'a new day, a new digest');
  });

  it('lists, when asked, only what came onto the at-risk list since a given instant: registered or changed since, or due soon only now', async () => {
    const keys = (items: { dossier: { code: string; deadlineVersion: number } }[]) => items.map((i) => `${i.dossier.code}@${i.dossier.deadlineVersion}`);
    ctx.clock.set(new Date('2026-03-02T09:30:00+07:00'));
    const firstLook = ctx.clock.now().getTime();
    const first = keys(await ctx.services.watcher.atRisk(null));
    assert.deepEqual(first, ['SOON-1@1']);
    ctx.clock.set(new Date('2026-03-02T10:00:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'NEW-1', acceptedAt: '2026-01-26T09:00:00+07:00' })).expect(201);
    ctx.clock.set(new Date('2026-03-02T10:30:00+07:00'));
    const secondLook = ctx.clock.now().getTime();
    assert.deepEqual(keys(await ctx.services.watcher.atRisk(null, 500, firstLook)), ['NEW-1@1'], 'SOON-1 was already on the list at the first look; NEW-1 was registered since');
    ctx.clock.set(new Date('2026-03-06T08:00:00+07:00'));
    const whole = keys(await ctx.services.watcher.atRisk(null));
    assert.ok(whole.includes('LATE-1@1'), `LATE-1 (due 09/03) is due soon on 06/03: ${whole.join(', ')}`);
    assert.deepEqual(keys(await ctx.services.watcher.atRisk(null, 500, secondLook)), ['LATE-1@1'], 'only LATE-1 was not on the list at the second look');
    const api = await ctx.api('get', `/api/v1/at-risk?enteredSince=${encodeURIComponent(new Date(secondLook).toISOString())}`).expect(200);
    assert.deepEqual(api.body.items.map((i: { dossierCode: string }) => i.dossierCode), ['LATE-1'], 'the API answers the same with ?enteredSince=');
    const bad = await ctx.api('get', '/api/v1/at-risk?enteredSince=hôm-qua').expect(400);
    assert.match(JSON.stringify(bad.body), /enteredSince/, 'a malformed instant is refused naming the parameter');
  });

  it('issues exactly one apology for a slipped dossier in auto mode, however often it runs', async () => {
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    const r = await ctx.services.watcher.tick();
    assert.equal(r.issued, 2, 'both LATE-1 (due 09/03) and SOON-1 (due 02/03) have slipped');
    await ctx.services.watcher.tick();
    ctx.clock.advance(60_000);
    await ctx.services.watcher.tick();
    assert.equal(await count('apologies'), 2, 'ticking again must not create another apology');
    const res = await ctx.api('get', '/api/v1/apologies?status=issued').expect(200);
    const late1 = res.body.items.find((a: { dossierCode: string }) => a.dossierCode === 'LATE-1');
    assert.equal(late1.late, true, 'an apology after the deadline is late');
    assert.equal(late1.origin, 'watcher');
    assert.equal(late1.reason, 'Hồ sơ cần thẩm định thêm tại hiện trường', 'the procedure’s default reason');
    assert.equal(late1.newDueAt, '2026-03-17T17:00:00+07:00', 'counted from today (10/03) + 5 working days, never a date already gone');
    assert.equal(late1.signer.name, 'Trần Văn Bình');
    assert.equal(late1.signer.onBehalf, 'KT. GIÁM ĐỐC');
    assert.equal(await count('notices', { kind: 'new_appointment', channel: 'zalo' }), 2, 'a Zalo notice for each of the two citizens');
    const pdfs = await ctx.db('apology_documents').whereNotNull('pdf').count({ n: '*' }).first();
    assert.equal(Number(pdfs?.n), 2, 'the tick also renders the letters’ PDFs');
  });

  it('never doubles work when several watchers run at once or the process restarts', async () => {
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    const other = buildServices(ctx.config, ctx.db, ctx.clock, createLogger('silent'), { pdf: new FakePdfRenderer() });
    await Promise.all([ctx.services.watcher.tick(), other.watcher.tick(), ctx.services.watcher.tick()]);
    const restarted = buildServices(ctx.config, ctx.db, ctx.clock, createLogger('silent'), { pdf: new FakePdfRenderer() });
    await restarted.watcher.tick();
    assert.equal(await count('apologies'), 2);
    const numbers = (await ctx.db('apologies').select('letter_number').orderBy('letter_number')).map((r: { letter_number: string }) => r.letter_number);
    assert.deepEqual(numbers, ['01/PXL-SXD', '02/PXL-SXD'], 'letter numbers are consecutive: no number lost to a losing watcher');
  });

  it('in auto mode issues the apology an officer drafted ahead of the deadline once the dossier slips, instead of leaving it for a leader', async () => {
    // Found by the replay (issue 18): the officer answers the at-risk warning with a draft; no
    // leader approves it before the deadline; the watcher skipped the dossier because a draft
    // existed, and when the late result was recorded the draft was cancelled — never apologised.
    ctx.clock.set(new Date('2026-03-09T10:00:00+07:00'));
    const draft = await ctx.api('post', '/api/v1/dossiers/LATE-1/apologies').send({ reason: 'Chờ kết quả thẩm định của Sở Tài nguyên và Môi trường' }).expect(201);
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    const r = await ctx.services.watcher.tick();
    const letters = await ctx.db('apologies').join('dossiers', 'dossiers.id', 'apologies.dossier_id').where('dossiers.code', 'LATE-1').select('apologies.id', 'apologies.status', 'apologies.reason');
    assert.equal(letters.length, 1, `LATE-1 must have exactly one letter (the officer's), not a second one drafted by the watcher: ${JSON.stringify(letters)}`);
    assert.equal(letters[0].id, draft.body.id, "the letter issued is the officer's draft");
    assert.equal(letters[0].status, 'issued', 'an auto-mode agency apologises as soon as the dossier slips, even when the draft came from an officer');
    assert.equal(letters[0].reason, 'Chờ kết quả thẩm định của Sở Tài nguyên và Môi trường', "with the officer's reason");
    assert.equal(r.issued, 2, 'both LATE-1 and SOON-1 are apologised in this tick');
    await ctx.services.watcher.tick();
    assert.equal(await count('apologies'), 2, 'ticking again creates nothing');
  });

  it('in review mode leaves an officer’s early draft to the leader after the dossier slips', async () => {
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { apologyMode: 'review' } }).expect(200);
    ctx.clock.set(new Date('2026-03-09T10:00:00+07:00'));
    await ctx.api('post', '/api/v1/dossiers/LATE-1/apologies').send({}).expect(201);
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    await ctx.services.watcher.tick();
    const statuses = (await ctx.db('apologies').join('dossiers', 'dossiers.id', 'apologies.dossier_id').where('dossiers.code', 'LATE-1').select('apologies.status')).map((a: { status: string }) => a.status);
    assert.deepEqual(statuses, ['draft'], 'review mode: the draft waits for the leader, and no second draft is made');
  });

  it('leaves a draft for a leader in review mode and shows it as urgent', async () => {
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { apologyMode: 'review' } }).expect(200);
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    const r = await ctx.services.watcher.tick();
    assert.equal(r.drafted, 2);
    assert.equal(r.issued, 0, 'review mode waits for a leader');
    const atRisk = await ctx.api('get', '/api/v1/at-risk').expect(200);
    const late1 = atRisk.body.items.find((i: { dossierCode: string }) => i.dossierCode === 'LATE-1');
    assert.equal(late1.urgent, true);
    assert.equal(late1.apology.status, 'draft');
    await ctx.services.watcher.tick();
    assert.equal(await count('apologies'), 2);
  });

  it('escalates a dossier that misses its new date instead of re-appointing it again', async () => {
    ctx.clock.set(new Date('2026-03-10T08:00:00+07:00'));
    await ctx.services.watcher.tick();
    ctx.clock.set(new Date('2026-03-18T08:00:00+07:00')); // the new dates (17/03) have passed
    const r = await ctx.services.watcher.tick();
    assert.equal(r.escalated, 2);
    assert.equal(r.issued, 0, 'maxExtensions = 1: no second re-appointment');
    await ctx.services.watcher.tick();
    const esc = await ctx.api('get', '/api/v1/escalations').expect(200);
    assert.deepEqual(esc.body.items.map((e: { dossierCode: string }) => e.dossierCode).sort(), ['LATE-1', 'SOON-1'], 'each escalated once');
    const history = await ctx.api('get', '/api/v1/dossiers/LATE-1/events').expect(200);
    assert.equal(history.body.items.filter((e: { kind: string }) => e.kind === 'escalated').length, 1);
  });

  it('leaves paused and resolved dossiers alone', async () => {
    await ctx.api('post', '/api/v1/dossiers/LATE-1/events').send({ kind: 'supplement_requested', occurredAt: '2026-03-02T08:00:00+07:00' }).expect(201);
    await ctx.api('post', '/api/v1/dossiers/SOON-1/events').send({ kind: 'resolved', occurredAt: '2026-03-02T08:30:00+07:00' }).expect(201);
    ctx.clock.set(new Date('2026-03-20T08:00:00+07:00'));
    const r = await ctx.services.watcher.tick();
    assert.deepEqual([r.drafted, r.issued, r.escalated], [0, 0, 0]);
  });
});
