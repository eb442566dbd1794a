import type { Lease } from '../domain/dispatch';
import type { Db } from './connection';

/**
 * The leases of the outbox workers (table `dispatch_workers`): a worker renews its own every
 * few seconds for as long as it runs — while it sends, and while it retries recording outcomes
 * the database would not take. Which workers are dead is decided from these rows by
 * deadWorkers (src/domain/dispatch.ts).
 */
export type RenewalResult = 'renewed' | 'new' | 'lost';

export class DispatchWorkerRepository {
  constructor(private readonly db: Db) {}

  /**
   * Renews the worker's lease. 'new': it had none; 'lost': another worker had ended it (took
   * the worker for dead and put its notices back) — it is started afresh.
   */
  async beat(worker: string, now: number, maxGapMs: number): Promise<RenewalResult> {
    const renewed = await this.db('dispatch_workers')
      .where({ id: worker })
      .whereNull('ended_at')
      // SET expressions read the row as it was: last_seen here is the previous renewal.
      .update({ healthy_since: this.db.raw('CASE WHEN last_seen >= ? THEN healthy_since ELSE ? END', [now - maxGapMs, now]), last_seen: now });
    if (renewed > 0) return 'renewed';
    const restarted = await this.db('dispatch_workers').where({ id: worker }).update({ started_at: now, healthy_since: now, last_seen: now, ended_at: null });
    if (restarted > 0) return 'lost';
    await this.db('dispatch_workers').insert({ id: worker, started_at: now, last_seen: now, healthy_since: now }).onConflict('id').ignore();
    return 'new';
  }

  /** Every lease, with the ended ones that may still say when the database was reachable; older ones are deleted. */
  async leases(now: number, keepEndedMs: number): Promise<Lease[]> {
    await this.db('dispatch_workers').whereNotNull('ended_at').where('last_seen', '<', now - keepEndedMs).del();
    const rows = await this.db('dispatch_workers').select('id', 'healthy_since', 'last_seen', 'ended_at');
    return rows.map((r: { id: string; healthy_since: number; last_seen: number; ended_at: number | null }) => ({
      worker: String(r.id),
      healthySince: Number(r.healthy_since),
      lastSeen: Number(r.last_seen),
      endedAt: r.ended_at === null ? null : Number(r.ended_at),
    }));
  }

  /** A worker that stops cleanly (holding nothing) ends its lease; the row stays a while as evidence. */
  async end(worker: string, now: number): Promise<void> {
    await this.db('dispatch_workers').where({ id: worker }).whereNull('ended_at').update({ ended_at: now });
  }
}
