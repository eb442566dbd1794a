/**
 * What will happen to each dossier, drawn at intake from the fate stream of its day, so the
 * run's outcome is fixed by the seed and not by how fast the machine is; and how a driver turns
 * a fate into instants on the deciding agency's working calendar. docs/replay-parameters.md,
 * "Fates".
 */
import type { WorkingCalendar } from '../domain/calendar';
import { computeDue, workingMsBetween } from '../domain/deadline';
import { MINUTE_MS } from '../domain/time';
import type { AgencyParams, ProcedureParams, ReplayParams } from './params';
import { logNormal, normal, pickIndex, type Rng } from './random';

export interface SupplementRound {
  /** Office hours after receipt (or after the previous round's return) when the officer asks for papers. */
  requestAfterOfficeHours: number;
  /** Real hours until the citizen brings them. */
  returnAfterHours: number;
}

export interface DossierFate {
  supplementRounds: SupplementRound[];
  /** Office hours of work after receipt (and after the last supplement return) until the officer finishes; > allowed time → the dossier slips. */
  workOfficeHours: number;
  /**
   * The same as a share of the time the procedure allows from that point: > 1 exactly when the
   * dossier slips. A driver that knows the service's due date finishes the dossier at this share
   * of the office time between the (last) start and the due date, so its slips match `slips`
   * whatever the office hours of the day.
   */
  workShare: number;
  slips: boolean;
}

/** Office hours a procedure allows, for the fate model: 8 office hours a working day; a same-day procedure, half a day. */
export function allowedOfficeHours(x: ProcedureParams): number {
  if (x.processing.days !== undefined) return x.processing.days * 8;
  if (x.processing.hours !== undefined) return x.processing.hours;
  return 4;
}

/** What will happen to a dossier: drawn at intake so the run's outcome is fixed by the seed, not by timing. */
export function fateOf(p: ReplayParams, rng: Rng, agency: AgencyParams, x: ProcedureParams, cumRounds: Float64Array): DossierFate {
  const allowed = allowedOfficeHours(x);
  const rounds: SupplementRound[] = [];
  let remaining = allowed;
  if (rng.float() < x.supplementRate) {
    const n = pickIndex(rng, cumRounds) + 1;
    for (let i = 0; i < n; i++) {
      // The officer asks early in the period: between a tenth and two fifths of what is left.
      const after = remaining * (0.1 + 0.3 * rng.float());
      rounds.push({ requestAfterOfficeHours: after, returnAfterHours: logNormal(rng, p.intake.supplementReturnHours) });
      // 'pause' keeps what was left; 'restart' gives the whole period again on return.
      remaining = x.supplementPolicy === 'pause' ? remaining - after : allowed;
    }
  }
  const slips = rng.float() < agency.slipRate;
  // A slipping dossier runs over by a little more than nothing up to about double; one in time uses 15–95 % of its time.
  const workShare = slips ? 1.02 + Math.abs(normal(rng)) * 0.25 : 0.15 + 0.8 * rng.float();
  return { supplementRounds: rounds, workOfficeHours: remaining * workShare, workShare, slips };
}

/** The instant `officeHours` of office time after `from` on the calendar (nights, weekends and holidays skipped). */
export function afterOfficeHours(cal: WorkingCalendar, from: number, officeHours: number): number {
  return computeDue(cal, new Date(from), { unit: 'hours', amount: Math.max(0, officeHours) }).getTime();
}

/**
 * When the officer finishes a dossier whose clock (re)started at `startedAt` and is due at
 * `dueAt`: `workShare` of the office time between them — after the due date exactly when the
 * fate slips — on the deciding agency's calendar.
 */
export function finishInstant(cal: WorkingCalendar, startedAt: number, dueAt: number, workShare: number): number {
  const office = workingMsBetween(cal, new Date(startedAt), new Date(dueAt)) / (60 * MINUTE_MS);
  return afterOfficeHours(cal, startedAt, office * workShare);
}
