import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';
import { signIn } from '../support/pages';

const CODE = 'REVIEW-0001';

describe('the leader reviews a draft: sees the letter, revises it in place or returns it to the drafter', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let id: number;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: CODE })).expect(201);
    // 20 working days from 12/02/2026 (with Tết) have passed by 20/03.
    ctx.clock.set(new Date('2026-03-20T09:00:00+07:00'));
    const res = await ctx.api('post', `/api/v1/dossiers/${CODE}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-27' }).expect(201);
    id = (res.body as { id: number }).id;
  });
  afterEach(async () => ctx?.close());

  const draft = () => ctx.db('apologies').where({ id }).first();
  const events = async (kind: string) => (await ctx.db('dossier_events').where({ kind })).length;

  it('API: a revision is checked like a draft (bad field → 4xx naming it, nothing changes), recorded in the history', async () => {
    const before = await draft();
    const saturday = await ctx.api('post', `/api/v1/apologies/${id}/revise`).send({ newDueDate: '2026-03-28' }).expect(422);
    assert.equal(saturday.body.errors?.[0]?.field, 'newDueDate', `a Saturday is refused on the field newDueDate: ${JSON.stringify(saturday.body)}`);
    const blank = await ctx.api('post', `/api/v1/apologies/${id}/revise`).send({ reason: '  ' }).expect(400);
    assert.ok(blank.body.errors.some((e: { field: string }) => e.field === 'reason'), `an empty reason is refused on the field reason: ${JSON.stringify(blank.body)}`);
    await ctx.api('post', `/api/v1/apologies/${id}/revise`).send({ signerName: 'Ai đó' }).expect(400);
    assert.deepEqual(await draft(), before, 'no refused revision changed the draft');
    assert.equal(await events('apology_revised'), 0);

    const ok = await ctx.api('post', `/api/v1/apologies/${id}/revise`).send({ reason: 'Cần lấy ý kiến của Sở Tài nguyên và Môi trường', newDueDate: '2026-03-30' }).expect(200);
    assert.equal(ok.body.reason, 'Cần lấy ý kiến của Sở Tài nguyên và Môi trường');
    assert.equal(ok.body.newDueDate, '2026-03-30');
    assert.equal(ok.body.status, 'draft', 'a revision does not approve');
    assert.equal(await events('apology_revised'), 1, 'the revision is in the dossier history');
  });

  it('API: returned to the drafter with a comment, it cannot be approved until revised; then it can', async () => {
    const noComment = await ctx.api('post', `/api/v1/apologies/${id}/return`).send({ comment: '' }).expect(400);
    assert.equal(noComment.body.errors?.[0]?.field, 'comment');
    assert.equal((await draft()).returned_at, null, 'a refused return changed nothing');

    const returned = await ctx.api('post', `/api/v1/apologies/${id}/return`).send({ comment: 'Ghi rõ đơn vị phối hợp chậm trả lời' }).expect(200);
    assert.equal(returned.body.returned?.comment, 'Ghi rõ đơn vị phối hợp chậm trả lời');
    assert.equal(await events('apology_returned'), 1, 'the return is in the dossier history');
    const approve = await ctx.api('post', `/api/v1/apologies/${id}/approve`).expect(409);
    assert.equal(approve.body.type, 'urn:henlai:problem:apology-returned');
    await ctx.api('post', `/api/v1/apologies/${id}/return`).send({ comment: 'lần nữa' }).expect(409);

    const revised = await ctx.api('post', `/api/v1/apologies/${id}/revise`).send({ reason: 'Sở Tài nguyên và Môi trường chưa có văn bản trả lời' }).expect(200);
    assert.equal(revised.body.returned, null, 'revising sends the draft back for approval');
    await ctx.api('post', `/api/v1/apologies/${id}/approve`).expect(200);
    assert.equal((await draft()).status, 'issued');
  });

  it('pages: the leader sees the letter with the number and date blank, edits it, returns it; the counter cannot return', async () => {
    const leader = await signIn(ctx, 'leader', 'SXD');
    const page = await leader.agent.get(`/thu-xin-loi/${id}`).expect(200);
    assert.match(page.text, new RegExp(`<iframe[^>]+src="/thu-xin-loi/${id}/xem-truoc"`), 'the draft page shows the letter');
    assert.match(page.text, new RegExp(`action="/thu-xin-loi/${id}/sua"`), 'the leader may edit in place');
    assert.match(page.text, new RegExp(`action="/thu-xin-loi/${id}/tra-lai"`), 'the leader may return it');
    const letter = await leader.agent.get(`/thu-xin-loi/${id}/xem-truoc`).expect(200);
    assert.match(letter.text, /Cần khảo sát lại hiện trạng công trình/);
    assert.match(letter.text, /\/PXL-SXD/, 'the number is a placeholder before the symbol');
    assert.match(letter.text, /ngày(\s|&nbsp;|\u00a0)+tháng(\s|&nbsp;|\u00a0)+năm 2026/, 'the date is a placeholder');

    const before = await draft();
    const bad = await leader.agent.post(`/thu-xin-loi/${id}/sua`).type('form').send({ _csrf: leader.csrf, reason: 'Lý do mới', newDueDate: '2026-03-28' }).expect(422);
    assert.match(bad.text, /id="e-newDueDate"/, 'the refusal is shown beside the date');
    assert.deepEqual(await draft(), before, 'a refused edit changed nothing');
    const edited = await leader.agent.post(`/thu-xin-loi/${id}/sua`).type('form').send({ _csrf: leader.csrf, reason: 'Lý do mới', newDueDate: '2026-03-30' }).expect(303);
    assert.equal(edited.headers.location, `/thu-xin-loi/${id}?ok=apology-revised`);
    assert.equal((await draft()).reason, 'Lý do mới');

    const counter = await signIn(ctx, 'counter', 'SXD');
    await counter.agent.post(`/thu-xin-loi/${id}/tra-lai`).type('form').send({ _csrf: counter.csrf, comment: 'x' }).expect(403);
    const empty = await leader.agent.post(`/thu-xin-loi/${id}/tra-lai`).type('form').send({ _csrf: leader.csrf, comment: ' ' }).expect(400);
    assert.match(empty.text, /id="e-comment"/, 'an empty comment is explained beside its box');
    assert.equal((await draft()).returned_at, null);
    await leader.agent.post(`/thu-xin-loi/${id}/tra-lai`).type('form').send({ _csrf: leader.csrf, comment: 'Ghi rõ đơn vị phối hợp' }).expect(303);
    const counterView = await counter.agent.get(`/thu-xin-loi/${id}`).expect(200);
    assert.match(counterView.text, /Trả lại để sửa/, 'the drafter sees the draft is back with them');
    assert.match(counterView.text, /Ghi rõ đơn vị phối hợp/, "the drafter sees the leader's comment");
    assert.match(counterView.text, new RegExp(`action="/thu-xin-loi/${id}/sua"`), 'the drafter may revise a returned draft');
    const leaderView = await leader.agent.get(`/thu-xin-loi/${id}`).expect(200);
    assert.ok(!leaderView.text.includes(`action="/thu-xin-loi/${id}/duyet"`), 'a returned draft offers no approval');
  });
});
