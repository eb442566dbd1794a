import assert from 'node:assert/strict';
import type { Options } from 'express-rate-limit';
import { buildServices, type Services } from '../../src/compose';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { TooManyAttemptsError } from '../../src/errors';
import { DatabaseRateLimitStore } from '../../src/http/middleware/rate-limit-store';
import { createLogger } from '../../src/logger';
import { setVirtualNow, VirtualClock } from '../../src/replay/virtual-clock';
import { freshDatabase, type FreshDatabase } from '../support/context';

/**
 * The waits against real people on a replay's virtual clock: a staff session, a sign-in lockout
 * and a rate limit protect the real service from real clients, so they count real time — a day
 * of simulated time passing in a second must not end a session, lift a lockout or reset a limit.
 */
const DAY = 86_400_000;

describe('the waits against real people count real time on the virtual clock', () => {
  let fresh: FreshDatabase;
  let clock: VirtualClock;
  let s: Services;

  beforeEach(async () => {
    fresh = await freshDatabase();
    await setVirtualNow(fresh.db, Date.parse('2025-03-03T02:00:00Z'));
    clock = await VirtualClock.open(fresh.db);
    s = buildServices(fresh.config, fresh.db, clock, createLogger('silent'));
  });
  afterEach(async () => {
    await clock.stop();
    await fresh.close();
  });

  const admin = () =>
    s.users.create({ username: 'lanhdao', fullName: 'Trần Văn Bình', role: 'admin', agencyId: null, active: true }, 'mat-khau-dai-1234', SYSTEM_ACTOR);

  it('keeps a staff session open when simulated days pass in a moment', async () => {
    await admin();
    const { sessionId } = await s.signIn.attempt('lanhdao', 'mat-khau-dai-1234', '10.0.0.7');
    await clock.advanceTo(clock.now().getTime() + 3 * DAY);
    assert.ok(await s.users.fromSession(sessionId), `a session of ${fresh.config.auth.sessionMs / 3_600_000} hours must not end because the replay moved its clock three days`);
  });

  it('keeps a sign-in lockout until its real minutes have passed, however far the simulated time moves', async () => {
    await admin();
    for (let i = 0; i < fresh.config.auth.maxFailures; i++) {
      await assert.rejects(s.signIn.attempt('lanhdao', 'sai-mat-khau', '10.0.0.8'), (err: unknown) => !(err instanceof TooManyAttemptsError), `failure ${i + 1} is only a wrong password`);
    }
    await clock.advanceTo(clock.now().getTime() + DAY);
    await assert.rejects(
      s.signIn.attempt('lanhdao', 'mat-khau-dai-1234', '10.0.0.8'),
      TooManyAttemptsError,
      'the account stays locked: a day of simulated time is not the lock minutes a password guesser has to wait',
    );
  });

  it('counts a rate limit per real minute, not per simulated one', async () => {
    const store = new DatabaseRateLimitStore(s.rateLimits, clock, 'tra-cuu');
    store.init({ windowMs: 60_000 } as Options);
    const first = await store.increment('203.0.113.9');
    await clock.advanceTo(clock.now().getTime() + DAY);
    const second = await store.increment('203.0.113.9');
    assert.deepEqual([first.totalHits, second.totalHits], [1, 2], 'two look-ups a moment apart count in the same window, whatever the simulated time did meanwhile');
  });
});
