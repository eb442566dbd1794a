import { can, readsAllAgencies, type Action, type Role } from './access';

/** Who is acting, as recorded in the history and checked against the data they touch. */
export interface Actor {
  name: string;
  /** null: every agency (an installation-wide token or administrator); otherwise the actor's own agency. */
  agencyId: number | null;
  role: Role;
  /** Set when the actor is a signed-in person. */
  userId?: number;
}

export const SYSTEM_ACTOR: Actor = { name: 'hệ thống', agencyId: null, role: 'system' };

/**
 * Whether the actor may change things for this agency, or (null) for the whole installation:
 * an installation-wide actor may for all; an agency-bound one for its own agency only, never
 * for what belongs to no agency.
 */
export function actsFor(actor: Actor, agencyId: number | null): boolean {
  return actor.agencyId === null || actor.agencyId === agencyId;
}

/** The rule `authorizeFor` (services/authorize.ts) enforces, as a yes or no: pages use it to hide what would be refused. */
export function mayActFor(actor: Actor, action: Action, agencyId: number | null): boolean {
  return can(actor.role, action) && actsFor(actor, agencyId);
}

/** Whether the actor may see this agency's data (supervisors and administrators see all). */
export function readsFor(actor: Actor, agencyId: number): boolean {
  return readsAllAgencies(actor.role) || actsFor(actor, agencyId);
}

/** A dossier belongs to both the agency that received it and the one that decides it. */
export function mayAccessDossier(actor: Actor, d: { receivingAgencyId: number; decidingAgencyId: number }, mode: 'read' | 'write'): boolean {
  const allowed = mode === 'read' ? readsFor : actsFor;
  return allowed(actor, d.receivingAgencyId) || allowed(actor, d.decidingAgencyId);
}

/**
 * A draft apology is the deciding agency's letter: only that agency approves or cancels it,
 * although the receiving agency sees it and may have drafted it.
 */
export function decidesApology(actor: Actor, a: { issuingAgencyId: number }): boolean {
  return actsFor(actor, a.issuingAgencyId);
}

/**
 * The agencies a listing may cover: those requested (undefined = all), narrowed to the actor's
 * own agency when the actor reads only its own.
 */
export function scopeAgencies(actor: Actor, requested: number[] | undefined): number[] | undefined {
  if (actor.agencyId === null || readsAllAgencies(actor.role)) return requested;
  const own = actor.agencyId;
  return (requested ?? [own]).filter((id) => id === own);
}
