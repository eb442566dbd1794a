import { SYSTEM_ACTOR } from '../../src/domain/actor';
import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

describe('calendar API', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  it('lists 2026’s days off and the swapped working Saturday, each with its source', async () => {
    const res = await ctx.api('get', '/api/v1/calendar/2026').expect(200);
    const byDate = new Map((res.body.days as { date: string; kind: string; source: string; estimate: boolean }[]).map((d) => [d.date, d]));
    assert.equal(byDate.get('2026-01-10')?.kind, 'work', 'Saturday 10/01/2026 is a working day swapped with Friday 02/01');
    assert.equal(byDate.get('2026-01-02')?.kind, 'off');
    assert.equal(byDate.get('2026-02-17')?.kind, 'off', 'mùng 1 Tết is off');
    assert.equal(byDate.get('2026-04-27')?.kind, 'off', 'Monday 27/04 compensates Giỗ Tổ on Sunday 26/04');
    for (const d of byDate.values()) assert.ok(d.source.length > 0, `day ${d.date} has no source`);
    assert.equal(byDate.get('2026-09-02')?.estimate, false, '2/9 itself is fixed by the Labour Code');
    const neighbour = [...byDate.values()].filter((d) => d.date.startsWith('2026-09-0') && d.date !== '2026-09-02' && d.kind === 'off');
    assert.equal(neighbour.length, 1, 'Quốc khánh has one adjacent day off');
    assert.equal(neighbour[0].estimate, true, 'Quốc khánh 2026 has no decision yet: its adjacent day is an estimate');
    assert.equal(res.body.estimated, true);
  });

  it('computes a due date through /calendar/due in Vietnam time', async () => {
    const tet = await ctx.api('get', '/api/v1/calendar/due').query({ from: '2026-02-13T10:00:00+07:00', days: 1 }).expect(200);
    assert.equal(tet.body.dueAt, '2026-02-23T17:00:00+07:00', 'Fri 13/02 + 1 working day skips Tết: Mon 23/02');
    const saturday = await ctx.api('get', '/api/v1/calendar/due').query({ from: '2026-01-09T10:00:00Z', days: 1 }).expect(200);
    assert.equal(saturday.body.dueAt, '2026-01-10T17:00:00+07:00', 'the swapped Saturday 10/01 counts');
    const bad = await ctx.api('get', '/api/v1/calendar/due').query({ from: '2026-02-30', days: -1 }).expect(400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['query.days', 'query.from']);
    await ctx.api('get', '/api/v1/calendar/due').query({ from: '2026-02-13', agency: 'NOPE', days: 2 }).expect(404);
  });

  it('moves open, never re-appointed dossiers when a day off is entered, and records why', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'OPEN' })).expect(201); // due 19/03
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'DONE' })).expect(201);
    await ctx.api('post', '/api/v1/dossiers/DONE/events').send({ kind: 'resolved', occurredAt: '2026-03-01T10:00:00+07:00' }).expect(201);
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'EXTENDED' })).expect(201);
    await ctx.db('dossiers').where({ code: 'EXTENDED' }).update({ extensions_count: 1 });
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'EARLIER', acceptedAt: '2026-01-05T08:00:00+07:00' })).expect(201); // due 02/02

    const res = await ctx
      .api('post', '/api/v1/calendar/entries')
      .send({ entries: [{ date: '2026-03-10', kind: 'off', name: 'Nghỉ đột xuất', source: 'Quyết định 12/QĐ-SXD', agencyCode: 'SXD' }] })
      .expect(201);
    assert.deepEqual(res.body.recomputed, { examined: 2, moved: 1 }, 'only OPEN should move: DONE is resolved and EXTENDED was re-appointed (neither is examined), EARLIER ends before 10/03');
    const open = await ctx.api('get', '/api/v1/dossiers/OPEN').expect(200);
    assert.equal(open.body.currentDueAt, '2026-03-20T17:00:00+07:00', 'a day off on 10/03 pushes 19/03 to 20/03');
    assert.equal(open.body.deadlineVersion, 2);
    const extended = await ctx.api('get', '/api/v1/dossiers/EXTENDED').expect(200);
    assert.equal(extended.body.currentDueAt, '2026-03-19T17:00:00+07:00');
    const history = await ctx.api('get', '/api/v1/dossiers/OPEN/events').expect(200);
    const moved = history.body.items.find((e: { kind: string }) => e.kind === 'due_recomputed');
    assert.ok(moved, 'the move must be recorded on the dossier');
    assert.equal(moved.data.dueBefore, '2026-03-19T17:00:00+07:00');
    assert.equal(moved.data.dueAfter, '2026-03-20T17:00:00+07:00');

    const year = await ctx.api('get', '/api/v1/calendar/2026?agency=SXD').expect(200);
    const entry = year.body.days.find((d: { date: string }) => d.date === '2026-03-10');
    assert.equal(entry.agencyCode, 'SXD');
    const removed = await ctx.api('delete', `/api/v1/calendar/entries/${entry.id}`).expect(200);
    assert.deepEqual(removed.body.recomputed, { examined: 2, moved: 1 });
    const back = await ctx.api('get', '/api/v1/dossiers/OPEN').expect(200);
    assert.equal(back.body.currentDueAt, '2026-03-19T17:00:00+07:00');
  });

  it('refuses impossible entries and national edits from an agency token, storing nothing', async () => {
    const before = Number((await ctx.db('calendar_entries').count({ n: '*' }).first())?.n);
    const bad = await ctx
      .api('post', '/api/v1/calendar/entries')
      .send({ entries: [{ date: '2026-02-30', kind: 'holiday', name: '', source: 'x' }] })
      .expect(400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['entries.0.date', 'entries.0.kind', 'entries.0.name']);
    const { token } = await ctx.services.tokens.create('sxd', 'SXD', SYSTEM_ACTOR);
    await ctx
      .api('post', '/api/v1/calendar/entries', token)
      .send({ entries: [{ date: '2026-09-03', kind: 'off', name: 'Quốc khánh', source: 'x' }] })
      .expect(403);
    const after = Number((await ctx.db('calendar_entries').count({ n: '*' }).first())?.n);
    assert.equal(after, before, 'refused calendar edits must not be stored');
  });

  it('replaces an occasion’s estimate when the government decision is entered', async () => {
    const res = await ctx
      .api('post', '/api/v1/calendar/entries')
      .send({
        entries: [
          { date: '2026-08-31', kind: 'off', occasion: 'quoc_khanh', name: 'Nghỉ Quốc khánh (hoán đổi)', source: 'Thông báo giả định cho kiểm thử' },
          { date: '2026-09-01', kind: 'off', occasion: 'quoc_khanh', name: 'Nghỉ Quốc khánh', source: 'Thông báo giả định cho kiểm thử' },
          { date: '2026-09-02', kind: 'off', occasion: 'quoc_khanh', name: 'Quốc khánh', source: 'Thông báo giả định cho kiểm thử' },
          { date: '2026-09-12', kind: 'work', occasion: 'quoc_khanh', name: 'Làm bù', source: 'Thông báo giả định cho kiểm thử' },
        ],
      })
      .expect(201);
    assert.equal(res.body.entries.length, 4);
    const year = await ctx.api('get', '/api/v1/calendar/2026').expect(200);
    const qk = year.body.days.filter((d: { occasion: string }) => d.occasion === 'quoc_khanh').map((d: { date: string; kind: string; estimate: boolean }) => `${d.date}:${d.kind}:${d.estimate}`);
    assert.deepEqual(qk, ['2026-08-31:off:false', '2026-09-01:off:false', '2026-09-02:off:false', '2026-09-12:work:false'], 'the decision replaces the estimated Quốc khánh days entirely');
  });
});
