import { systemClock, type Clock } from '../clock';
import type { Db } from '../db/connection';
import { VirtualClockRepository } from '../db/virtual-clock';

/** How often a running process looks at the shared now (see VirtualClock.start). */
export const VIRTUAL_CLOCK_POLL_MS = 50;

/**
 * The clock of a replay (HENLAI_CLOCK=virtual): simulated time shared by every process on one
 * database through the row of `virtual_clock`, which only the replay driver moves.
 *
 * `now()` must stay synchronous (use cases read it in the middle of their work), so each process
 * keeps the shared now it last read: `sync()` reads it, `start()` reads it every
 * VIRTUAL_CLOCK_POLL_MS in the background. A process's now never goes back, whatever it reads —
 * a deadline computed once must not be "not yet reached" a moment later.
 *
 * Only the simulated "now" is virtual: timers (intervals, timeouts) still run in real time, and
 * the waits against dead processes and real people (outbox leases, sign-in lockouts, rate limits)
 * read `realTime`; docs/virtual-clock.md says which waits count which time.
 */
export class VirtualClock implements Clock {
  readonly realTime = systemClock;
  private current: number;
  private timer: NodeJS.Timeout | null = null;
  /** The read of the shared now under way (the poll's or a catch-up's), shared by both. */
  private polling: Promise<unknown> | null = null;

  private constructor(
    private readonly repo: VirtualClockRepository,
    startMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.current = startMs;
  }

  /**
   * The process's view of the shared now, read once. On a database where nobody set it yet, it
   * starts at the real now (a developer trying the setting by hand); the replay driver sets it
   * with setVirtualNow before it starts any process.
   */
  static async open(db: Db, options: { onError?: (err: unknown) => void } = {}): Promise<VirtualClock> {
    const repo = new VirtualClockRepository(db);
    const start = (await repo.read()) ?? (await repo.startAt(Date.now(), Date.now()));
    return new VirtualClock(repo, start, options.onError ?? (() => undefined));
  }

  /** The replay driver's write: see setVirtualNow. */
  static advanceTo(db: Db, at: Date | number): Promise<void> {
    return setVirtualNow(db, at);
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Reads the shared now; the process's now moves forward to it, never back. */
  async sync(): Promise<Date> {
    const shared = await this.repo.read();
    if (shared !== null && shared > this.current) this.current = shared;
    return this.now();
  }

  /**
   * Reads the shared now until this process's is at least `atLeastMs` (a request sent by the
   * driver right after it moved the clock), without waiting for the next poll. Calls made while a
   * read is under way share it; one read that comes back behind (it started before the driver's
   * move) is followed by a fresh one. A shared now that is still behind after that is left to the
   * use case, which refuses the instant as in the future.
   */
  async catchUp(atLeastMs: number): Promise<void> {
    for (let read = 0; read < 2 && this.current < atLeastMs; read++) {
      this.polling ??= this.sync().finally(() => {
        this.polling = null;
      });
      await this.polling;
    }
  }

  /** Reads the shared now at once (Clock.refresh); a read that fails keeps the last now, as the poll's does. */
  async refresh(): Promise<void> {
    await this.sync().catch(this.onError);
  }

  /**
   * Moves the shared now (and this process's at once, without waiting for a poll): the driver's
   * own clock when it runs the services in its process.
   */
  async advanceTo(at: Date | number): Promise<Date> {
    const ms = typeof at === 'number' ? at : at.getTime();
    await this.repo.set(ms, Date.now());
    if (ms > this.current) this.current = ms;
    return this.now();
  }

  /**
   * Follows the shared now in the background until stop(). A read that fails (database out of
   * reach) keeps the last now: time stands still for this process rather than jumping anywhere.
   */
  start(pollMs = VIRTUAL_CLOCK_POLL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.polling = this.sync().finally(() => {
        this.polling = null;
      });
      this.polling.catch(this.onError);
    }, pollMs);
    // The clock alone must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  /** Stops following the shared now; waits for a read in progress so that the database can be closed. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling?.catch(() => undefined);
  }
}

/**
 * Sets the shared virtual now of every process on `db` (they see it at their next poll, within
 * VIRTUAL_CLOCK_POLL_MS). The replay driver is its only caller. Going back is refused
 * (VirtualTimeBackwardsError): the processes would not follow.
 */
export async function setVirtualNow(db: Db, at: Date | number): Promise<void> {
  await new VirtualClockRepository(db).set(typeof at === 'number' ? at : at.getTime(), Date.now());
}

/** Moves the shared virtual now forward by `ms` from where it is; returns the new now. */
export async function advanceVirtualNow(db: Db, ms: number): Promise<Date> {
  if (!(ms >= 0)) throw new RangeError(`the virtual clock only moves forward; asked to move by ${ms} ms`);
  const repo = new VirtualClockRepository(db);
  const from = (await repo.read()) ?? Date.now();
  await repo.set(from + ms, Date.now());
  return new Date(from + ms);
}

export { VirtualTimeBackwardsError } from '../db/virtual-clock';
