import assert from 'node:assert/strict';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { AppError, ConflictError, ValidationError } from '../../src/errors';
import type { DossierInput } from '../../src/services/dossiers';
import type { EventItem } from '../../src/services/dossier-events';
import { createTestContext, seedBasics, type TestContext } from '../support/context';

const input = (code: string, overrides: Partial<DossierInput> = {}): DossierInput => ({
  code,
  procedureCode: '1.009972',
  receivingAgencyCode: 'SXD',
  applicant: { kind: 'person', name: 'Nguyễn Văn An' },
  phone: '0912 345 678',
  consent: { zalo: true, email: false, sms: false },
  channel: 'counter',
  acceptedAt: new Date('2026-02-12T09:30:00+07:00'),
  ...overrides,
});

const event = (code: string, kind: EventItem['event']['kind'], at = '2026-02-20T09:00:00+07:00'): EventItem => ({ code, event: { kind, occurredAt: new Date(at) }, actor: SYSTEM_ACTOR });

function refusal(outcome: object): AppError {
  assert.ok('refused' in outcome, `expected this item to be refused, it was recorded: ${JSON.stringify(outcome).slice(0, 200)}`);
  return (outcome as { refused: AppError }).refused;
}

describe('services/dossiers: batches of dossiers and of events, each item under the rules of one', function () {
  this.timeout(30_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const dossiers = () => ctx.services.dossiers;
  const historyOf = async (code: string) => (await dossiers().history(code, SYSTEM_ACTOR)).events;

  it('registers a batch with the due date one dossier gets, refusing a bad input by its field while the others are registered', async () => {
    const alone = await dossiers().create(input('H13.01-ALONE'), SYSTEM_ACTOR);
    const outcomes = await dossiers().createMany(
      [input('H13.01-A'), input('H13.01-B', { procedureCode: '9.999999' }), input('H13.01-C'), input('H13.01-ALONE')],
      SYSTEM_ACTOR,
    );
    const bad = refusal(outcomes[1]);
    assert.ok(bad instanceof ValidationError, 'an unknown procedure is a validation error');
    assert.deepEqual(bad.fields.map((f) => f.field), ['procedureCode'], 'the refusal names the field at fault');
    for (const i of [0, 2]) {
      const o = outcomes[i];
      assert.ok(!('refused' in o), `input ${i} should have been registered`);
      assert.equal(o.created, true);
      assert.equal(o.view.dossier.currentDueAt, alone.view.dossier.currentDueAt, 'same procedure, same acceptance: the same due date as a dossier registered alone');
      assert.deepEqual((await historyOf(o.view.dossier.code)).map((e) => [e.kind, e.data.dueAt]), [['created', alone.view.dossier.currentDueAt]]);
    }
    const again = outcomes[3];
    assert.ok(!('refused' in again) && again.created === false && again.view.dossier.id === alone.view.dossier.id, 'a dossier sent again is answered as it is, not registered twice');
    assert.equal((await dossiers().list({}, 'code', 10, 0, SYSTEM_ACTOR)).total, 3, 'the refused input stored nothing');
  });

  it('answers a code sent twice in one batch with different content as a conflict, and the same content as already registered', async () => {
    const outcomes = await dossiers().createMany(
      [input('H13.01-D'), input('H13.01-D', { applicant: { kind: 'person', name: 'Trần Thị Bình' } }), input('H13.01-D')],
      SYSTEM_ACTOR,
    );
    assert.ok(!('refused' in outcomes[0]) && outcomes[0].created);
    assert.ok(refusal(outcomes[1]) instanceof ConflictError, 'different content under a code already taken is a conflict');
    assert.ok(!('refused' in outcomes[2]) && outcomes[2].created === false);
    assert.equal((await dossiers().get('H13.01-D', SYSTEM_ACTOR)).dossier.applicantName, 'Nguyễn Văn An');
  });

  it('records a batch of events: one out of turn is refused and leaves its dossier as it was, the others are recorded', async () => {
    await dossiers().createMany([input('H13.01-E'), input('H13.01-F'), input('H13.01-G')], SYSTEM_ACTOR);
    const outcomes = await dossiers().recordEvents([
      event('H13.01-E', 'resolved'),
      event('H13.01-F', 'supplement_received'),
      event('H13.01-G', 'supplement_requested'),
      event('H13.01-NONE', 'resolved'),
      event('H13.01-G', 'resolved', '2026-03-05T09:00:00+07:00'),
    ]);
    const outOfTurn = refusal(outcomes[1]);
    assert.ok(outOfTurn instanceof ConflictError && outOfTurn.code === 'invalid-transition', 'a supplement received before one was asked for is out of turn');
    assert.equal(refusal(outcomes[3]).status, 404, 'an unknown code is answered as missing');
    const future = refusal(outcomes[4]);
    assert.ok(future instanceof ValidationError && future.fields[0].field === 'occurredAt', 'an event in the future is refused naming occurredAt');
    assert.ok(!('refused' in outcomes[0]) && outcomes[0].view.dossier.state === 'resolved');
    assert.ok(!('refused' in outcomes[2]) && outcomes[2].view.dossier.state === 'waiting_supplement' && outcomes[2].view.dossier.currentDueAt === null);
    assert.deepEqual((await historyOf('H13.01-E')).map((e) => e.kind), ['created', 'resolved']);
    assert.deepEqual((await historyOf('H13.01-F')).map((e) => e.kind), ['created'], 'the refused event left no trace');
    assert.deepEqual((await dossiers().history('H13.01-G', SYSTEM_ACTOR)).pauses.map((p) => p.endedAt), [null], 'the supplement request opened a pause');
  });

  it('moves several dossiers through the same steps in one batch to the same due dates and history as one at a time', async () => {
    await dossiers().createMany([input('H13.01-K'), input('H13.01-L'), input('H13.01-ONE')], SYSTEM_ACTOR);
    const steps: [EventItem['event']['kind'], string][] = [
      ['supplement_requested', '2026-02-20T09:00:00+07:00'],
      ['supplement_received', '2026-02-24T10:00:00+07:00'],
      ['resolved', '2026-02-27T16:00:00+07:00'],
    ];
    for (const [kind, at] of steps) await dossiers().recordEvent('H13.01-ONE', { kind, occurredAt: new Date(at) }, SYSTEM_ACTOR);
    const outcomes = await dossiers().recordEvents(steps.flatMap(([kind, at]) => [event('H13.01-K', kind, at), event('H13.01-L', kind, at)]));
    assert.ok(outcomes.every((o) => !('refused' in o)), 'every event is in turn');
    const one = (await dossiers().get('H13.01-ONE', SYSTEM_ACTOR)).dossier;
    const strip = (events: { kind: string; occurredAt: number; data: Record<string, unknown> }[]) => events.map((e) => [e.kind, e.occurredAt, e.data]);
    for (const code of ['H13.01-K', 'H13.01-L']) {
      const d = (await dossiers().get(code, SYSTEM_ACTOR)).dossier;
      for (const field of ['state', 'resolution', 'resolvedAt', 'currentDueAt', 'originalDueAt', 'deadlineVersion', 'clockUnit', 'clockAmount', 'clockStartedAt'] as const) {
        assert.equal(d[field], one[field], `${code}: ${field} as when its events are recorded one at a time`);
      }
      assert.deepEqual(strip(await historyOf(code)), strip(await historyOf('H13.01-ONE')), `${code}: the same history as one at a time`);
    }
  });

  it('moves the same dossier twice in one batch in order, and cancels a closing dossier’s draft apology as one event does', async () => {
    await dossiers().createMany([input('H13.01-H'), input('H13.01-I')], SYSTEM_ACTOR);
    await ctx.services.apologyWorkflow.draft('H13.01-I', {}, SYSTEM_ACTOR);
    const outcomes = await dossiers().recordEvents([
      event('H13.01-H', 'supplement_requested', '2026-02-20T09:00:00+07:00'),
      event('H13.01-I', 'resolved', '2026-02-25T09:00:00+07:00'),
      event('H13.01-H', 'supplement_received', '2026-02-24T09:00:00+07:00'),
    ]);
    assert.ok(outcomes.every((o) => !('refused' in o)), 'every event is in turn');
    const h = await historyOf('H13.01-H');
    assert.deepEqual(h.map((e) => e.kind), ['created', 'supplement_requested', 'supplement_received']);
    assert.equal(typeof h[2].data.dueAfter, 'number', 'the supplement restarted the clock with a new due date');
    assert.deepEqual((await dossiers().history('H13.01-H', SYSTEM_ACTOR)).pauses.map((p) => p.endedAt), [new Date('2026-02-24T09:00:00+07:00').getTime()]);
    const i = await historyOf('H13.01-I');
    assert.equal(i[i.length - 1].data.draftsCancelled, 1, 'the resolved dossier’s draft was cancelled with it');
    assert.equal(h[1].data.draftsCancelled, undefined, 'a dossier without a draft records none cancelled');
    const { items } = await ctx.services.apologies.list({ statuses: ['draft'] }, 10, 0, SYSTEM_ACTOR);
    assert.equal(items.length, 0, 'no draft is left waiting for a closed dossier');
  });
});
