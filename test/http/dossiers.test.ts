import { SYSTEM_ACTOR } from '../../src/domain/actor';
import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

describe('dossier API', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const countDossiers = async () => Number((await ctx.db('dossiers').count({ n: '*' }).first())?.n);

  it('receives a dossier and counts its due date across Tết 2026', async () => {
    const res = await ctx.api('post', '/api/v1/dossiers').send(dossierBody()).expect(201);
    assert.equal(
      res.body.currentDueAt,
      '2026-03-19T17:00:00+07:00',
      'accepted Thu 12/02/2026 + 20 working days, with Tết 16–20/02 off, should be due Thu 19/03/2026 at 17:00',
    );
    assert.equal(res.body.originalDueAt, res.body.currentDueAt);
    assert.equal(res.body.acceptedAt, '2026-02-12T09:30:00+07:00', 'times leave the API in Vietnam time with +07:00');
    assert.equal(res.body.phone, '+84912345678', 'the phone number should be stored in E.164');
    assert.equal(res.body.email, 'an.nguyen@example.vn');
    assert.equal(res.body.state, 'received');
    assert.equal(res.body.stateLabel, 'Đã tiếp nhận');
    assert.equal(res.body.timeliness, 'not_due');
    assert.equal(res.headers.location, '/api/v1/dossiers/H13.01-260212-0007');
  });

  it('answers a re-sent identical dossier with the existing one, and a different one with 409', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody()).expect(201);
    const again = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ phone: '+84912345678' })).expect(200);
    assert.equal(again.body.code, 'H13.01-260212-0007');
    const clash = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ applicant: { kind: 'person', name: 'Trần Thị Bình' } })).expect(409);
    assert.match(clash.headers['content-type'], /application\/problem\+json/);
    assert.match(clash.body.title, /đã có với nội dung khác/);
    assert.equal(await countDossiers(), 1);
  });

  it('names every invalid field in one 400 and writes nothing', async () => {
    const res = await ctx
      .api('post', '/api/v1/dossiers')
      .send(
        dossierBody({
          code: 'HS 01<script>',
          phone: '0123',
          email: 'not-an-email',
          acceptedAt: '2026-02-30T09:00:00+07:00',
          channel: 'fax',
        }),
      )
      .expect(400);
    assert.match(res.headers['content-type'], /application\/problem\+json/);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    assert.deepEqual(fields, ['acceptedAt', 'channel', 'code', 'email', 'phone'], `expected each bad field to be named, got ${JSON.stringify(res.body.errors)}`);
    assert.equal(await countDossiers(), 0, 'a refused dossier must not be stored');
  });

  it('refuses an unknown procedure and an acceptance in the future, naming the field', async () => {
    const unknown = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ procedureCode: '9.999999' })).expect(400);
    assert.deepEqual(unknown.body.errors.map((e: { field: string }) => e.field), ['procedureCode']);
    const future = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ acceptedAt: '2026-03-02T10:00:00+07:00' })).expect(400);
    assert.deepEqual(future.body.errors.map((e: { field: string }) => e.field), ['acceptedAt']);
    const extra = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ colour: 'red' })).expect(400);
    assert.match(extra.body.errors[0].field, /colour/);
    assert.equal(await countDossiers(), 0);
  });

  it('refuses an oversized body with 413 and malformed JSON with 400', async () => {
    const big = dossierBody({ address: 'x'.repeat(200_000) });
    await ctx.api('post', '/api/v1/dossiers').send(big).expect(413);
    await ctx.api('post', '/api/v1/dossiers').set('Content-Type', 'application/json').send('{"code": ').expect(400);
    assert.equal(await countDossiers(), 0);
  });

  it('normalises Vietnamese phone numbers written in any usual form', async () => {
    const forms = ['0912345678', '+84 912 345 678', '84912345678', '912345678', '091.234.5678'];
    for (const [i, phone] of forms.entries()) {
      const res = await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: `HS-${i}`, phone })).expect(201);
      assert.equal(res.body.phone, '+84912345678', `"${phone}" should normalise to +84912345678`);
    }
  });

  it('finds a dossier whose code contains "/" when the code is URL-encoded', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: '000.00.17.H13-260212/0001' })).expect(201);
    const res = await ctx.api('get', `/api/v1/dossiers/${encodeURIComponent('000.00.17.H13-260212/0001')}`).expect(200);
    assert.equal(res.body.code, '000.00.17.H13-260212/0001');
    await ctx.api('get', '/api/v1/dossiers/KHONG-CO').expect(404);
  });

  it('lists with filters, text search without diacritics, and pagination', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'A-1', acceptedAt: '2026-01-05T08:00:00+07:00' })).expect(201); // due 02/02, overdue
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'A-2', applicant: { kind: 'person', name: 'Lê Thị Đào' } })).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'A-3', acceptedAt: '2026-01-26T08:00:00+07:00' })).expect(201); // due today 02/03 17:00: due soon
    const overdue = await ctx.api('get', '/api/v1/dossiers?timeliness=overdue').expect(200);
    assert.deepEqual(overdue.body.items.map((d: { code: string }) => d.code), ['A-1']);
    const soon = await ctx.api('get', '/api/v1/dossiers?timeliness=due_soon').expect(200);
    assert.deepEqual(soon.body.items.map((d: { code: string }) => d.code), ['A-3'], 'due today at 17:00 is due soon, not yet overdue');
    const search = await ctx.api('get', '/api/v1/dossiers?q=dao').expect(200);
    assert.deepEqual(search.body.items.map((d: { code: string }) => d.code), ['A-2'], '"dao" should find "Lê Thị Đào"');
    const page = await ctx.api('get', '/api/v1/dossiers?pageSize=2&page=2&sort=code').expect(200);
    assert.equal(page.body.total, 3);
    assert.deepEqual(page.body.items.map((d: { code: string }) => d.code), ['A-3']);
    const bad = await ctx.api('get', '/api/v1/dossiers?state=lost&pageSize=0').expect(400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['query.pageSize', 'query.state.0']);
  });

  it('pauses the clock for a supplement and keeps the remaining working days (pause policy)', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    // 02/02 + 20 working days (Tết 16–20/02 off) → Mon 09/03.
    const before = await ctx.api('get', '/api/v1/dossiers/H13.01-260212-0007').expect(200);
    assert.equal(before.body.currentDueAt, '2026-03-09T17:00:00+07:00');
    ctx.clock.set(new Date('2026-03-05T10:00:00+07:00'));
    const paused = await ctx
      .api('post', '/api/v1/dossiers/H13.01-260212-0007/events')
      .send({ kind: 'supplement_requested', occurredAt: '2026-02-06T10:00:00+07:00', note: 'Thiếu bản vẽ' })
      .expect(201);
    assert.equal(paused.body.state, 'waiting_supplement');
    assert.equal(paused.body.timeliness, 'paused', 'a dossier waiting for the citizen is never overdue');
    assert.equal(paused.body.currentDueAt, null);
    // Remaining: working days after Fri 06/02 up to Mon 09/03 (Tết 16–20/02 off) = 16. Resumed Wed 04/03 → 16 working days later = Thu 26/03.
    const resumed = await ctx
      .api('post', '/api/v1/dossiers/H13.01-260212-0007/events')
      .send({ kind: 'supplement_received', occurredAt: '2026-03-04T14:00:00+07:00' })
      .expect(201);
    assert.equal(resumed.body.state, 'processing');
    assert.equal(resumed.body.currentDueAt, '2026-03-26T17:00:00+07:00');
    const history = await ctx.api('get', '/api/v1/dossiers/H13.01-260212-0007/events').expect(200);
    assert.deepEqual(history.body.items.map((e: { kind: string }) => e.kind), ['created', 'supplement_requested', 'supplement_received']);
    assert.equal(history.body.pauses.length, 1);
    assert.equal(history.body.pauses[0].endedAt, '2026-03-04T14:00:00+07:00');
    assert.deepEqual(history.body.pauses[0].remaining, { unit: 'days', amount: 16 });
  });

  it('restarts the clock from the supplement for a restart-policy procedure', async () => {
    await ctx.api('patch', '/api/v1/procedures/1.009972').send({ supplementPolicy: 'restart' }).expect(200);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers/H13.01-260212-0007/events').send({ kind: 'supplement_requested', occurredAt: '2026-02-06T10:00:00+07:00' }).expect(201);
    const res = await ctx.api('post', '/api/v1/dossiers/H13.01-260212-0007/events').send({ kind: 'supplement_received', occurredAt: '2026-02-27T10:00:00+07:00' }).expect(201);
    // Fri 27/02 + 20 working days → Fri 27/03.
    assert.equal(res.body.currentDueAt, '2026-03-27T17:00:00+07:00');
    assert.equal(res.body.originalDueAt, '2026-03-27T17:00:00+07:00', 'a restart gives a new appointment');
  });

  it('records resolution timeliness and refuses transitions that make no sense with 409', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'LATE', acceptedAt: '2026-01-05T08:00:00+07:00' })).expect(201);
    const late = await ctx.api('post', '/api/v1/dossiers/LATE/events').send({ kind: 'resolved', occurredAt: '2026-02-03T08:00:00+07:00' }).expect(201);
    assert.equal(late.body.resolution, 'late', 'due Mon 02/02 17:00, resolved Tue 03/02: late');
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'EARLY' })).expect(201);
    const early = await ctx.api('post', '/api/v1/dossiers/EARLY/events').send({ kind: 'resolved', occurredAt: '2026-03-02T08:00:00+07:00' }).expect(201);
    assert.equal(early.body.resolution, 'early');
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'GONE' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers/GONE/events').send({ kind: 'withdrawn', occurredAt: '2026-02-20T08:00:00+07:00' }).expect(201);
    const refused = await ctx.api('post', '/api/v1/dossiers/GONE/events').send({ kind: 'resolved', occurredAt: '2026-02-21T08:00:00+07:00' }).expect(409);
    assert.match(refused.body.title, /Đã rút hồ sơ/);
    const gone = await ctx.api('get', '/api/v1/dossiers/GONE').expect(200);
    assert.equal(gone.body.state, 'withdrawn', 'a refused event must change nothing');
    await ctx.api('post', '/api/v1/dossiers/EARLY/events').send({ kind: 'returned', occurredAt: '2026-03-03T08:00:00+07:00' }).expect(400); // in the future
    await ctx.api('post', '/api/v1/dossiers/EARLY/events').send({ kind: 'lost', occurredAt: '2026-03-01T08:00:00+07:00' }).expect(400);
  });

  it('needs a token, and keeps an agency token to its own agency', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody()).expect(201);
    await ctx.api('get', '/api/v1/dossiers', 'wrong').expect(401);
    await ctx.api('post', '/api/v1/agencies').send({ code: 'STP', name: 'Sở Tư pháp thành phố Cần Thơ', placeName: 'Cần Thơ', letterSymbol: 'PXL-STP', level: 'department' }).expect(201);
    const { token: other } = await ctx.services.tokens.create('stp', 'STP', SYSTEM_ACTOR);
    await ctx.api('get', '/api/v1/dossiers/H13.01-260212-0007', other).expect(404);
    const list = await ctx.api('get', '/api/v1/dossiers', other).expect(200);
    assert.equal(list.body.total, 0, 'an agency token must not see another agency’s dossiers');
    await ctx.api('post', '/api/v1/dossiers', other).send(dossierBody({ code: 'X-1' })).expect(403);
    const { token: own } = await ctx.services.tokens.create('sxd', 'SXD', SYSTEM_ACTOR);
    await ctx.api('get', '/api/v1/dossiers/H13.01-260212-0007', own).expect(200);
  });

  it('replays a POST retried with the same Idempotency-Key and refuses the key for another request', async () => {
    const first = await ctx.api('post', '/api/v1/dossiers').set('Idempotency-Key', 'k-1').send(dossierBody()).expect(201);
    const again = await ctx.api('post', '/api/v1/dossiers').set('Idempotency-Key', 'k-1').send(dossierBody()).expect(201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    await ctx.api('post', '/api/v1/dossiers').set('Idempotency-Key', 'k-1').send(dossierBody({ code: 'OTHER' })).expect(422);
    assert.equal(await countDossiers(), 1);
  });
});
