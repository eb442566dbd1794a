import assert from 'node:assert/strict';
import { SYSTEM_ACTOR, type Actor } from '../../src/domain/actor';
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors';
import type { DossierInput } from '../../src/services/dossiers';
import { createTestContext, seedBasics, type TestContext } from '../support/context';

const input = (overrides: Partial<DossierInput> = {}): DossierInput => ({
  code: 'H13.01-260212-0007',
  procedureCode: '1.009972',
  receivingAgencyCode: 'SXD',
  applicant: { kind: 'person', name: 'Nguyễn Văn An' },
  phone: '0912 345 678',
  consent: { zalo: true, email: false, sms: false },
  channel: 'counter',
  acceptedAt: new Date('2026-02-12T09:30:00+07:00'),
  ...overrides,
});

describe('services/dossiers: registering dossiers and recording what happens to them', function () {
  this.timeout(30_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx.close());

  const dossiers = () => ctx.services.dossiers;
  const eventsOf = async (code: string) => (await dossiers().history(code, SYSTEM_ACTOR)).events.map((e) => e.kind);

  it('registers a dossier once: the same dossier again answers it unchanged, different content under its code is a conflict', async () => {
    const first = await dossiers().create(input(), SYSTEM_ACTOR);
    assert.equal(first.created, true);
    assert.ok(first.view.dossier.currentDueAt !== null, 'a registered dossier has a due date');
    const again = await dossiers().create(input(), SYSTEM_ACTOR);
    assert.equal(again.created, false);
    assert.equal(again.view.dossier.id, first.view.dossier.id);
    await assert.rejects(dossiers().create(input({ applicant: { kind: 'person', name: 'Trần Thị Bình' } }), SYSTEM_ACTOR), ConflictError);
    assert.equal((await dossiers().get(input().code, SYSTEM_ACTOR)).dossier.applicantName, 'Nguyễn Văn An');
  });

  it('refuses a dossier accepted in the future or naming an unknown procedure, naming the field and storing nothing', async () => {
    await assert.rejects(dossiers().create(input({ acceptedAt: new Date('2026-03-03T09:00:00+07:00') }), SYSTEM_ACTOR), (err: unknown) => {
      return err instanceof ValidationError && JSON.stringify(err).includes('acceptedAt');
    });
    await assert.rejects(dossiers().create(input({ procedureCode: '9.999999' }), SYSTEM_ACTOR), (err: unknown) => {
      return err instanceof ValidationError && JSON.stringify(err).includes('procedureCode');
    });
    assert.equal((await dossiers().list({}, 'code', 10, 0, SYSTEM_ACTOR)).total, 0);
  });

  it('records an event only in a state that allows it, not before acceptance nor in the future, each refusal changing nothing', async () => {
    const code = input().code;
    await dossiers().create(input(), SYSTEM_ACTOR);
    await assert.rejects(dossiers().recordEvent(code, { kind: 'supplement_received', occurredAt: new Date('2026-02-20T09:00:00+07:00') }, SYSTEM_ACTOR), ConflictError);
    await assert.rejects(dossiers().recordEvent(code, { kind: 'resolved', occurredAt: new Date('2026-02-11T09:00:00+07:00') }, SYSTEM_ACTOR), ValidationError);
    await assert.rejects(dossiers().recordEvent(code, { kind: 'resolved', occurredAt: new Date('2026-03-02T10:00:00+07:00') }, SYSTEM_ACTOR), ValidationError);
    assert.deepEqual(await eventsOf(code), ['created']);

    const paused = await dossiers().recordEvent(code, { kind: 'supplement_requested', occurredAt: new Date('2026-02-20T09:00:00+07:00'), note: 'Thiếu bản vẽ' }, SYSTEM_ACTOR);
    assert.equal(paused.dossier.state, 'waiting_supplement');
    assert.equal(paused.timeliness, 'paused');
    const resolved = await dossiers().recordEvent(code, { kind: 'supplement_received', occurredAt: new Date('2026-02-25T09:00:00+07:00') }, SYSTEM_ACTOR);
    assert.ok(resolved.dossier.currentDueAt !== null, 'the clock runs again once the supplement is in');
    assert.deepEqual(await eventsOf(code), ['created', 'supplement_requested', 'supplement_received']);
  });

  it('answers another agency’s dossier as missing, for reading and for writing', async () => {
    await dossiers().create(input(), SYSTEM_ACTOR);
    const elsewhere: Actor = { name: 'Cán bộ nơi khác', agencyId: 999_999, role: 'counter' };
    await assert.rejects(dossiers().get(input().code, elsewhere), NotFoundError);
    await assert.rejects(dossiers().recordEvent(input().code, { kind: 'processing_started', occurredAt: new Date('2026-02-20T09:00:00+07:00') }, elsewhere), NotFoundError);
    assert.deepEqual(await eventsOf(input().code), ['created']);
  });
});
