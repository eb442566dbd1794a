import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

describe('batches of dossiers and events (a one-stop system synchronising many at once)', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  it('answers each item as the one-item route would: created, re-sent unchanged, refused with its field', async () => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code: 'H13.01-260212-0001' })).expect(201);
    const res = await ctx
      .api('post', '/api/v1/dossier-batches')
      .send({ items: [dossierBody({ code: 'H13.01-260212-0002' }), dossierBody({ code: 'H13.01-260212-0001' }), dossierBody({ code: 'H13.01-260212-0003', acceptedAt: '2026-03-09T09:00:00+07:00' })] });
    assert.equal(res.status, 200, `a batch with one refused item is still answered 200 with every item; got ${res.status} ${JSON.stringify(res.body)}`);
    const items = res.body.items as { status: number; dossier?: { code: string; currentDueAt: string }; problem?: { errors: { field: string }[] } }[];
    assert.deepEqual(items.map((i) => i.status), [201, 200, 400], 'new dossier 201, the same dossier re-sent 200, acceptedAt in the future 400');
    assert.equal(items[0].dossier?.code, 'H13.01-260212-0002', 'a created item carries its dossier');
    assert.ok(items[0].dossier?.currentDueAt, 'a created item carries its due date');
    assert.equal(items[2].problem?.errors[0].field, 'acceptedAt', 'the refused item names the field at fault');
    const codes = ((await ctx.db('dossiers').select('code')) as { code: string }[]).map((r) => r.code).sort();
    assert.deepEqual(codes, ['H13.01-260212-0001', 'H13.01-260212-0002'], 'the refused item must leave nothing behind, the others must be registered once');

    const events = await ctx.api('post', '/api/v1/event-batches').send({
      items: [
        { code: 'H13.01-260212-0001', kind: 'resolved', occurredAt: '2026-03-02T08:00:00+07:00' },
        { code: 'H13.01-260212-0002', kind: 'supplement_received', occurredAt: '2026-03-02T08:00:00+07:00' },
      ],
    });
    assert.equal(events.status, 200, `got ${events.status} ${JSON.stringify(events.body)}`);
    assert.deepEqual(
      (events.body.items as { status: number }[]).map((i) => i.status),
      [201, 409],
      'the result is recorded (201); supplements received on a dossier never asked for any are out of turn (409)',
    );
  });

  it('refuses a malformed batch whole, naming the item and field', async () => {
    const res = await ctx.api('post', '/api/v1/event-batches').send({ items: [{ code: 'H13.01-260212-0001', kind: 'resolved' }] });
    assert.equal(res.status, 400, `an item without occurredAt must be refused; got ${res.status}`);
    assert.match(JSON.stringify(res.body.errors), /items\.0\.occurredAt/, `the refusal should name items.0.occurredAt: ${JSON.stringify(res.body.errors)}`);
  });
});
