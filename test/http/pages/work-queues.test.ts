import assert from 'node:assert/strict';
import { createTestContext, dossierBody, type TestContext } from '../../support/context';
import { at, seedWorkQueues as seed } from '../../support/work-queues';
import { signIn } from '../../support/pages';

/** The text of the section whose heading has this id, tags removed; fails naming the section when absent. */
function section(html: string, id: string): string {
  const m = new RegExp(`<section[^>]*aria-labelledby="${id}"[\\s\\S]*?</section>`).exec(html);
  assert.ok(m, `the dashboard has no section "${id}"`);
  return m[0];
}

describe('staff pages: the dashboard is a work queue for each role', function () {
  this.timeout(90_000);
  let ctx: TestContext;
  let ids: Record<string, number>;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    ids = await seed(ctx);
  });
  afterEach(async () => ctx?.close());

  it('counter: citizens to call with one-click "đã gọi", dossiers due today and tomorrow without an apology, drafts returned to them', async () => {
    const counter = await signIn(ctx, 'counter', 'SXD');
    const page = (await counter.agent.get('/tong-quan').expect(200)).text;

    const calls = section(page, 'q-call');
    assert.match(calls, /Lê Thị Hoa/, 'the citizen to call is named');
    assert.ok(calls.includes('<a href="tel:+84912345678">0912 345 678</a>'), 'the phone is written as in Vietnam, as a link to call');
    assert.match(calls, /SXD-QUAHAN/, 'with their dossier');
    assert.match(calls, /Số điện thoại chưa đăng ký Zalo/, 'and why the message failed');
    assert.match(calls, new RegExp(`action="/tin-nhan/${ids['call-SXD-QUAHAN']}/da-goi"`), 'one click records the call');
    assert.ok(!calls.includes('Trần Thị Bích'), "another agency's citizen is not on this counter's list");

    const due = section(page, 'q-due');
    for (const code of ['SXD-QUAHAN', 'SXD-HOMNAY', 'SXD-NGAYMAI']) assert.match(due, new RegExp(code), `${code} is due by tomorrow without an apology`);
    for (const code of ['SXD-TUANSAU', 'SXD-CHODUYET', 'SNN-QUAHAN']) assert.ok(!due.includes(code), `${code} is not the counter's to apologise for now`);
    assert.match(due, /class="badge badge-overdue">Quá hạn</, 'the slipped dossier says so in words, coloured urgent');
    assert.match(due, /class="badge badge-overdue">Hạn hôm nay</, 'due today is urgent too');
    assert.ok(due.indexOf('SXD-QUAHAN') < due.indexOf('SXD-HOMNAY') && due.indexOf('SXD-HOMNAY') < due.indexOf('SXD-NGAYMAI'), 'most urgent first');
    assert.match(due, /href="\/ho-so\/SXD-HOMNAY\/xin-loi"/, 'each links straight to the apology form');

    const returned = section(page, 'q-returned');
    assert.match(returned, /SXD-TRALAI/);
    assert.match(returned, /Ghi rõ tên cơ quan phối hợp/, "the leader's comment is shown");
    assert.ok(!page.includes('aria-labelledby="q-approve"'), 'a counter is not shown letters to approve');

    // After the call, the citizen is off the list (one click, then back to the dashboard).
    const called = await counter.agent.post(`/tin-nhan/${ids['call-SXD-QUAHAN']}/da-goi`).type('form').send({ _csrf: counter.csrf, back: '/tong-quan' }).expect(303);
    assert.equal(called.headers.location, '/tong-quan?ok=message-called');
    assert.ok(!section((await counter.agent.get('/tong-quan').expect(200)).text, 'q-call').includes('Lê Thị Hoa'), 'a called citizen leaves the list');
  });

  it('leader: letters waiting for approval or signature, oldest first, each with the deadline it races; nothing else', async () => {
    const leader = await signIn(ctx, 'leader', 'SXD');
    const page = (await leader.agent.get('/tong-quan').expect(200)).text;
    const letters = section(page, 'q-approve');
    assert.ok(letters.includes(`href="/thu-xin-loi/${ids.old}"`) && letters.includes(`href="/thu-xin-loi/${ids.waiting}"`), 'both waiting drafts are listed');
    assert.ok(letters.indexOf(`/thu-xin-loi/${ids.old}"`) < letters.indexOf(`/thu-xin-loi/${ids.waiting}"`), 'the oldest draft comes first');
    assert.ok(!letters.includes(`/thu-xin-loi/${ids.returned}"`), 'a draft returned to its drafter waits for them, not the leader');
    assert.ok(!letters.includes(`/thu-xin-loi/${ids.snn}"`), "another agency's letter is not this leader's to approve");
    assert.match(letters, /Hạn hôm nay/, 'the deadline the SXD-CHODUYET letter races is due today');
    assert.match(letters, /26\/03\/2026/, 'the older letter races 26/03/2026');
    assert.ok(!page.includes('aria-labelledby="q-call"'), 'a leader is not shown the call list');
    assert.ok(!page.includes('aria-labelledby="q-late-agencies"'), 'a leader is not shown other agencies');
  });

  it("officer: their agency's dossiers due soon, each with the action that stops the slip", async () => {
    const officer = await signIn(ctx, 'officer', 'SXD');
    const page = (await officer.agent.get('/tong-quan').expect(200)).text;
    const soon = section(page, 'q-soon');
    for (const code of ['SXD-QUAHAN', 'SXD-HOMNAY', 'SXD-NGAYMAI', 'SXD-CHODUYET']) assert.match(soon, new RegExp(code), `${code} is due soon or late`);
    assert.ok(!soon.includes('SNN-QUAHAN'), "another agency's dossier is not this officer's");
    assert.match(soon, /href="\/ho-so\/SXD-NGAYMAI\/xin-loi"[^>]*>Soạn thư xin lỗi/, 'without an apology: draft one');
    assert.match(soon, new RegExp(`href="/thu-xin-loi/${ids.waiting}"[^>]*>[^<]*chờ lãnh đạo duyệt`, 'i'), 'with a draft: it waits for the leader');
    assert.ok(!page.includes('aria-labelledby="q-approve"'), 'an officer is not shown letters to approve');
  });

  it('supervisor: agencies late today, most late first; no lists to act on', async () => {
    const supervisor = await signIn(ctx, 'supervisor', null);
    const page = (await supervisor.agent.get('/tong-quan').expect(200)).text;
    const late = section(page, 'q-late-agencies');
    assert.match(late, /SXD/);
    assert.match(late, /SNN/);
    assert.match(late.replaceAll('&#x3D;', '='), /href="\/ho-so\?agency=SNN&amp;timeliness=overdue"/, 'each agency links to its late dossiers');
    for (const q of ['q-call', 'q-due', 'q-approve', 'q-soon']) assert.ok(!page.includes(`aria-labelledby="${q}"`), `a supervisor changes nothing: no ${q}`);
  });

  it('reads each queue in a fixed number of queries, however long it is', async () => {
    const counter = await signIn(ctx, 'counter', 'SXD');
    const count = async () => {
      let n = 0;
      const onQuery = () => (n += 1);
      ctx.db.on('query', onQuery);
      await counter.agent.get('/tong-quan').expect(200);
      ctx.db.removeListener('query', onQuery);
      return n;
    };
    const before = await count();
    for (let i = 0; i < 5; i += 1) {
      await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: `SXD-THEM-${i}`, acceptedAt: '2026-03-02T08:00:00+07:00' })).expect(201);
      await ctx.db('dossiers').where({ code: `SXD-THEM-${i}` }).update({ current_due_at: at('2026-03-19T17:00:00+07:00') });
    }
    assert.equal(await count(), before, 'five more dossiers due tomorrow must not add a query each');
  });
});
