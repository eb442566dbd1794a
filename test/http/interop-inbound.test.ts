import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { AGENCY, createTestContext, seedBasics, type TestContext } from '../support/context';
import { FakeOneStopPusher, compact } from '../fakes/onestop/push';

/**
 * A province's one-stop system pushes its dossiers in the national synchronisation format
 * (DongBoHoSoMC, CapNhatTienDoHoSoMC) over real HTTP; Hẹn Lại registers and moves them through
 * its own dossier use cases. The test clock stands on 02/03/2026 09:00 (Vietnam).
 */
describe('interop inbound: dossiers pushed by a one-stop system (DongBoHoSoMC)', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let server: Server;
  let base: string;
  let fake: FakeOneStopPusher;
  /** The due date our calendar gives a dossier accepted 12/02/2026 09:30 (20 working days). */
  let ourDue: string;
  let sourceToken: string;

  async function dossier(code: string) {
    return (await ctx.api('get', `/api/v1/dossiers/${encodeURIComponent(code)}`).expect(200)).body;
  }
  async function events(code: string): Promise<string[]> {
    return (await ctx.api('get', `/api/v1/dossiers/${encodeURIComponent(code)}/events`).expect(200)).body.items.map((e: { kind: string }) => e.kind);
  }
  async function dossierCount(): Promise<number> {
    return Number((await ctx.db('dossiers').count({ n: '*' }))[0].n);
  }

  before(async () => {
    ctx = await createTestContext();
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'STP', name: 'Sở Tư pháp thành phố Cần Thơ', letterSymbol: 'PXL-STP' }).expect(201);
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const created = await ctx.api('post', '/api/v1/interop/sources').send({ code: 'IGATE-CT', name: 'Một cửa điện tử Cần Thơ', secret: 'bí-mật-dùng-chung-0123456789' }).expect(201);
    assert.match(created.body.token, /^hl_/, 'creating a source gives its inbound token once');
    assert.equal(created.body.hasSecret, true);
    assert.equal(created.body.secret, undefined, 'the shared secret is never shown back');
    sourceToken = created.body.token;
    fake = new FakeOneStopPusher(base, created.body.token);
    ourDue = (await ctx.api('get', '/api/v1/calendar/due?from=2026-02-12T09:30:00%2B07:00&days=20&agency=SXD').expect(200)).body.dueAt;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ctx.close();
  });

  it('registers a pushed dossier with the due date of our calendar, answering error_code 0', async () => {
    const answer = await fake.push(fake.register('H13.01-260212-0001', '2026-02-12T09:30:00+07:00', ourDue));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual([answer.body.error_code, answer.body.outcome], [0, 'created']);
    const d = await dossier('H13.01-260212-0001');
    assert.equal(d.state, 'received');
    assert.equal(d.currentDueAt, ourDue);
    assert.equal(d.applicant.name, 'Nguyễn Văn An');
    assert.equal(answer.body.dueDisagrees, false, 'their NgayHenTra is our date: no disagreement');
  });

  it('the same payload twice changes nothing', async () => {
    const before = await events('H13.01-260212-0001');
    const answer = await fake.push(fake.snapshot('H13.01-260212-0001'));
    assert.deepEqual([answer.body.error_code, answer.body.outcome], [0, 'unchanged']);
    assert.deepEqual(await events('H13.01-260212-0001'), before, 'no event may be added by a repeated payload');
  });

  it('status changes become the registry events; an older payload arriving late never moves the dossier back', async () => {
    const code = 'H13.01-260212-0002';
    const registered = fake.register(code, '2026-02-12T09:30:00+07:00', ourDue);
    const processing = fake.change(code, { TrangThaiHoSo: '4' });
    const resolved = fake.change(code, { TrangThaiHoSo: '9', NgayKetThucXuLy: compact('2026-02-27T15:00:00+07:00') });
    assert.equal((await fake.push(resolved)).body.outcome, 'created');
    assert.equal((await dossier(code)).state, 'resolved');
    for (const late of [processing, registered]) {
      const answer = await fake.push(late);
      assert.deepEqual([answer.body.error_code, answer.body.outcome], [0, 'stale'], `a late TrangThaiHoSo ${late.TrangThaiHoSo} is taken but ignored`);
    }
    assert.equal((await dossier(code)).state, 'resolved', 'the dossier stays resolved');
    assert.deepEqual(await events(code), ['created', 'resolved']);
    const returned = fake.change(code, { TrangThaiHoSo: '10', NgayTra: compact('2026-02-28T08:00:00+07:00') });
    assert.equal((await fake.push(returned)).body.outcome, 'updated');
    assert.equal((await dossier(code)).state, 'returned');
  });

  it('a batch carrying the same dossier twice applies both versions in order, and registers the rest together', async () => {
    const code = 'H13.01-260212-0021';
    const first = fake.register(code, '2026-02-12T09:30:00+07:00', ourDue);
    const later = fake.change(code, { TrangThaiHoSo: '4' });
    const other = fake.register('H13.01-260212-0022', '2026-02-12T09:30:00+07:00', ourDue);
    const answer = await fake.push([first, other, later]);
    assert.deepEqual((answer.body.results as { outcome: string }[]).map((r) => r.outcome), ['created', 'created', 'updated']);
    assert.equal((await dossier(code)).state, 'processing');
    assert.deepEqual(await events(code), ['created', 'processing_started']);
    const again = await fake.push([first, other, later]);
    assert.deepEqual((again.body.results as { outcome: string }[]).map((r) => r.outcome), ['stale', 'unchanged', 'unchanged'], 'the whole batch again changes nothing');
    assert.deepEqual(await events(code), ['created', 'processing_started']);
  });

  it('a supplement round stops the clock; the papers back with NgayHenTraMoi restart it, both dates kept', async () => {
    const code = 'H13.01-260212-0003';
    await fake.push(fake.register(code, '2026-02-12T09:30:00+07:00', ourDue));
    const asked = await fake.push(fake.requestSupplement(code, '2026-02-24T10:00:00+07:00', 'Bổ sung bản vẽ mặt bằng'));
    assert.equal(asked.body.outcome, 'updated');
    const waiting = await dossier(code);
    assert.equal(waiting.state, 'waiting_supplement');
    assert.equal(waiting.currentDueAt, null, 'no due date while the citizen completes the dossier');
    const back = await fake.push(fake.receiveSupplement(code, '2026-02-27T14:00:00+07:00', '2026-04-10T17:00:00+07:00'));
    assert.equal(back.body.outcome, 'updated');
    const resumed = await dossier(code);
    assert.equal(resumed.state, 'processing');
    assert.notEqual(resumed.currentDueAt, null, 'the clock runs again');
    assert.deepEqual(await events(code), ['created', 'supplement_requested', 'supplement_received']);
    const link = await ctx.db('interop_dossiers').join('dossiers', 'dossiers.id', 'interop_dossiers.dossier_id').where('dossiers.code', code).first();
    assert.equal(Number(link.their_due_at), Date.parse('2026-04-10T17:00:00+07:00'), 'their NgayHenTraMoi is kept');
    assert.equal(Number(link.our_due_at), Date.parse(resumed.currentDueAt), 'beside our own date');
    assert.equal(back.body.dueDisagrees, resumed.currentDueAt.slice(0, 10) !== '2026-04-10', 'flagged exactly when the two days differ');
    // The same round pushed again (a retry of the sync) adds nothing.
    assert.equal((await fake.push(fake.snapshot(code))).body.outcome, 'unchanged');
    assert.deepEqual(await events(code), ['created', 'supplement_requested', 'supplement_received']);
  });

  it('progress steps (CapNhatTienDoHoSoMC) move the dossier; the same step again changes nothing', async () => {
    const code = 'H13.01-260212-0004';
    await fake.push(fake.register(code, '2026-02-12T09:30:00+07:00', ourDue));
    const step = fake.progress(code, '4', '2026-02-13T08:00:00+07:00', 'Chuyển phòng chuyên môn thẩm định');
    assert.equal((await fake.pushProgress(step)).body.outcome, 'updated');
    assert.equal((await dossier(code)).state, 'processing');
    assert.equal((await fake.pushProgress(step)).body.outcome, 'unchanged');
    assert.deepEqual(await events(code), ['created', 'processing_started']);
    const unknown = await fake.pushProgress(fake.progress(code, '4', '2026-02-13T08:00:00+07:00', 'x') && { ...step, MaHoSo: 'KHONG-CO-0001' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_code, 5);
  });

  it('their due date differing from ours is kept and flagged; the report counts it per procedure', async () => {
    const code = 'H13.01-260212-0005';
    const answer = await fake.push(fake.register(code, '2026-02-12T09:30:00+07:00', '2026-03-05T17:00:00+07:00'));
    assert.equal(answer.body.dueDisagrees, true);
    assert.equal((await dossier(code)).currentDueAt, ourDue, 'ours governs unless the source says otherwise');
    const report = await ctx.api('get', '/api/v1/interop/disagreements?groupBy=procedure').expect(200);
    const row = report.body.items.find((r: { key: string }) => r.key === '1.009972');
    assert.ok(row, 'the procedure has a row');
    assert.ok(row.disagreements >= 1 && row.disagreements < row.dossiers, `disagreements counted among the dossiers: ${JSON.stringify(row)}`);
  });

  it('a source set to let their date govern registers the dossier with NgayHenTra', async () => {
    const created = await ctx.api('post', '/api/v1/interop/sources').send({ code: 'OPENCPS', name: 'OpenCPS', dueGoverns: 'theirs' }).expect(201);
    const theirs = new FakeOneStopPusher(base, created.body.token);
    const answer = await theirs.push(theirs.register('OPC-0001', '2026-02-12T09:30:00+07:00', '2026-03-05T17:00:00+07:00'));
    assert.equal(answer.body.outcome, 'created');
    assert.equal((await dossier('OPC-0001')).currentDueAt, '2026-03-05T17:00:00+07:00');
  });

  it('an unknown code refuses that dossier, naming it, while the others go in; mapped, the refusal replays', async () => {
    const good1 = fake.register('H13.01-260212-0011', '2026-02-12T09:30:00+07:00', ourDue);
    const unknown = fake.register('H13.01-260212-0012', '2026-02-12T09:30:00+07:00', ourDue, { MaTTHC: '2.000123' });
    const good2 = fake.register('H13.01-260212-0013', '2026-02-12T09:30:00+07:00', ourDue);
    const answer = await fake.push([good1, unknown, good2]);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.error_code, 2);
    const results = answer.body.results as { MaHoSo: string; error_code: number; message: string; refusalId?: number }[];
    assert.deepEqual(results.map((r) => r.error_code), [0, 2, 0]);
    assert.match(results[1].message, /MaTTHC "2\.000123"/, 'the message names the unknown code');
    await dossier('H13.01-260212-0011');
    await dossier('H13.01-260212-0013');
    await ctx.api('get', '/api/v1/dossiers/H13.01-260212-0012').expect(404);

    const refusals = await ctx.api('get', '/api/v1/interop/refusals?open=true').expect(200);
    const listed = refusals.body.items.find((r: { id: number }) => r.id === results[1].refusalId);
    assert.equal(listed?.MaHoSo, 'H13.01-260212-0012', 'the refusal is listed for the administrator');
    await ctx.api('put', '/api/v1/interop/sources/IGATE-CT/mappings').send({ kind: 'procedure', theirCode: '2.000123', ourCode: '1.009972' }).expect(204);
    const replay = await ctx.api('post', `/api/v1/interop/refusals/${results[1].refusalId}/replay`).expect(200);
    assert.equal(replay.body.outcome, 'created');
    assert.equal((await dossier('H13.01-260212-0012')).procedure.code, '1.009972');
    const open = await ctx.api('get', '/api/v1/interop/refusals?open=true').expect(200);
    assert.ok(!open.body.items.some((r: { id: number }) => r.id === results[1].refusalId), 'a replayed refusal is no longer open');
  });

  it('keeps the refusal of a payload sent with an Idempotency-Key for the administrator, and frees the key', async () => {
    const first = await fake.push(fake.register('H13.01-260212-0021', '2026-02-12T09:30:00+07:00', ourDue));
    assert.equal(first.body.error_code, 0, JSON.stringify(first.body));
    const changed = fake.register('H13.01-260212-0021', '2026-02-12T10:30:00+07:00', ourDue);
    const send = () =>
      fetch(`${base}/api/v1/interop/DongBoHoSoMC`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/json', 'idempotency-key': 'k-refused' },
        body: JSON.stringify(changed),
      });
    const refused = await send();
    const body = (await refused.json()) as { error_code: number; refusalId?: number };
    assert.equal(refused.status, 409, `the same code with other content should be refused as a conflict: ${JSON.stringify(body)}`);
    const refusals = await ctx.api('get', '/api/v1/interop/refusals?open=true').expect(200);
    assert.ok(
      refusals.body.items.some((r: { id: number }) => r.id === body.refusalId),
      `the refusal the answer names (${body.refusalId}) should be listed for the administrator, not undone with the answer it did not store`,
    );
    assert.equal((await send()).headers.get('idempotent-replayed'), null, 'a refusal is not replayed: the key is free for a retry');
  });

  it('an agency-bound source cannot push dossiers for another agency', async () => {
    const created = await ctx.api('post', '/api/v1/interop/sources').send({ code: 'MC-SXD', name: 'Một cửa Sở Xây dựng', agencyCode: 'SXD' }).expect(201);
    const bound = new FakeOneStopPusher(base, created.body.token);
    const n = await dossierCount();
    const answer = await bound.push(bound.register('STP-0001', '2026-02-12T09:30:00+07:00', ourDue, { DonViXuLy: 'STP' }));
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error_code, 3);
    assert.equal(await dossierCount(), n, 'nothing written');
    assert.equal((await bound.push(bound.register('SXD-0001', '2026-02-12T09:30:00+07:00', ourDue))).body.outcome, 'created', 'its own agency goes in');
    await ctx.api('get', '/api/v1/interop/sources', created.body.token).expect(403);
  });

  it('a patch of a source changes only what it names (disabling it keeps its agency, mode and addresses)', async () => {
    await ctx
      .api('post', '/api/v1/interop/sources')
      .send({ code: 'MC-PULL', name: 'Một cửa kéo', agencyCode: 'SXD', mode: 'pull', pullUrl: 'http://127.0.0.1:9/hoso', outboundUrl: 'http://127.0.0.1:9/ketqua', dueGoverns: 'theirs' })
      .expect(201);
    const patched = await ctx.api('patch', '/api/v1/interop/sources/MC-PULL').send({ enabled: false }).expect(200);
    const { enabled, ...kept } = patched.body;
    assert.equal(enabled, false);
    assert.deepEqual(
      { agencyCode: kept.agencyCode, mode: kept.mode, pullUrl: kept.pullUrl, outboundUrl: kept.outboundUrl, dueGoverns: kept.dueGoverns },
      { agencyCode: 'SXD', mode: 'pull', pullUrl: 'http://127.0.0.1:9/hoso', outboundUrl: 'http://127.0.0.1:9/ketqua', dueGoverns: 'theirs' },
      'disabling a source reset fields the patch did not name to the defaults of a new source',
    );
  });

  it('a token that is no source is refused at the door', async () => {
    const n = await dossierCount();
    const res = await ctx.api('post', '/api/v1/interop/DongBoHoSoMC').send(fake.register('X-1', '2026-02-12T09:30:00+07:00', ourDue)).expect(403);
    assert.match(res.body.title, /nguồn liên thông/);
    assert.equal(await dossierCount(), n);
  });
});

