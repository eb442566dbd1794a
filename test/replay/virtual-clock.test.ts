import assert from 'node:assert/strict';
import { createDb, type Db } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { buildServices } from '../../src/compose';
import { advanceVirtualNow, setVirtualNow, VirtualClock, VirtualTimeBackwardsError } from '../../src/replay/virtual-clock';
import { freshDatabase, type FreshDatabase } from '../support/context';

const DAY = 86_400_000;
const START = Date.parse('2025-03-03T01:00:00Z'); // a Monday, 08:00 in Vietnam

/** Waits until `ok()` holds, checking every 10 ms, or fails after `ms` saying what it waited for. */
async function eventually(what: string, ok: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) assert.fail(`still waiting after ${ms} ms for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the virtual clock shared through the database (HENLAI_CLOCK=virtual)', () => {
  let fresh: FreshDatabase;
  /** A second connection pool on the same database: what another process holds. */
  let other: Db;
  const clocks: VirtualClock[] = [];
  const open = async (db: Db) => {
    const c = await VirtualClock.open(db);
    clocks.push(c);
    return c;
  };

  beforeEach(async () => {
    fresh = await freshDatabase();
    other = createDb(fresh.config.database, createLogger('silent'));
  });
  afterEach(async () => {
    for (const c of clocks.splice(0)) await c.stop();
    await other.destroy();
    await fresh.close();
  });

  it('gives two service sets on one database the same now, the one the driver set', async () => {
    await setVirtualNow(fresh.db, START);
    const a = buildServices(fresh.config, fresh.db, await open(fresh.db), createLogger('silent'));
    const b = buildServices(fresh.config, other, await open(other), createLogger('silent'));
    assert.equal(a.clock.now().toISOString(), '2025-03-03T01:00:00.000Z', 'the first process should start at the virtual now the driver set');
    assert.equal(b.clock.now().getTime(), a.clock.now().getTime(), 'two processes on one database should agree on now');

    await setVirtualNow(fresh.db, START + 3 * DAY);
    assert.equal(a.clock.now().getTime(), START, 'a process sees a move only when it reads the shared now (sync or its poll)');
    await (a.clock as VirtualClock).sync();
    await (b.clock as VirtualClock).sync();
    assert.equal(a.clock.now().getTime(), START + 3 * DAY, 'after sync the first process should be three days later');
    assert.equal(b.clock.now().getTime(), START + 3 * DAY, 'after sync the second process should be three days later too');
  });

  it('follows the driver in the background once started, within a few polls', async () => {
    await setVirtualNow(fresh.db, START);
    const clock = await open(other);
    clock.start(20);
    const to = await advanceVirtualNow(fresh.db, 5 * 60_000);
    assert.equal(to.getTime(), START + 5 * 60_000, 'advanceVirtualNow returns the new shared now');
    await eventually('the started clock to pick up the five-minute advance', () => clock.now().getTime() === START + 5 * 60_000);
    await clock.stop();
    await setVirtualNow(fresh.db, START + DAY);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(clock.now().getTime(), START + 5 * 60_000, 'a stopped clock no longer reads the database');
  });

  it('never goes back: the driver cannot set an earlier time, and a process ignores an earlier one it reads', async () => {
    await setVirtualNow(fresh.db, START + DAY);
    await assert.rejects(setVirtualNow(fresh.db, START), VirtualTimeBackwardsError, 'setting the shared now back a day must be refused');
    const clock = await open(fresh.db);
    assert.equal(clock.now().getTime(), START + DAY, 'the refused step back must not have changed the shared now');
    await setVirtualNow(fresh.db, START + DAY); // the same instant again is no step back
    await assert.rejects(advanceVirtualNow(fresh.db, -1), RangeError, 'a negative advance must be refused');

    // Whatever writes the row by hand, a process's own now does not go back.
    await fresh.db('virtual_clock').update({ now_ms: START });
    assert.equal((await clock.sync()).getTime(), START + DAY, "a process's now must not follow the shared now backwards");
  });

  it('starts at the real now on a database where no driver set it, and the driver can move it from there', async () => {
    const before = Date.now();
    const clock = await open(fresh.db);
    assert.ok(clock.now().getTime() >= before && clock.now().getTime() <= Date.now(), `an unset virtual clock should start at the real now, got ${clock.now().toISOString()}`);
    const second = await open(other);
    assert.equal(second.now().getTime(), clock.now().getTime(), 'a second process opening it must find the same start, not its own real now');
    await clock.advanceTo(clock.now().getTime() + 7 * DAY);
    assert.equal((await second.sync()).getTime(), clock.now().getTime(), 'an advance by one process clock is seen by the other');
  });
});
