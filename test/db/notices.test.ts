import assert from 'node:assert/strict';
import { AgencyRepository } from '../../src/db/agencies';
import { DEFAULT_AGENCY_SETTINGS } from '../../src/domain/agency';
import { NoticeRepository, type NewNotice } from '../../src/db/notices';
import { NOTICE_STATUSES, allows, type NoticeEvent, type NoticeStatus } from '../../src/domain/notice-lifecycle';
import { createTestContext, freshDatabase, seedBasics, type FreshDatabase, type TestContext } from '../support/context';

describe('notice repository: every status change is guarded by the lifecycle', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let notices: NoticeRepository;
  let id: number;

  before(async () => {
    ctx = await createTestContext();
    await seedBasics(ctx);
    notices = new NoticeRepository(ctx.db);
    const now = ctx.clock.now().getTime();
    await notices.enqueue(
      [{ businessKey: 'k', kind: 'new_appointment', audience: 'citizen', channel: 'zalo', recipient: '+84912345678', agencyId: 1, dossierId: null, apologyId: null, notBefore: now, payload: {} }],
      now,
    );
    id = (await notices.list({}, 1, 0)).items[0].id;
  });
  after(async () => ctx.close());

  const moves: [NoticeEvent, NoticeStatus, (now: number) => Promise<boolean>][] = [
    ['retry', 'created', (now) => notices.retry(id, now)],
    ['cancel', 'cancelled', (now) => notices.cancel(id, now)],
    ['markCalled', 'delivered', (now) => notices.markCalled(id, 'Bộ phận một cửa', now)],
    ['receipt', 'delivered', (now) => notices.confirmDelivery(id, now - 1000, now)],
  ];
  for (const [event, to, move] of moves) {
    for (const from of NOTICE_STATUSES) {
      const allowed = allows(from, event);
      it(`${event} ${allowed ? `moves ${from} to ${to}` : `leaves ${from} alone`}`, async () => {
        await ctx.db('notices').where({ id }).update({ status: from, called_by: null, delivered_at: null });
        const now = ctx.clock.now().getTime();
        assert.equal(await move(now), allowed);
        const n = await notices.byId(id);
        assert.equal(n?.status, allowed ? to : from);
        if (allowed && event === 'markCalled') assert.equal(n?.calledBy, 'Bộ phận một cửa');
        if (allowed && event === 'receipt') assert.equal(n?.deliveredAt, now - 1000, 'delivered when the provider says');
      });
    }
  }
});

const T0 = Date.parse('2026-03-10T01:00:00Z');
const MINUTE = 60_000;