describe('interop inbound: bad input is named and nothing is half-written', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let server: Server;
  let fake: FakeOneStopPusher;

  before(async () => {
    ctx = await createTestContext();
    await seedBasics(ctx);
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const created = await ctx.api('post', '/api/v1/interop/sources').send({ code: 'IGATE-CT', name: 'Một cửa điện tử Cần Thơ' }).expect(201);
    fake = new FakeOneStopPusher(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, created.body.token);
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ctx.close();
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a malformed date (month 13)', { NgayTiepNhan: '20261332090000' }, 'NgayTiepNhan', /20261332090000.*yyyyMMddHHmmss/],
    ['a date that is not digits', { NgayHenTra: '12/02/2026' }, 'NgayHenTra', /yyyyMMddHHmmss/],
    ['an unknown status code', { TrangThaiHoSo: '11' }, 'TrangThaiHoSo', /"11".*1–10/],
    ['a missing MaHoSo', { MaHoSo: '' }, 'MaHoSo', /Thiếu MaHoSo/],
    ['a resolved dossier without its end date', { TrangThaiHoSo: '9' }, 'NgayKetThucXuLy', /NgayKetThucXuLy/],
    ['a reception in the future', { NgayTiepNhan: '20260305090000' }, 'NgayTiepNhan', /tương lai/],
  ];
  for (const [what, patch, field, message] of cases) {
    it(`refuses ${what}, naming ${field}, in problem+json and error_code`, async () => {
      const before = Number((await ctx.db('dossiers').count({ n: '*' }))[0].n);
      const payload = { ...fake.register(`BAD-${field}`, '2026-02-12T09:30:00+07:00', '2026-03-12T17:00:00+07:00'), ...patch };
      const answer = await fake.push(payload);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(answer.contentType, /application\/problem\+json/);
      assert.equal(answer.body.error_code, 1);
      const errors = answer.body.errors as { field: string; message: string }[];
      const named = errors.find((e) => e.field === field);
      assert.ok(named, `the problem names ${field}: ${JSON.stringify(errors)}`);
      assert.match(named.message, message);
      assert.equal(Number((await ctx.db('dossiers').count({ n: '*' }))[0].n), before, 'no dossier written');
    });
  }

  it('a batch with one bad dossier among good ones: the good ones go in, the bad one is named', async () => {
    const good = [1, 2, 3].map((i) => fake.register(`OK-000${i}`, '2026-02-12T09:30:00+07:00', '2026-03-12T17:00:00+07:00'));
    const bad = { ...fake.register('OK-0004', '2026-02-12T09:30:00+07:00', '2026-03-12T17:00:00+07:00'), TrangThaiHoSo: 'abc' };
    const answer = await fake.push({ data: [good[0], bad, good[1], good[2]] });
    assert.equal(answer.status, 200);
    const results = answer.body.results as { MaHoSo: string; error_code: number; errors?: { field: string }[] }[];
    assert.deepEqual(results.map((r) => [r.MaHoSo, r.error_code]), [['OK-0001', 0], ['OK-0004', 1], ['OK-0002', 0], ['OK-0003', 0]]);
    assert.deepEqual(results[1].errors?.map((e) => e.field), ['TrangThaiHoSo']);
    assert.match(answer.body.message, /3\/4/);
    const codes = (await ctx.db('dossiers').whereIn('code', ['OK-0001', 'OK-0002', 'OK-0003', 'OK-0004']).orderBy('code').select('code')).map((r) => r.code);
    assert.deepEqual(codes, ['OK-0001', 'OK-0002', 'OK-0003']);
  });
});
