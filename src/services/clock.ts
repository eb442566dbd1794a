/** The only way use cases learn the time, so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

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

/** Who is acting, as recorded in the history and checked against the data they touch. */
export interface Actor {
  name: string;
  /** null: every agency (an installation-wide token); otherwise the one agency this actor belongs to. */
  agencyId: number | null;
}

export const SYSTEM_ACTOR: Actor = { name: 'hệ thống', agencyId: null };
