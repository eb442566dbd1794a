import type { Db } from './connection';

/**
 * The leases of the outbox workers (table `dispatch_workers`).
 *
 * A worker renews its lease every few seconds for as long as it runs — while it sends, and while
 * it retries recording outcomes the database would not take. Each renewal also keeps
 * `healthy_since`: the start of the worker's current unbroken stretch of renewals (a gap longer
 * than `maxGapMs` starts a new one).
 *
 * A worker is dead when another worker's unbroken stretch overlaps the first one's silence by
 * the lease length: for that long the database was reachable, and a live worker would have
 * renewed. Judging by the observer's continuity rather than by the silence alone matters after
 * an outage: every worker was silent then, and the one still holding outcomes to record must
 * not be taken for dead by whichever worker reaches the database first.
 */
export interface DeadWorker {
  id: string;
  /** The renewal it was judged by: requeueing takes the lease only if it is still this one. */
  lastSeen: number;
  /** Judged by another worker's unbroken renewals; false: by the length of its silence alone. */
  watched: boolean;
}

export class DispatchWorkerRepository {
  constructor(private readonly db: Db) {}

  /** Renews the worker's lease (creating it if missing); false when there was none to renew. */
  async beat(worker: string, now: number, maxGapMs: number): Promise<boolean> {
    const renewed = await this.db('dispatch_workers')
      .where({ id: worker })
      // SET expressions read the row as it was: last_seen here is the previous renewal.
      .update({ healthy_since: this.db.raw('CASE WHEN last_seen >= ? THEN healthy_since ELSE ? END', [now - maxGapMs, now]), last_seen: now });
    if (renewed > 0) return true;
    await this.db('dispatch_workers').insert({ id: worker, started_at: now, last_seen: now, healthy_since: now }).onConflict('id').ignore();
    return false;
  }

  /**
   * Workers other than `observer` that are dead: silent during `leaseMs` of another worker's
   * unbroken renewals (`watched`), or silent for `sendingTimeoutMs` — the last resort, which the
   * caller may apply only once it knows it is not itself just back from an outage.
   */
  async dead(opts: { now: number; observer: string; leaseMs: number; sendingTimeoutMs: number }): Promise<DeadWorker[]> {
    const watched = `EXISTS (SELECT 1 FROM dispatch_workers x WHERE x.id <> w.id
      AND x.last_seen - CASE WHEN w.last_seen > x.healthy_since THEN w.last_seen ELSE x.healthy_since END >= ?)`;
    const rows = await this.db('dispatch_workers as w')
      .whereNot('w.id', opts.observer)
      .where((q) => q.whereRaw(watched, [opts.leaseMs]).orWhere('w.last_seen', '<=', opts.now - opts.sendingTimeoutMs))
      .select('w.id', 'w.last_seen', this.db.raw(`CASE WHEN ${watched} THEN 1 ELSE 0 END AS watched`, [opts.leaseMs]));
    return rows.map((r: { id: string; last_seen: number; watched: number | string }) => ({
      id: String(r.id),
      lastSeen: Number(r.last_seen),
      watched: Number(r.watched) === 1,
    }));
  }

  /** A worker that stops cleanly (holding nothing) gives its lease up. */
  async remove(worker: string): Promise<void> {
    await this.db('dispatch_workers').where({ id: worker }).del();
  }
}
