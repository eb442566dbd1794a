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

/** Whether the actor may act for this agency: an installation-wide actor may act for all. */
export function actsFor(actor: Actor, agencyId: number): boolean {
  return actor.agencyId === null || actor.agencyId === agencyId;
}

/** A dossier belongs to both the agency that received it and the one that decides it. */
export function mayAccessDossier(actor: Actor, d: { receivingAgencyId: number; decidingAgencyId: number }): boolean {
  return actsFor(actor, d.receivingAgencyId) || actsFor(actor, d.decidingAgencyId);
}

/**
 * The agencies a listing may cover: those requested (undefined = all), narrowed to the actor's
 * own agency when the actor is bound to one.
 */
export function scopeAgencies(actor: Actor, requested: number[] | undefined): number[] | undefined {
  if (actor.agencyId === null) return requested;
  const own = actor.agencyId;
  return (requested ?? [own]).filter((id) => id === own);
}
