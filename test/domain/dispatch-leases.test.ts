import assert from 'node:assert/strict';
import { deadWorkers, type Lease } from '../../src/domain/dispatch';

const S = { leaseMs: 10_000, sendingTimeoutMs: 300_000, maxGapMs: 4_000 };
const lease = (worker: string, healthySince: number, lastSeen: number, endedAt: number | null = null): Lease => ({ worker, healthySince, lastSeen, endedAt });

describe('deadWorkers: which outbox workers are dead, from their leases', () => {
  type Row = [string, Lease[], number, Array<[string, boolean]>];
  const rows: Row[] = [
    ['a worker silent while another renewed without a break for the lease length is dead', [lease('w', 0, 100_000), lease('o', 50_000, 111_000)], 111_000, [['w', true]]],
    ['silent for less than the lease: alive', [lease('w', 0, 100_000), lease('o', 50_000, 109_000)], 109_000, []],
    [
      'after an outage everyone was silent: the first worker back does not take the other for dead, however long the outage (only the last resort lists it, unwatched)',
      [lease('w', 0, 100_000), lease('o', 500_000, 500_000)],
      500_000,
      [['w', false]],
    ],
    ['the same a moment after the outage: the other had no chance to renew yet', [lease('w', 0, 100_000), lease('o', 130_000, 132_000)], 132_000, []],
    [
      'short-lived workers one after another (each started within the gap of the last one’s end) together watch a silence',
      [lease('w', 0, 100_000), lease('a', 99_000, 103_000, 103_000), lease('b', 106_000, 109_000, 109_000), lease('c', 112_000, 115_000)],
      115_000,
      [['w', true]],
    ],
    [
      'a gap longer than the allowed one between them breaks the watch (the database may have been away)',
      [lease('w', 0, 100_000), lease('a', 99_000, 103_000, 103_000), lease('c', 108_000, 115_000)],
      115_000,
      [],
    ],
    ['an ended lease is not a candidate, whatever its silence', [lease('w', 0, 100_000, 100_000), lease('o', 0, 200_000)], 200_000, []],
    ['the last resort: silent for the sending timeout', [lease('w', 0, 100_000)], 400_000, [['w', false]]],
    ['the observer never judges itself', [lease('me', 0, 100_000), lease('o', 0, 200_000)], 600_000, [['o', false]]],
  ];
  for (const [name, leases, now, expected] of rows) {
    it(name, () => {
      const got = deadWorkers(leases, now, 'me', S).map((d): [string, boolean] => [d.worker, d.watched]);
      assert.deepEqual(got, expected, `${name}: got ${JSON.stringify(got)}`);
    });
  }
});
