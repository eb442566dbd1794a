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
}

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
