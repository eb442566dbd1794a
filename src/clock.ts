/** The only way use cases learn the time, so tests can move it. */
export interface Clock {
  now(): Date;
  /**
   * The clock of the waits that guard against real processes and real people — a dead worker's
   * lease, a sign-in lockout, a rate limit — when now() is simulated time (a replay's
   * VirtualClock): those must keep counting the machine's time. Absent: now() is that time too.
   * Read it through realTimeOf.
   */
  readonly realTime?: Clock;
  /**
   * A clock that follows a now shared with other processes (a replay's VirtualClock) reads it
   * again when a caller knows it has moved to at least `atLeastMs`, instead of waiting for its
   * next poll. Absent: now() is always current.
   */
  catchUp?(atLeastMs: number): Promise<void>;
  /**
   * A clock that follows a now shared with other processes reads it again now: for a worker woken
   * for work that the shared now may have made due since this process last read it. Never throws
   * (a failed read keeps the last now). Absent: now() is always current.
   */
  refresh?(): Promise<void>;
}

/**
 * The header a replay's driver sends with each request: the shared virtual now it has just set
 * (epoch ms), so that a server on the virtual clock catches up (Clock.catchUp) before it judges
 * the request's instants. It never sets the time — only the shared row does — and a server on the
 * system clock (production refuses the virtual one) ignores it.
 */
export const VIRTUAL_NOW_HEADER = 'Henlai-Virtual-Now';

export const systemClock: Clock = { now: () => new Date() };

/** The clock that times waits against real processes and people (see Clock.realTime). */
export function realTimeOf(clock: Clock): Clock {
  return clock.realTime ?? clock;
}

/** A clock tests can set and advance. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(to: Date): void {
    this.current = new Date(to.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