describe('notice repository: queueing, claiming, giving back, digests and alerts', function () {
  this.timeout(30_000);
  let fresh: FreshDatabase;
  let notices: NoticeRepository;
  let agencyId: number;

  beforeEach(async () => {
    fresh = await freshDatabase();
    notices = new NoticeRepository(fresh.db);
    const agency = await new AgencyRepository(fresh.db).insert(
      {
        code: 'SXD',
        name: 'Sở Xây dựng thành phố Cần Thơ',
        parentName: 'UBND THÀNH PHỐ CẦN THƠ',
        placeName: 'Cần Thơ',
        letterSymbol: 'PXL-SXD',
        level: 'department',
        contactEmail: null,
        contactPhone: null,
        address: null,
        settings: DEFAULT_AGENCY_SETTINGS,
      },
      T0,
    );
    agencyId = agency.id;
  });
  afterEach(async () => fresh?.close());

  function notice(key: string, overrides: Partial<NewNotice> = {}): NewNotice {
    return {
      businessKey: key,
      kind: 'at_risk_digest',
      audience: 'staff',
      channel: 'email',
      recipient: 'sxd@cantho.example.vn',
      agencyId,
      dossierId: null,
      apologyId: null,
      payload: { subject: key },
      notBefore: T0,
      requestId: null,
      ...overrides,
    };
  }

  async function idOf(key: string): Promise<number> {
    const row = await fresh.db('notices').where({ business_key: key }).first('id');
    return Number(row.id);
  }

  async function statusOf(key: string): Promise<NoticeStatus> {
    return (await notices.byId(await idOf(key)))!.status;
  }

  it('queues a business key once: the same key again is left as it was, payload and all', async () => {
    assert.equal(await notices.enqueue([notice('a'), notice('b')], T0), 2);
    assert.equal(await notices.enqueue([notice('a', { payload: { subject: 'changed' }, recipient: 'other@example.vn' }), notice('c')], T0 + MINUTE), 1);
    const a = (await notices.byId(await idOf('a')))!;
    assert.deepEqual(a.payload, { subject: 'a' }, 'a second enqueue of the same key must not overwrite what was queued');
    assert.equal(a.recipient, 'sxd@cantho.example.vn');
    assert.equal(a.status, 'created');
    assert.equal(a.createdAt, T0);
    assert.equal((await notices.list({})).total, 3);
  });

  it('claims only due notices on the channels asked for, oldest first, up to the limit, and never the same one twice', async () => {
    await notices.enqueue(
      [
        notice('later', { notBefore: T0 + 10 * MINUTE }),
        notice('second', { notBefore: T0 - MINUTE }),
        notice('first', { notBefore: T0 - 2 * MINUTE }),
        notice('zalo', { channel: 'zalo', notBefore: T0 - 3 * MINUTE }),
        notice('third', { notBefore: T0 }),
      ],
      T0 - 5 * MINUTE,
    );
    const claimed = await notices.claimDue({ now: T0, limit: 2, channels: ['email'], citizensAllowed: true, worker: 'w1' });
    assert.deepEqual(claimed.map((n) => n.businessKey), ['first', 'second']);
    for (const n of claimed) {
      assert.equal(n.status, 'sending');
      assert.equal(n.attempts, 1);
      assert.equal(n.firstAttemptAt, T0);
      assert.equal(n.claimedAt, T0);
    }
    const next = await notices.claimDue({ now: T0, limit: 10, channels: ['email'], citizensAllowed: true, worker: 'w2' });
    assert.deepEqual(next.map((n) => n.businessKey), ['third'], 'claimed notices are not claimed again; a notice not yet due is not claimed');
    assert.deepEqual(await notices.claimDue({ now: T0, limit: 10, channels: [], citizensAllowed: true, worker: 'w3' }), []);
    assert.equal(await statusOf('zalo'), 'created', 'a channel not asked for is left alone');
  });

  it('claims only staff notices outside the hours citizens may be written to', async () => {
    await notices.enqueue([notice('citizen', { audience: 'citizen', kind: 'new_appointment', recipient: 'an@example.vn' }), notice('staff')], T0);
    const claimed = await notices.claimDue({ now: T0, limit: 10, channels: ['email'], citizensAllowed: false, worker: 'w1' });
    assert.deepEqual(claimed.map((n) => n.businessKey), ['staff']);
    assert.equal(await statusOf('citizen'), 'created');
  });

  it('gives back what a worker holds as untried: status, attempt count and first attempt as before the claim', async () => {
    await notices.enqueue([notice('held'), notice('failed-before')], T0);
    await fresh.db('notices').where({ business_key: 'failed-before' }).update({ status: 'temporary-failure', attempts: 2, first_attempt_at: T0 - 60 * MINUTE });
    await notices.claimDue({ now: T0, limit: 10, channels: ['email'], citizensAllowed: true, worker: 'w1' });
    assert.equal(await notices.releaseHeld('w2', T0 + MINUTE), 0, 'another worker cannot give back what w1 holds');
    assert.equal(await notices.releaseHeld('w1', T0 + MINUTE), 2);
    const held = (await notices.byId(await idOf('held')))!;
    assert.deepEqual([held.status, held.attempts, held.firstAttemptAt, held.claimedAt], ['created', 0, null, null]);
    const failed = (await notices.byId(await idOf('failed-before')))!;
    assert.deepEqual([failed.status, failed.attempts, failed.firstAttemptAt], ['temporary-failure', 2, T0 - 60 * MINUTE]);
  });

  it('claims an agency’s digest once a day', async () => {
    assert.equal(await notices.claimDigest(agencyId, '2026-03-10', 3, T0), true);
    assert.equal(await notices.claimDigest(agencyId, '2026-03-10', 4, T0 + MINUTE), false, 'a second tick the same day finds it claimed');
    assert.equal(await notices.claimDigest(agencyId, '2026-03-11', 1, T0 + 1440 * MINUTE), true);
    assert.deepEqual([...(await notices.digestedAgencies('2026-03-10'))], [agencyId]);
    assert.deepEqual([...(await notices.digestedAgencies('2026-03-12'))], []);
  });

  it('keeps one open alert per kind', async () => {
    await notices.raiseAlert('zalo-token', 'Mã truy cập Zalo hết hạn', T0);
    await notices.raiseAlert('zalo-token', 'Mã truy cập Zalo hết hạn (lần hai)', T0 + MINUTE);
    await notices.raiseAlert('smtp-auth', 'Máy chủ thư từ chối đăng nhập', T0 + MINUTE);
    assert.deepEqual(
      (await notices.openAlerts()).map((a) => [a.kind, a.message, a.createdAt]),
      [
        ['zalo-token', 'Mã truy cập Zalo hết hạn', T0],
        ['smtp-auth', 'Máy chủ thư từ chối đăng nhập', T0 + MINUTE],
      ],
    );
  });
});
