import assert from 'node:assert/strict';
import { NoticeRepository } from '../../src/db/notices';
import { NOTICE_STATUSES, allows, type NoticeEvent, type NoticeStatus } from '../../src/domain/notice-lifecycle';
import { createTestContext, seedBasics, type TestContext } from '../support/context';

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
