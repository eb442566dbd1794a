import type { Db } from './connection';

/** The one row of `virtual_clock`: the simulated now every process of a replay shares. */
const ROW = 1;

export class VirtualTimeBackwardsError extends Error {}

/**
 * Reads and moves the shared virtual now (table `virtual_clock`). Moving it backwards is refused:
 * processes never let their own now go back, so a step back would leave them disagreeing.
 */
export class VirtualClockRepository {
  constructor(private readonly db: Db) {}

  /** The shared now in epoch ms, or null while nobody has set it. */
  async read(): Promise<number | null> {
    const row = (await this.db('virtual_clock').where({ id: ROW }).first('now_ms')) as { now_ms: number | string } | undefined;
    return row ? Number(row.now_ms) : null;
  }

  /**
   * Sets the shared now to `nowMs`, or leaves it where it is when it is already there.
   * Throws VirtualTimeBackwardsError when it is already later.
   */
  async set(nowMs: number, realMs: number): Promise<void> {
    if (!Number.isSafeInteger(nowMs)) throw new RangeError(`virtual now must be whole epoch milliseconds, got ${nowMs}`);
    // One statement per case, each guarded, so that two writers racing cannot take it backwards.
    const moved = await this.db('virtual_clock').where({ id: ROW }).where('now_ms', '<=', nowMs).update({ now_ms: nowMs, updated_at_ms: realMs });
    if (moved > 0) return;
    await this.db('virtual_clock').insert({ id: ROW, now_ms: nowMs, updated_at_ms: realMs }).onConflict('id').ignore();
    const now = await this.read();
    if (now !== null && now > nowMs) {
      throw new VirtualTimeBackwardsError(`the virtual clock is at ${new Date(now).toISOString()}; it cannot go back to ${new Date(nowMs).toISOString()}`);
    }
  }

  /** Starts the shared now at `nowMs` unless someone already has; returns the shared now. */
  async startAt(nowMs: number, realMs: number): Promise<number> {
    await this.db('virtual_clock').insert({ id: ROW, now_ms: nowMs, updated_at_ms: realMs }).onConflict('id').ignore();
    return (await this.read()) ?? nowMs;
  }
}
