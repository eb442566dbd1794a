import assert from 'node:assert/strict';
import type supertest from 'supertest';
import { ApologyRepository } from '../../src/db/apologies';
import { DossierRepository } from '../../src/db/dossiers';
import { createTestContext, dossierBody, onPostgres, seedBasics, type TestContext } from '../support/context';

/**
 * Two requests meet at the first row lock each takes, then go on: each waits (at most `patienceMs`)
 * for the other to hold its first lock. Taking the dossier and the apology in opposite orders
 * then always deadlocks; in one order the second simply waits for the first, and the patience
 * runs out.
 */
class FirstLocksMeet {
  private arrived = 0;
  private release: (() => void) | null = null;
  private readonly met = new Promise<void>((resolve) => (this.release = resolve));
  readonly locks: string[] = [];

  constructor(private readonly patienceMs: number) {}

  async afterLock(what: string): Promise<void> {
    this.locks.push(what);
    if (++this.arrived > 2) return;
    if (this.arrived === 2) this.release?.();
    await Promise.race([this.met, new Promise((resolve) => setTimeout(resolve, this.patienceMs))]);
  }
}

type Locking<T> = (this: T, id: never, forUpdate?: boolean) => Promise<unknown>;

/** Wraps a repository's locking read so that `meet` hears of each lock taken (restored by the returned function). */
function onLock<T extends object>(proto: T, method: keyof T & string, label: string, meet: () => FirstLocksMeet | null): () => void {
  const original = proto[method] as unknown as Locking<T>;
  const wrapped: Locking<T> = async function (this: T, id, forUpdate) {
    const row = await original.call(this, id, forUpdate);
    const m = meet();
    if (forUpdate && m) await m.afterLock(label);
    return row;
  };
  (proto as Record<string, unknown>)[method] = wrapped;
  return () => void ((proto as Record<string, unknown>)[method] = original);
}

describe('closing a dossier while its apology is being issued', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let meet: FirstLocksMeet | null = null;
  const restore: (() => void)[] = [];

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    restore.push(
      onLock(DossierRepository.prototype, 'byCode', 'dossier', () => meet),
      onLock(DossierRepository.prototype, 'byId', 'dossier', () => meet),
      onLock(ApologyRepository.prototype, 'byId', 'apology', () => meet),
    );
  });
  afterEach(async () => {
    meet = null;
    while (restore.length) restore.pop()?.();
    await ctx.close();
  });

  async function drafted(code: string): Promise<number> {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const res = await ctx
      .api('post', `/api/v1/dossiers/${encodeURIComponent(code)}/apologies`)
      .send({ reason: 'Cần khảo sát lại hiện trạng công trình' })
      .expect(201);
    return res.body.id as number;
  }

  const answer = (t: supertest.Test) => t.then((r) => ({ status: r.status, body: r.body as Record<string, unknown> }));

  /** Approving and closing at once: both answer without a server error, and the result is one of the two lawful ones. */
  async function race(code: string, closeAfterMs = 0): Promise<'issued' | 'cancelled'> {
    const id = await drafted(code);
    const [approve, close] = await Promise.all([
      answer(ctx.api('post', `/api/v1/apologies/${id}/approve`)),
      new Promise((resolve) => setTimeout(resolve, closeAfterMs)).then(() =>
        answer(ctx.api('post', `/api/v1/dossiers/${encodeURIComponent(code)}/events`).send({ kind: 'withdrawn', occurredAt: '2026-03-02T08:30:00+07:00' })),
      ),
    ]);
    assert.ok(
      approve.status < 500 && close.status < 500,
      `approving answered ${approve.status} ${JSON.stringify(approve.body)} and closing answered ${close.status} ${JSON.stringify(close.body)}: ` +
        'racing each other, neither may fail with a server error (a deadlock between their row locks?)',
    );
    assert.equal(close.status, 201, `closing the dossier must always succeed, got ${close.status} ${JSON.stringify(close.body)}`);

    const letter = (await ctx.api('get', `/api/v1/apologies/${id}`).expect(200)).body;
    const events: { kind: string; data: Record<string, unknown> }[] = (await ctx.api('get', `/api/v1/dossiers/${encodeURIComponent(code)}/events`).expect(200)).body.items;
    const kinds = events.map((e) => e.kind);
    const withdrawn = events.find((e) => e.kind === 'withdrawn') as (typeof events)[number];
    if (letter.status === 'issued') {
      assert.equal(approve.status, 200, 'the letter was issued, so its approval must have answered 200');
      assert.ok(letter.letterNumber, 'an issued letter has its number');
      assert.ok(kinds.indexOf('apology_issued') < kinds.indexOf('withdrawn'), `the issue comes before the close in the history: ${kinds.join(', ')}`);
      assert.equal(withdrawn.data.draftsCancelled, undefined, 'the close found no draft left to cancel');
      return 'issued';
    }
    assert.equal(letter.status, 'cancelled', `the close won, so the draft must be cancelled, not "${letter.status}"`);
    assert.equal(approve.status, 409, `approving a draft the close cancelled is refused with 409, got ${approve.status} ${JSON.stringify(approve.body)}`);
    assert.equal(letter.letterNumber, null, 'a letter cancelled by the close never got a number');
    assert.deepEqual(letter.notices, [], 'nothing goes to the citizen about a letter that was never issued');
    assert.ok(!kinds.includes('apology_issued'), `no issue in the history: ${kinds.join(', ')}`);
    assert.equal(withdrawn.data.draftsCancelled, 1, 'the close records the draft it cancelled');
    return 'cancelled';
  }

  it('meeting at their first row locks: no deadlock, a lawful outcome', async () => {
    meet = new FirstLocksMeet(onPostgres ? 1500 : 50);
    await race('H13.01-260202-0001');
    assert.ok(meet.locks.includes('dossier'), `the close locked the dossier: ${meet.locks.join(', ')}`);
  });

  it('many times over, either the letter is issued before the close or the close cancels it', async () => {
    // The close starts a little later each time, so that sometimes one wins and sometimes the
    // other: which does is chance, and race() checks that each outcome is a lawful one.
    for (let i = 0; i < (onPostgres ? 20 : 6); i++) await race(`RACE-${i}`, i * 3);
  });
});
